"""Write events to the log and project them, in the same transaction.

``append_local`` records something a person did at this desk: the next
``device_seq``, the link to the previous hash, the clock, then every
projection handler, all inside the caller's transaction. ``ingest_remote``
takes events from the server's feed (other desks', or our own coming back)
and applies each one exactly once.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from cxdesk.domain import deskclock
from cxdesk.errors import AuthError
from cxdesk.events import envelope, may_author, validate_payload
from cxdesk.events.envelope import (
    GENESIS,
    HybridClock,
    canonical_json,
    chain_hash,
    new_event_id,
    payload_digest,
)
from cxdesk.store.components import (
    Handler,
    handlers_for,
    load_handlers,
    project_in_feed_order,
)
from cxdesk.store.projections import scope_drops

if TYPE_CHECKING:
    from cxdesk.events.envelope import Event

EVENT_COLUMNS = (
    "id, kind, payload, payload_digest, actor, device, location, device_seq, hlc, prev_hash, hash, "
    "signature"
)


_INSERT_EVENT = f"INSERT INTO events ({EVENT_COLUMNS}) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)"
_UPSERT_ACK = (
    "INSERT INTO event_acks (event_id, status, server_seq, reason, acked_at) "
    "VALUES (?, ?, ?, ?, ?) ON CONFLICT (event_id) DO UPDATE SET "
    "status = excluded.status, server_seq = COALESCE(excluded.server_seq, server_seq), "
    "reason = excluded.reason, acked_at = excluded.acked_at"
)
_LOOKUP_CHUNK = 500  # ids per IN (...) query, well under SQLite's variable limit


def utc_now_text() -> str:
    return deskclock.now().strftime("%Y-%m-%dT%H:%M:%S.%fZ")  # corrected by the server's Date


def row_to_event(row: sqlite3.Row | tuple) -> Event:
    values = tuple(row)
    if len(values) == 11:  # selected without the signature column (an unsigned view)
        values += (None,)
    return envelope.Event.from_columns(values[:12])


def _row(event: Event, payload_text: str | None = None) -> tuple:
    return (
        event.id,
        event.kind,
        canonical_json(event.payload) if payload_text is None else payload_text,
        event.payload_digest,
        event.actor,
        event.device,
        event.location,
        event.device_seq,
        event.hlc,
        event.prev_hash,
        event.hash,
        event.signature,
    )


def _insert(conn: sqlite3.Connection, event: Event) -> None:
    conn.execute(_INSERT_EVENT, _row(event))


def project(conn: sqlite3.Connection, event: Event) -> None:
    """Run every projection handler for this event's kind."""
    for handler in handlers_for(event.kind):
        handler(conn, event)


def ack_hooks_for(kind: str) -> list[Handler]:
    """The ``on_ack`` hooks of the components that project this kind."""
    return [c.on_ack for c in load_handlers() if c.on_ack and kind in c.handlers]


def _known_events(conn: sqlite3.Connection, ids: list[str]) -> dict[str, tuple[str, int | None]]:
    """For the ids this desk already holds: their hash and feed place (None if none yet)."""
    known: dict[str, tuple[str, int | None]] = {}
    for start in range(0, len(ids), _LOOKUP_CHUNK):
        chunk = ids[start : start + _LOOKUP_CHUNK]
        marks = ",".join("?" * len(chunk))
        for id_, hash_, seq in conn.execute(
            "SELECT e.id, e.hash, a.server_seq FROM events e "
            f"LEFT JOIN event_acks a ON a.event_id = e.id WHERE e.id IN ({marks})",
            chunk,
        ):
            known[id_] = (hash_, seq)
    return known


def chain_head(conn: sqlite3.Connection, device: str) -> tuple[int, str]:
    row = conn.execute(
        "SELECT device_seq, hash FROM events WHERE device = ? ORDER BY device_seq DESC LIMIT 1",
        (device,),
    ).fetchone()
    return (row[0], row[1]) if row else (0, GENESIS)


def append_local(
    conn: sqlite3.Connection,
    clock: HybridClock,
    *,
    kind: str,
    payload: dict[str, Any],
    actor: str,
    role: str | None,
    device: str,
    location: str,
    keys=None,
) -> Event:
    """Validate, chain, sign, store and project one event made here, in the caller's transaction.

    ``keys`` (the author's ``StaffKeys``) sign the event's hash; without them
    the event goes unsigned, which the central API accepts only from the desk
    itself for the few kinds that are facts about the device.
    """
    clean = validate_payload(kind, payload)
    if not may_author(kind, role, actor):
        raise AuthError(f"A {role or 'desk'} may not record {kind}.")
    seq, prev = chain_head(conn, device)
    fields = {
        "id": new_event_id(),
        "kind": kind,
        "payload_digest": payload_digest(clean),
        "actor": actor,
        "device": device,
        "location": location,
        "device_seq": seq + 1,
        "hlc": clock.now(),
        "prev_hash": prev,
    }
    hash_ = chain_hash(**fields)
    signature = keys.sign_event_hash(hash_) if keys is not None else None
    event = envelope.Event(payload=clean, hash=hash_, signature=signature, **fields)
    _insert(conn, event)
    project(conn, event)
    return event


