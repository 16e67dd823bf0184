"""Reads about this desk's sync state: what waits, what the server rejected, the last sync.

Used by the sync worker (for the header and the next push), ``cxdesk admin
verify`` (the server's signed pages against the events held) and the F8 sync
screen. Crisis events are counted apart because a crisis flag that has not
reached the server within minutes must be shouted about (DESIGN.md, "The
worker"). The ``sync_state`` keys are named here, once.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from cxdesk.events.envelope import parse_hlc
from cxdesk.store import _sql
from cxdesk.store.eventlog import EVENT_COLUMNS, row_to_event

if TYPE_CHECKING:
    from cxdesk.events.envelope import Event

CURSOR, EPOCH, PUSH_FROM, SERVER_URL = "cursor", "epoch", "push_from", "server_url"
RECEIPT, MARK, SERVER_KEY = "receipt", "mark", "server_key"
"""The latest signed receipt and feed mark (JSON), and the server's pinned public key."""
LAST_SUCCESS = "last_success"
_SELECT = ", ".join("e." + c.strip() for c in EVENT_COLUMNS.split(","))
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
    count, oldest = _sql.query(store, f"SELECT COUNT(*), MIN(e.hlc) {_WAITING}", (device,))[0]
    crisis = _sql.scalar(
        store, f"SELECT MIN(e.hlc) {_WAITING} AND e.kind LIKE 'Crisis%'", (device,)
    )
    rejected = _sql.scalar(
        store,
        "SELECT COUNT(*) FROM event_acks a JOIN events e ON e.id = a.event_id "
        "WHERE a.status = 'rejected' AND e.device = ?",
        (device,),
    )
    return LocalSummary(count, _ms(oldest), rejected, _sql.state(store, LAST_SUCCESS), _ms(crisis))


@dataclass(frozen=True, slots=True)
class RejectedEvent:
    """One of this desk's events the server refused, with its reason."""

    id: str
    kind: str
    actor: str
    device_seq: int
    hlc: str
    payload: str  # canonical JSON
    reason: str | None
    acked_at: str


def rejected_events(store, limit: int = 200) -> list[RejectedEvent]:
    """This desk's events the server refused, newest first, with the reason."""
    rows = _sql.query(
        store,
        "SELECT e.id, e.kind, e.actor, e.device_seq, e.hlc, e.payload, a.reason, a.acked_at "
        "FROM events e JOIN event_acks a ON a.event_id = e.id "
        "WHERE a.status = 'rejected' ORDER BY e.device_seq DESC LIMIT ?",
        (limit,),
    )
    return [RejectedEvent(*r) for r in rows]


@dataclass(frozen=True, slots=True)
class SyncState:
    """What this desk keeps about its sync with the central API (``sync_state``), typed."""

    cursor: int
    """The feed place this desk has pulled up to (0 before the first pull)."""
    epoch: str | None
    """The server's epoch this desk last pulled in; a new one means a restore."""
    push_from: int | None
    """Push everything from this ``device_seq`` next (after a restore), if set."""
    server_url: str | None
    server_key: str | None
    """The central API's pinned public key."""
    receipt: str | None
    mark: str | None
    """The latest signed receipt and feed mark, as JSON text (``sync.receipts``)."""
    last_success: str | None
    """When a sync round last finished (ISO 8601 UTC)."""
    scope_news: tuple[str, str] | None
    """(words, when in UTC) of the last scope change, if any."""


def sync_state(store) -> SyncState:
    """This desk's sync state, read in one go."""
    from cxdesk.store.drops import SCOPE_NEWS

    kept = {r[0]: r[1] for r in _sql.query(store, "SELECT key, value FROM sync_state")}
    push_from = kept.get(PUSH_FROM)
    return SyncState(
        cursor=int(kept.get(CURSOR) or 0),
        epoch=kept.get(EPOCH),
        push_from=int(push_from) if push_from else None,
        server_url=kept.get(SERVER_URL),
        server_key=kept.get(SERVER_KEY),
        receipt=kept.get(RECEIPT),
        mark=kept.get(MARK),
        last_success=kept.get(LAST_SUCCESS),
        scope_news=_news(kept.get(SCOPE_NEWS)),
    )


