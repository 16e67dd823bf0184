"""Projection of crisis payment requests (the one-hour promise) and crisis flags.

Tables (the crisis queue and the supervisor's log read them):

- ``crisis_payment_requests(request_id PK, issue_id, customer_id, serial,
  amount_pence, location, requested_by, requested_at_ms, due_ms, status,
  completed_at_ms, completed_by, decline_reason, note)``: ``status`` is open |
  completed | declined | cancelled (the card issue was voided first). Times are
  UTC ms; ``due_ms`` = request time + 1 hour, from the payload.
  ``completed_at_ms``/``completed_by`` hold whoever closed it, either way.
- ``crisis_payment_updates(event_id PK, request_id, issue_id, outcome, at_ms,
  actor, reason)``: every completion, decline and (for voided card issues,
  keyed by ``issue_id``) cancellation. The first in feed order decides.
- ``crisis_flags(flag_id PK, customer_id, signs, other_signs, actions,
  opened_at_ms, opened_by, location, status, closed_at_ms, closed_by,
  outcome)``: ``signs`` JSON list of codes from ``cxdesk.domain.crisis.SIGNS``;
  ``status`` open | closed.
- ``crisis_flag_closures(event_id PK, flag_id, outcome, at_ms, actor)``.
"""

from __future__ import annotations

import json
import sqlite3
from datetime import datetime
from typing import TYPE_CHECKING

from cxdesk.events.envelope import hlc_millis
from cxdesk.store import feed
from cxdesk.store.components import Component, register

if TYPE_CHECKING:
    from cxdesk.events.envelope import Event

V1 = """
CREATE TABLE crisis_payment_requests (
    request_id TEXT PRIMARY KEY,
    issue_id TEXT NOT NULL,
    customer_id TEXT NOT NULL,
    serial TEXT NOT NULL,
    amount_pence INTEGER NOT NULL,
    location TEXT NOT NULL,
    requested_by TEXT NOT NULL,
    requested_at_ms INTEGER NOT NULL,
    due_ms INTEGER NOT NULL,
    status TEXT NOT NULL DEFAULT 'open',
    completed_at_ms INTEGER,
    completed_by TEXT,
    decline_reason TEXT,
    note TEXT
);
CREATE INDEX crisis_requests_open ON crisis_payment_requests (status, due_ms);
CREATE TABLE crisis_payment_updates (
    event_id TEXT PRIMARY KEY,
    request_id TEXT,
    issue_id TEXT,
    outcome TEXT NOT NULL,
    at_ms INTEGER NOT NULL,
    actor TEXT NOT NULL,
    reason TEXT NOT NULL
);
CREATE INDEX crisis_updates_request ON crisis_payment_updates (request_id);
CREATE INDEX crisis_updates_issue ON crisis_payment_updates (issue_id);
CREATE TABLE crisis_flags (
    flag_id TEXT PRIMARY KEY,
    customer_id TEXT NOT NULL,
    signs TEXT NOT NULL,
    other_signs TEXT NOT NULL,
    actions TEXT NOT NULL,
    opened_at_ms INTEGER NOT NULL,
    opened_by TEXT NOT NULL,
    location TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'open',
    closed_at_ms INTEGER,
    closed_by TEXT,
    outcome TEXT
);
CREATE INDEX crisis_flags_open ON crisis_flags (status, opened_at_ms);
CREATE TABLE crisis_flag_closures (
    event_id TEXT PRIMARY KEY,
    flag_id TEXT NOT NULL,
    outcome TEXT NOT NULL,
    at_ms INTEGER NOT NULL,
    actor TEXT NOT NULL
);
CREATE INDEX crisis_flag_closures_flag ON crisis_flag_closures (flag_id);
"""

# V2: requests by issue (the issued-voucher log shows a card's request beside it).
# Stores made before v2 got it from the supervision component: hence IF NOT EXISTS.
V2 = "CREATE INDEX IF NOT EXISTS crisis_requests_issue ON crisis_payment_requests (issue_id);"

# V3: a card issue's payment request as other components may read it (the
# issued-voucher log's status column and its "late" filter), declared here so they
# never spell this component's tables. A plain view, flattened into the reader's
# query, so ``crisis_requests_issue`` still serves it.
V3 = """
CREATE VIEW payment_request_state_v AS
SELECT issue_id, request_id, status, due_ms, completed_at_ms
FROM crisis_payment_requests;
"""

crisis = register(
    Component(
        "crisis",
        migrations=[V1, V2, V3],
        tables=(
            "crisis_payment_requests",
            "crisis_payment_updates",
            "crisis_flags",
            "crisis_flag_closures",
        ),
    )
)


def iso_to_ms(text: str) -> int:
    """Milliseconds since the epoch for an ISO 8601 UTC time ending in Z."""
    return int(datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp() * 1000)