def ingest_remote(
    conn: sqlite3.Connection, clock: HybridClock, events: Iterable[tuple[Event, int]]
) -> int:
    """Store and project feed events (each with its ``server_seq``) not seen before.

    Our own events coming back are not projected again; they only learn their
    place in the feed (and the ``on_ack`` hooks run). Returns how many events
    were new to this desk. Every event is checked before anything is written;
    one that does not verify is refused (``feed_refusals``) and the rest go in.

    A page is written in bulk: one query finds what the desk already holds,
    new events and every acknowledgement go in with ``executemany``, then the
    new events are projected in feed order. Their acknowledgements are already
    in place when they are projected (as in a rebuild), so their handlers see
    their final place and no ``on_ack`` hook is needed for them.
    """
    from cxdesk.store.projections.feed_refusals import record_refusal, screen

    # What does not verify is refused and reported (F8), never stored, and never
    # stops the sync: the cursor moves past it with the rest of the page. The
    # canonical payload text is made once: its digest is checked and it is stored.
    stamp, items, texts = utc_now_text(), [], {}
    for event, server_seq, payload_text, reason in screen(events):
        if reason is None:
            items.append((event, server_seq))
            texts.setdefault(event.id, payload_text)  # a differing repeat is refused below
        else:
            record_refusal(conn, event, server_seq, reason, stamp)
    known = _known_events(conn, [event.id for event, _ in items])
    # Events this desk dropped (a scope change) that the feed brings again: put back.
    dropped = scope_drops.dropped_among(conn, list(known)) if known else set()
    restored: set[str] = set()
    steps: list[tuple[bool, Event]] = []  # (is new, event) in feed order
    differs: set[str] = set()
    for event, server_seq in items:
        held = known.get(event.id)
        if held is not None and event.id in dropped and held[0] == event.hash:
            scope_drops.restore(conn, event)
            dropped.discard(event.id)
            restored.add(event.id)
            steps.append((True, event))  # projected again, as if new
            continue
        if held is None:
            steps.append((True, event))
        elif held[0] != event.hash:
            record_refusal(conn, event, server_seq, "it differs from this desk's copy", stamp)
            differs.add(event.id)
            continue
        elif server_seq is not None and held[1] is None:
            steps.append((False, event))  # ours, coming back: it has its place now
        place = server_seq if server_seq is not None else (held[1] if held else None)
        known[event.id] = (event.hash, place)  # a repeat later in the page is known
    if differs:
        items = [(event, seq) for event, seq in items if event.id not in differs]
    new_events = [event for is_new, event in steps if is_new and event.id not in restored]
    conn.executemany(_INSERT_EVENT, [_row(event, texts[event.id]) for event in new_events])
    conn.executemany(
        _UPSERT_ACK, [(event.id, "accepted", seq, None, stamp) for event, seq in items]
    )
    hooks: dict[str, list[Handler]] = {}
    start = 0
    while start < len(steps):  # new events in runs (batch handlers), own ones one by one
        end = start
        while end < len(steps) and steps[end][0] == steps[start][0]:
            end += 1
        if steps[start][0]:
            project_in_feed_order(conn, [event for _, event in steps[start:end]])
        else:
            for _, event in steps[start:end]:
                if event.kind not in hooks:
                    hooks[event.kind] = ack_hooks_for(event.kind)
                for hook in hooks[event.kind]:
                    hook(conn, event)
        start = end
    clock.observe_all(event.hlc for event, _ in items)
    return len(new_events)


def record_ack(
    conn: sqlite3.Connection,
    event: Event,
    *,
    status: str,
    server_seq: int | None = None,
    reason: str | None = None,
) -> None:
    """Remember what the server said about an event; runs ``on_ack`` hooks on a new place."""
    before = conn.execute(
        "SELECT server_seq FROM event_acks WHERE event_id = ?", (event.id,)
    ).fetchone()
    conn.execute(_UPSERT_ACK, (event.id, status, server_seq, reason, utc_now_text()))
    if server_seq is not None and (before is None or before[0] is None):
        for hook in ack_hooks_for(event.kind):
            hook(conn, event)
