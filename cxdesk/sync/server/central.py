"""Events the server writes itself, as device ``central``, through the push path.

Roster changes, device enrolment and seeds made with ``cxdesk admin`` on the
server are events like any other: they get a place in the feed and reach every
desk. They are chained on the ``central`` device and judged by ``apply_push``
like a desk's events, except that the role is the one the administrator acts
in (the server's operator is trusted; a desk is not). An event the judge
rejects is an error for the administrator, and nothing is written.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, text

from cxdesk.errors import ValidationError
from cxdesk.events import validate_payload
from cxdesk.events.envelope import Event, HybridClock, chain_hash, new_event_id, payload_digest
from cxdesk.sync.protocol import CENTRAL_ACTOR, CENTRAL_DEVICE
from cxdesk.sync.server.db import is_postgres
from cxdesk.sync.server.push import apply_push


@dataclass(frozen=True)
class CentralItem:
    kind: str
    payload: dict[str, Any]
    actor: str = CENTRAL_ACTOR
    role: str = "admin"
    location: str | None = None


def record_central(conn: Connection, items: Iterable[CentralItem]) -> list[Event]:
    """Chain, judge and place server-made events in the caller's write transaction."""
    lock = " FOR UPDATE" if is_postgres(conn) else ""
    seq, prev = conn.execute(
        text(f"SELECT last_seq, last_hash FROM devices WHERE id = :d{lock}"),
        {"d": CENTRAL_DEVICE},
    ).one()
    last_hlc = conn.execute(
        text("SELECT MAX(hlc) FROM events WHERE device = :d"), {"d": CENTRAL_DEVICE}
    ).scalar()
    # The server's own clock: the desk's Date-header correction does not apply here.
    clock = HybridClock(CENTRAL_DEVICE, last_hlc, wall_ms=lambda: time.time_ns() // 1_000_000)
    by_role: list[tuple[str, list[Event]]] = []
    for item in items:
        clean = validate_payload(item.kind, item.payload)
        seq += 1
        fields = {
            "id": new_event_id(),
            "kind": item.kind,
            "payload_digest": payload_digest(clean),
            "actor": item.actor,
            "device": CENTRAL_DEVICE,
            "location": item.location or "CENTRAL",
            "device_seq": seq,
            "hlc": clock.now(),
            "prev_hash": prev,
        }
        event = Event(payload=clean, hash=chain_hash(**fields), **fields)
        prev = event.hash
        if not by_role or by_role[-1][0] != item.role:
            by_role.append((item.role, []))
        by_role[-1][1].append(event)
    written: list[Event] = []
    for role, events in by_role:
        # Batches keep memory flat for big seeds; one transaction keeps it all-or-nothing.
        for start in range(0, len(events), 500):
            batch = events[start : start + 500]
            outcome = apply_push(conn, CENTRAL_DEVICE, batch, trusted_role=role)
            for result in outcome.results:
                if result.status == "rejected":
                    raise ValidationError(f"The server refused this change: {result.reason}")
            written += batch
    return written


def record_one(conn: Connection, kind: str, payload: dict[str, Any], **kw: Any) -> Event:
    return record_central(conn, [CentralItem(kind, payload, **kw)])[0]