def _recompute_request(conn: sqlite3.Connection, request_id: str) -> None:
    row = conn.execute(
        "SELECT issue_id FROM crisis_payment_requests WHERE request_id = ?", (request_id,)
    ).fetchone()
    if row is None:
        return
    first = conn.execute(
        "SELECT u.outcome, u.at_ms, u.actor, u.reason FROM crisis_payment_updates u "
        f"{feed.join_events('u.event_id')} WHERE (u.request_id = ? OR u.issue_id = ?) "
        f"AND {feed.NOT_REJECTED} ORDER BY {feed.ORDER} LIMIT 1",
        (request_id, row[0]),
    ).fetchone()
    if first is None:
        return
    outcome, at_ms, actor, reason = first
    conn.execute(
        "UPDATE crisis_payment_requests SET status = ?, completed_at_ms = ?, completed_by = ?, "
        "decline_reason = ?, note = ? WHERE request_id = ?",
        (
            outcome,
            at_ms,
            actor,
            reason if outcome != "completed" else None,
            reason if outcome == "completed" else None,
            request_id,
        ),
    )


@crisis.handles("CrisisPaymentRequested")
def _requested(conn: sqlite3.Connection, event: Event) -> None:
    p = event.payload
    conn.execute(
        "INSERT INTO crisis_payment_requests (request_id, issue_id, customer_id, serial, "
        "amount_pence, location, requested_by, requested_at_ms, due_ms) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            p["request_id"],
            p["issue_id"],
            p["customer_id"],
            p["serial"],
            p["amount_pence"],
            event.location,
            event.actor,
            iso_to_ms(p["requested_at"]),
            iso_to_ms(p["due_at"]),
        ),
    )
    _recompute_request(conn, p["request_id"])


def _update(conn, event: Event, request_id, issue_id, outcome: str, reason: str) -> None:
    conn.execute(
        "INSERT INTO crisis_payment_updates (event_id, request_id, issue_id, outcome, at_ms, "
        "actor, reason) VALUES (?, ?, ?, ?, ?, ?, ?)",
        (event.id, request_id, issue_id, outcome, hlc_millis(event.hlc), event.actor, reason),
    )


@crisis.handles("CrisisPaymentCompleted")
def _completed(conn: sqlite3.Connection, event: Event) -> None:
    p = event.payload
    _update(conn, event, p["request_id"], None, "completed", p.get("note", ""))
    _recompute_request(conn, p["request_id"])


@crisis.handles("CrisisPaymentDeclined")
def _declined(conn: sqlite3.Connection, event: Event) -> None:
    p = event.payload
    _update(conn, event, p["request_id"], None, "declined", p["reason"])
    _recompute_request(conn, p["request_id"])


@crisis.handles("IssueVoided")
def _issue_voided(conn: sqlite3.Connection, event: Event) -> None:
    p = event.payload
    if p["kind"] != "payment_card":
        return
    _update(conn, event, None, p["issue_id"], "cancelled", f"card issue voided: {p['reason']}")
    for (request_id,) in conn.execute(
        "SELECT request_id FROM crisis_payment_requests WHERE issue_id = ?", (p["issue_id"],)
    ).fetchall():
        _recompute_request(conn, request_id)


def _recompute_flag(conn: sqlite3.Connection, flag_id: str) -> None:
    first = conn.execute(
        "SELECT c.outcome, c.at_ms, c.actor FROM crisis_flag_closures c "
        f"{feed.join_events('c.event_id')} "
        f"WHERE c.flag_id = ? AND {feed.NOT_REJECTED} ORDER BY {feed.ORDER} LIMIT 1",
        (flag_id,),
    ).fetchone()
    if first:
        conn.execute(
            "UPDATE crisis_flags SET status = 'closed', outcome = ?, closed_at_ms = ?, "
            "closed_by = ? WHERE flag_id = ?",
            (*first, flag_id),
        )


@crisis.handles("CrisisFlagged")
def _flagged(conn: sqlite3.Connection, event: Event) -> None:
    p = event.payload
    conn.execute(
        "INSERT INTO crisis_flags (flag_id, customer_id, signs, other_signs, actions, "
        "opened_at_ms, opened_by, location) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (
            p["flag_id"],
            p["customer_id"],
            json.dumps(p["signs"]),
            p.get("other_signs", ""),
            p["actions"],
            hlc_millis(event.hlc),
            event.actor,
            event.location,
        ),
    )
    _recompute_flag(conn, p["flag_id"])


@crisis.handles("CrisisFlagClosed")
def _closed(conn: sqlite3.Connection, event: Event) -> None:
    p = event.payload
    conn.execute(
        "INSERT INTO crisis_flag_closures (event_id, flag_id, outcome, at_ms, actor) "
        "VALUES (?, ?, ?, ?, ?)",
        (event.id, p["flag_id"], p["outcome"], hlc_millis(event.hlc), event.actor),
    )
    _recompute_flag(conn, p["flag_id"])


@crisis.acknowledged
def _on_ack(conn: sqlite3.Connection, event: Event) -> None:
    """A synced event has its place in the feed: the first outcome may now be another."""
    p = event.payload
    if event.kind in ("CrisisPaymentCompleted", "CrisisPaymentDeclined"):
        _recompute_request(conn, p["request_id"])
    elif event.kind == "IssueVoided":
        for (request_id,) in conn.execute(
            "SELECT request_id FROM crisis_payment_requests WHERE issue_id = ?", (p["issue_id"],)
        ).fetchall():
            _recompute_request(conn, request_id)
    elif event.kind == "CrisisFlagClosed":
        _recompute_flag(conn, p["flag_id"])
