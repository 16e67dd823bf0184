"""The Welfare Assistance Team's one-hour promise: due times, countdowns, lateness.

Times are aware datetimes in UTC everywhere they are stored or compared; Europe/
London is only for showing them. The due time is the issue time plus one real
hour, so on the night the clocks go back (2026-10-25) a card issued at 01:30
BST is due at 01:30 GMT, one hour later even though the wall clock reads the
same; shown times carry BST/GMT so the two 01:30s are told apart.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

LONDON = ZoneInfo("Europe/London")
PROMISE = timedelta(hours=1)


def _aware(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        raise ValueError("times must be timezone-aware (UTC)")
    return moment.astimezone(UTC)


def due_at(requested_at: datetime) -> datetime:
    """When a crisis payment requested at ``requested_at`` is due (UTC)."""
    return _aware(requested_at) + PROMISE


def to_iso(moment: datetime) -> str:
    """A UTC time as stored in payloads: ``2026-10-25T00:30:00.000Z``."""
    return _aware(moment).strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def from_iso(text: str) -> datetime:
    """The aware UTC datetime of a stored ISO time (``Z`` or an offset)."""
    return _aware(datetime.fromisoformat(text.replace("Z", "+00:00")))


def from_ms(ms: int) -> datetime:
    return datetime.fromtimestamp(ms / 1000, UTC)


def to_ms(moment: datetime) -> int:
    return int(_aware(moment).timestamp() * 1000)


def london_time(moment: datetime, *, with_date: bool = False) -> str:
    """A time for people in Europe/London with BST/GMT: ``01:30 GMT``, ``Sun 25 Oct 01:30 GMT``."""
    local = _aware(moment).astimezone(LONDON)
    text = local.strftime("%H:%M %Z")
    if not with_date:
        return text
    return f"{local.strftime('%a')} {local.day} {local.strftime('%b')} {text}"


def _span(seconds: int) -> str:
    minutes = seconds // 60
    if minutes < 60:
        return f"{minutes} min" if minutes else f"{seconds} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min"


def seconds_left(due: datetime, now: datetime) -> int:
    """Whole seconds until ``due`` (negative once late)."""
    return int((_aware(due) - _aware(now)).total_seconds() // 1)


def is_late(due: datetime, now: datetime) -> bool:
    return _aware(now) > _aware(due)


def countdown_text(due: datetime, now: datetime) -> str:
    """``42 min left``, ``1 h 00 min left``, ``LATE by 5 min``: what the queue shows."""
    left = seconds_left(due, now)
    if left > 0:
        return f"{_span(left)} left"
    if left == 0:
        return "due now"
    return f"LATE by {_span(-left)}"


def age_text(then: datetime, now: datetime) -> str:
    """How long ago ``then`` was: ``just now``, ``12 min ago``, ``2 h ago``, ``3 days ago``."""
    seconds = max(0, int((_aware(now) - _aware(then)).total_seconds()))
    if seconds < 60:
        return "just now"
    if seconds < 3600:
        return f"{seconds // 60} min ago"
    if seconds < 2 * 86400:
        return f"{seconds // 3600} h ago"
    return f"{seconds // 86400} days ago"