def outbox(store, *, from_seq: int | None, limit: int) -> list[Event]:
    """This desk's events the server has not acknowledged (or all from ``from_seq``), in order."""
    if from_seq is None:
        where, params = "a.event_id IS NULL", (store.device_id, limit)
    else:
        where, params = "e.device_seq >= ?", (store.device_id, from_seq, limit)
    rows = _sql.query(
        store,
        f"SELECT {_SELECT} FROM events e LEFT JOIN event_acks a ON a.event_id = e.id "
        f"WHERE e.device = ? AND {where} ORDER BY e.device_seq LIMIT ?",
        params,
    )
    return [row_to_event(r) for r in rows]


def own_events(store) -> list[Event]:
    """Every event this desk made, in chain order."""
    rows = _sql.query(
        store,
        f"SELECT {_SELECT} FROM events e WHERE e.device = ? ORDER BY e.device_seq",
        (store.device_id,),
    )
    return [row_to_event(r) for r in rows]


def unsent_count(store) -> int:
    """How many of this desk's events the server has not acknowledged."""
    return int(_sql.scalar(store, f"SELECT COUNT(*) {_WAITING}", (store.device_id,)) or 0)


def places_held(store, seqs: list[int]) -> dict[int, str]:
    """Of the feed places ``seqs``, those this desk holds, with the id of the event there."""
    held: dict[int, str] = {}
    for start in range(0, len(seqs), 500):
        chunk = seqs[start : start + 500]
        marks = ",".join("?" * len(chunk))
        held.update(
            (r[0], r[1])
            for r in _sql.query(
                store,
                f"SELECT server_seq, event_id FROM event_acks WHERE server_seq IN ({marks})",
                chunk,
            )
        )
    return held


def own_event_hash(store, device_seq: int) -> str | None:
    """The hash of this desk's event ``device_seq``, or None if the desk has no such event."""
    return _sql.scalar(
        store,
        "SELECT hash FROM events WHERE device = ? AND device_seq = ?",
        (store.device_id, device_seq),
    )


@dataclass(frozen=True, slots=True)
class SignedPage:
    """A feed page the server signed: the places after ``after`` up to ``next``, and its mark."""

    after: int
    next: int
    mark: str


def signed_pages(store) -> list[SignedPage]:
    """Every feed page kept with its signed mark, in feed order."""
    rows = _sql.query(store, "SELECT after, next, mark FROM feed_pages ORDER BY after")
    return [SignedPage(*r) for r in rows]


@dataclass(frozen=True, slots=True)
class PlacedEvent:
    """An event held with its feed place: what a signed page's digest covers."""

    server_seq: int
    event_id: str
    hash: str
    device: str


def page_events(store, page: SignedPage) -> list[PlacedEvent]:
    """The events held that ``page`` brought: its range of places, and history a grant added."""
    rows = _sql.query(
        store,
        "SELECT a.server_seq, e.id, e.hash, e.device FROM event_acks a "
        "JOIN events e ON e.id = a.event_id LEFT JOIN feed_backfill b ON b.event_id = e.id "
        "WHERE (a.server_seq > ? AND a.server_seq <= ? AND b.event_id IS NULL) "
        "OR b.page_after = ? ORDER BY a.server_seq",
        (page.after, page.next, page.after),
    )
    return [PlacedEvent(*r) for r in rows]


@dataclass(frozen=True, slots=True)
class ChainStep:
    """Another desk's event as the feed placed it."""

    device: str
    device_seq: int
    server_seq: int


def others_in_feed_order(store) -> list[ChainStep]:
    """Every placed event of other desks, in feed order (their chains should only rise)."""
    rows = _sql.query(
        store,
        "SELECT e.device, e.device_seq, a.server_seq FROM events e "
        "JOIN event_acks a ON a.event_id = e.id WHERE a.server_seq IS NOT NULL "
        "AND e.device != ? ORDER BY a.server_seq",
        (store.device_id or "",),
    )
    return [ChainStep(*r) for r in rows]


def event_ids(store) -> set[str]:
    """The id of every event this desk holds."""
    return {r[0] for r in _sql.query(store, "SELECT id FROM events")}


def event_count(store) -> int:
    """How many events this desk holds."""
    return int(_sql.scalar(store, "SELECT COUNT(*) FROM events") or 0)


def _news(text: str | None) -> tuple[str, str] | None:
    """(words, when in UTC) of a scope change as ``drops.news_payload`` kept it, or None."""
    import json

    try:
        found = json.loads(text or "null")
    except ValueError:
        return None
    if not isinstance(found, dict):
        return None
    return str(found.get("text", "")), str(found.get("at", ""))


def latest_scope_news(store) -> str | None:
    """The words of the last scope change (for the round's report), or None."""
    news = sync_state(store).scope_news
    return news[0] if news else None
