"""The sync state a desk shows in its header, and the words for it.

``SyncStatus`` is an immutable snapshot the worker hands to the app on every
change; ``header_text`` turns it into the one line an advisor reads:
"Online · 0 waiting · synced 12s ago" or
"Offline · 3 waiting (oldest 4 min) · last sync 10:42". Times are stored UTC
and shown in Europe/London.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from cxdesk.domain import deskclock

LONDON = ZoneInfo("Europe/London")


@dataclass(frozen=True)
class SyncStatus:
    configured: bool = False
    online: bool | None = None
    """None until the first attempt."""
    syncing: bool = False
    waiting: int = 0
    oldest_waiting_ms: int | None = None
    last_success: datetime | None = None
    last_error: str | None = None
    rejected: int = 0
    oldest_crisis_ms: int | None = None
    """The oldest crisis event not yet on the server, if any."""
    crisis_alert_minutes: float = 5.0
    problem: str | None = None
    """A few words for the header on why the last round failed ("no answer", "disk full")."""
    stalled: bool = False
    """A round has waited on the server longer than a few seconds."""
    last_round: datetime | None = None
    """When a round last finished (UTC); "Online" only while this is recent."""
    fresh_seconds: float = 15.0
    """How recent ``last_round`` must be to say "Online" (the interval, plus slack)."""

    def online_now(self, now: datetime) -> bool:
        if not self.online or self.stalled or self.last_round is None:
            return False
        return (now - self.last_round).total_seconds() <= self.fresh_seconds

    def crisis_alert(self, now: datetime | None = None) -> bool:
        """A crisis event has waited longer than the alert threshold: shout."""
        if self.oldest_crisis_ms is None:
            return False
        now = now or deskclock.now()
        waited = now.timestamp() - self.oldest_crisis_ms / 1000
        return waited >= self.crisis_alert_minutes * 60

    def oldest_age_seconds(self, now: datetime) -> float | None:
        if self.oldest_waiting_ms is None:
            return None
        return max(0.0, now.timestamp() - self.oldest_waiting_ms / 1000)

    def header_text(self, now: datetime | None = None) -> str:
        now = now or deskclock.now()
        waiting = f"{self.waiting} waiting"
        age = self.oldest_age_seconds(now)
        if self.waiting and age is not None and (not self.online_now(now) or age >= 60):
            waiting += f" (oldest {_span(age)})"
        online = self.online_now(now)
        parts = [_state_word(self, online), waiting]
        if self.last_success is None:
            parts.append("never synced")
        elif online:
            parts.append(f"synced {_span((now - self.last_success).total_seconds())} ago")
        else:
            parts.append(f"last sync {_clock(self.last_success, now)}")
        if self.rejected:
            parts.append(f"{self.rejected} rejected (F8)")
        if skew := deskclock.skew_text():  # the desk's own clock is off from the server's
            parts.append(skew)
        if self.crisis_alert(now) and self.oldest_crisis_ms is not None:
            waited = now.timestamp() - self.oldest_crisis_ms / 1000
            parts.insert(0, f"CRISIS NOT SENT ({_span(waited)})")
        return " · ".join(parts)


def _state_word(status: SyncStatus, online: bool) -> str:
    if not status.configured:
        return "Not connected"
    if status.stalled:
        return "Waiting for server"
    if status.online is None:
        return "Connecting"
    if status.online and status.last_error:
        if status.problem:
            return f"Sync stopped: {status.problem} (F8)"
        return "Sync refused (F8)"  # the server answers but says no: a person must look
    if online:
        return "Online"
    if status.online and status.syncing:
        return "Connecting"  # a round is under way and has not waited long yet
    return f"Offline: {status.problem}" if status.problem else "Offline"


def _span(seconds: float) -> str:
    seconds = int(seconds)
    if seconds < 60:
        return f"{seconds}s"
    if seconds < 3600:
        return f"{seconds // 60} min"
    if seconds < 48 * 3600:
        return f"{seconds // 3600} h"
    return f"{seconds // 86400} days"


def _clock(moment: datetime, now: datetime) -> str:
    local, today = moment.astimezone(LONDON), now.astimezone(LONDON)
    if local.date() == today.date():
        return local.strftime("%H:%M")
    return local.strftime("%d %b %H:%M")


def parse_utc(text: str | None) -> datetime | None:
    if not text:
        return None
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC)
