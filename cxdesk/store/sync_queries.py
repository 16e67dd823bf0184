"""Reads about this desk's sync state: what waits, what the server rejected, the last sync.

Used by the sync worker (for the header) and the F8 sync screen. Crisis events
are counted apart because a crisis flag that has not reached the server within
minutes must be shouted about (DESIGN.md, "The worker").
"""

from __future__ import annotations

from dataclasses import dataclass

from cxdesk.events.envelope import parse_hlc

LAST_SUCCESS = "last_success"
_WAITING = (
    "FROM events e LEFT JOIN event_acks a ON a.event_id = e.id "
    "WHERE e.device = ? AND a.event_id IS NULL"
)


@dataclass(frozen=True)
class LocalSummary:
    waiting: int
    oldest_ms: int | None
    rejected: int
    last_success: str | None
    oldest_crisis_ms: int | None = None


def _ms(hlc: str | None) -> int | None:
    """The clock value's milliseconds; None if there is none or it is not one (never raises)."""
    try:
        return parse_hlc(hlc)[0] if hlc else None
    except ValueError:
        return None


def local_summary(store) -> LocalSummary:
    """What the header needs: events waiting, the oldest one's time, rejections, last sync."""
    device = store.device_id
    count, oldest = store.query(f"SELECT COUNT(*), MIN(e.hlc) {_WAITING}", (device,))[0]
    crisis = store.scalar(f"SELECT MIN(e.hlc) {_WAITING} AND e.kind LIKE 'Crisis%'", (device,))
    rejected = store.scalar(
        "SELECT COUNT(*) FROM event_acks a JOIN events e ON e.id = a.event_id "
        "WHERE a.status = 'rejected' AND e.device = ?",
        (device,),
    )
    return LocalSummary(count, _ms(oldest), rejected, store.get_state(LAST_SUCCESS), _ms(crisis))


def rejected_events(store, limit: int = 200) -> list[dict]:
    """This desk's events the server refused, newest first, with the reason."""
    rows = store.query(
        "SELECT e.id, e.kind, e.actor, e.device_seq, e.hlc, e.payload, a.reason, a.acked_at "
        "FROM events e JOIN event_acks a ON a.event_id = e.id "
        "WHERE a.status = 'rejected' ORDER BY e.device_seq DESC LIMIT ?",
        (limit,),
    )
    return [dict(r) for r in rows]


def sync_state(store) -> dict[str, str]:
    """Every sync_state key and value (cursor, epoch, server URL, last success)."""
    return {r["key"]: r["value"] for r in store.query("SELECT key, value FROM sync_state")}
