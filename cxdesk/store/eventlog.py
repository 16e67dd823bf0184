"""Write events to the log and project them, in the same transaction.

``append_local`` records something a person did at this desk: the next
``device_seq``, the link to the previous hash, the clock, then every
projection handler, all inside the caller's transaction. ``ingest_remote``
takes events from the server's feed (other desks', or our own coming back)
and applies each one exactly once.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from cxdesk.errors import AuthError, StoreError
from cxdesk.events import may_author, validate_payload
from cxdesk.events.envelope import (
    GENESIS,
    Event,
    HybridClock,
    canonical_json,
    chain_hash,
    new_event_id,
    payload_digest,
)
from cxdesk.store.components import handlers_for, load_components

EVENT_COLUMNS = (
    "id, kind, payload, payload_digest, actor, device, location, device_seq, hlc, prev_hash, hash"
)


def utc_now_text() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def row_to_event(row: sqlite3.Row | tuple) -> Event:
    (id_, kind, payload, digest, actor, device, location, seq, hlc, prev, hash_) = tuple(row)[:11]
    return Event(
        id=id_,
        kind=kind,
        payload=json.loads(payload),
        payload_digest=digest,
        actor=actor,
        device=device,
        location=location,
        device_seq=seq,
        hlc=hlc,
        prev_hash=prev,
        hash=hash_,
    )


def _insert(conn: sqlite3.Connection, event: Event) -> None:
    conn.execute(
        f"INSERT INTO events ({EVENT_COLUMNS}) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
        (
            event.id,
            event.kind,
            canonical_json(event.payload),
            event.payload_digest,
            event.actor,
            event.device,
            event.location,
            event.device_seq,
            event.hlc,
            event.prev_hash,
            event.hash,
        ),
    )


def project(conn: sqlite3.Connection, event: Event) -> None:
    """Run every projection handler for this event's kind."""
    for handler in handlers_for(event.kind):
        handler(conn, event)


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
) -> Event:
    """Validate, chain, store and project one event made here; the caller holds the transaction."""
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
    event = Event(payload=clean, hash=chain_hash(**fields), **fields)
    _insert(conn, event)
    project(conn, event)
    return event


def ingest_remote(
    conn: sqlite3.Connection, clock: HybridClock, events: Iterable[tuple[Event, int]]
) -> int:
    """Store and project feed events (each with its ``server_seq``) not seen before.

    Our own events coming back are not projected again; they only learn their
    place in the feed. Returns how many events were new to this desk.
    """
    new = 0
    for event, server_seq in events:
        known = conn.execute("SELECT hash FROM events WHERE id = ?", (event.id,)).fetchone()
        if known is None:
            if not event.hash_ok():
                raise StoreError(f"Feed event {event.id} fails its hash check; sync stopped.")
            _insert(conn, event)
            project(conn, event)
            new += 1
        elif known[0] != event.hash:
            raise StoreError(f"Feed event {event.id} differs from the copy on this desk.")
        record_ack(conn, event, status="accepted", server_seq=server_seq)
        clock.observe(event.hlc)
    return new


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
    conn.execute(
        "INSERT INTO event_acks (event_id, status, server_seq, reason, acked_at) "
        "VALUES (?, ?, ?, ?, ?) ON CONFLICT (event_id) DO UPDATE SET "
        "status = excluded.status, server_seq = COALESCE(excluded.server_seq, server_seq), "
        "reason = excluded.reason, acked_at = excluded.acked_at",
        (event.id, status, server_seq, reason, utc_now_text()),
    )
    if server_seq is not None and (before is None or before[0] is None):
        for comp in load_components():
            if comp.on_ack and event.kind in comp.handlers:
                comp.on_ack(conn, event)
