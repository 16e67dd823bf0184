"""Projection of the cautionary contact register and of protected addresses.

Tables:

- ``caution_steps``: every proposal, approval and review of a marker (insert-only);
- ``caution_markers``: each marker's current state, recomputed from its steps
  in feed order (``cxdesk.store.feed``; rejected steps left
  out) whenever a step arrives or the server places one, so every desk agrees
  whatever order the steps came in. ``status`` is ``proposed`` until a second
  supervisor approves (an approval by the proposer counts for nothing, as the
  server also refuses it), then ``live``, and ``removed`` after a review says so;
- ``caution_views``: who opened a marker's detail, when and why (insert-only);
- ``protected_steps`` and ``protected_addresses``: a resident's address
  protection, set and lifted, the current state recomputed the same way;
- ``protected_reveals``: who revealed a protected address, when and why.
"""

from __future__ import annotations

import json
import sqlite3
from typing import TYPE_CHECKING

from cxdesk.domain.cautions import approval_problem
from cxdesk.events.envelope import hlc_millis
from cxdesk.store import feed
from cxdesk.store.components import Component, register

if TYPE_CHECKING:
    from cxdesk.events.envelope import Event

V1 = """
CREATE TABLE caution_steps (
    event_id TEXT PRIMARY KEY,
    marker_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    fields TEXT NOT NULL,        -- JSON payload
    actor TEXT NOT NULL,
    at_ms INTEGER NOT NULL
);
CREATE INDEX caution_steps_marker ON caution_steps (marker_id);

CREATE TABLE caution_markers (
    marker_id TEXT PRIMARY KEY,
    customer_id TEXT,
    address_key TEXT,
    address TEXT NOT NULL,
    category TEXT NOT NULL,
    precaution TEXT NOT NULL,
    detail TEXT NOT NULL,
    evidence_ref TEXT NOT NULL,
    review_due TEXT NOT NULL,
    proposed_by TEXT NOT NULL,
    proposed_at_ms INTEGER NOT NULL,
    approved_by TEXT,
    approved_at_ms INTEGER,
    status TEXT NOT NULL,         -- proposed, live, removed
    reviewed_by TEXT,
    reviewed_at_ms INTEGER,
    review_reason TEXT NOT NULL DEFAULT ''
);
CREATE INDEX caution_markers_customer ON caution_markers (customer_id);
CREATE INDEX caution_markers_address ON caution_markers (address_key);
CREATE INDEX caution_markers_status ON caution_markers (status, review_due);

CREATE TABLE caution_views (
    event_id TEXT PRIMARY KEY,
    marker_id TEXT NOT NULL,
    actor TEXT NOT NULL,
    at_ms INTEGER NOT NULL,
    reason TEXT NOT NULL
);
CREATE INDEX caution_views_marker ON caution_views (marker_id, at_ms);

CREATE TABLE protected_steps (
    event_id TEXT PRIMARY KEY,
    customer_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    route TEXT NOT NULL,
    actor TEXT NOT NULL,
    at_ms INTEGER NOT NULL
);
CREATE INDEX protected_steps_customer ON protected_steps (customer_id);

CREATE TABLE protected_addresses (
    customer_id TEXT PRIMARY KEY,
    route TEXT NOT NULL,
    set_by TEXT NOT NULL,
    set_at_ms INTEGER NOT NULL
);

CREATE TABLE protected_reveals (
    event_id TEXT PRIMARY KEY,
    customer_id TEXT NOT NULL,
    actor TEXT NOT NULL,
    at_ms INTEGER NOT NULL,
    reason TEXT NOT NULL
);
CREATE INDEX protected_reveals_customer ON protected_reveals (customer_id, at_ms);
"""

cautions = register(
    Component(
        "cautions",
        migrations=[V1],
        tables=(
            "caution_steps",
            "caution_markers",
            "caution_views",
            "protected_steps",
            "protected_addresses",
            "protected_reveals",
        ),
    )
)

MARKER_STEPS = ("CautionProposed", "CautionApproved", "CautionReviewed")
PROTECTION_STEPS = ("ProtectedAddressSet", "ProtectedAddressLifted")


def _in_feed_order(table: str, key: str) -> str:
    return (
        f"SELECT s.kind, s.fields, s.actor, s.at_ms FROM {table} s "
        f"{feed.join_events('s.event_id')} "
        f"WHERE s.{key} = ? AND {feed.NOT_REJECTED} ORDER BY {feed.ORDER}"
    )


_MARKER_ORDER = _in_feed_order("caution_steps", "marker_id")
_PROTECTION_ORDER = (
    "SELECT s.kind, s.route, s.actor, s.at_ms FROM protected_steps s "
    f"{feed.join_events('s.event_id')} "
    f"WHERE s.customer_id = ? AND {feed.NOT_REJECTED} ORDER BY {feed.ORDER}"
)


def recompute_marker(conn: sqlite3.Connection, marker_id: str) -> None:
    """Rebuild one marker's row from its steps, in feed order."""
    conn.execute("DELETE FROM caution_markers WHERE marker_id = ?", (marker_id,))
    row: dict | None = None
    for kind, fields, actor, at_ms in conn.execute(_MARKER_ORDER, (marker_id,)).fetchall():
        p = json.loads(fields)
        if kind == "CautionProposed":
            if row is not None:
                continue  # one proposal per marker; a repeat changes nothing
            row = {
                "marker_id": marker_id,
                "customer_id": p.get("customer_id"),
                "address_key": p.get("address_key"),
                "address": p.get("address", ""),
                "category": p["category"],
                "precaution": p["precaution"],
                "detail": p["detail"],
                "evidence_ref": p.get("evidence_ref", ""),
                "review_due": p["review_due"],
                "proposed_by": actor,
                "proposed_at_ms": at_ms,
                "approved_by": None,
                "approved_at_ms": None,
                "status": "proposed",
                "reviewed_by": None,
                "reviewed_at_ms": None,
                "review_reason": "",
            }
        elif row is None:
            continue  # a step before its proposal (not possible in the server's order)
        elif kind == "CautionApproved":
            # The role was checked when it was recorded (desk and server alike).
            if approval_problem(row["proposed_by"], actor, "supervisor", row["approved_by"]):
                continue
            row.update(approved_by=actor, approved_at_ms=at_ms, status="live")
        elif kind == "CautionReviewed" and row["status"] == "live":
            row.update(reviewed_by=actor, reviewed_at_ms=at_ms, review_reason=p["reason"])
            if p["outcome"] == "remove":
                row["status"] = "removed"
            else:
                row["review_due"] = p["review_due"]
    if row is not None:
        names = ", ".join(row)
        marks = ", ".join(f":{k}" for k in row)
        conn.execute(f"INSERT INTO caution_markers ({names}) VALUES ({marks})", row)


def recompute_protection(conn: sqlite3.Connection, customer_id: str) -> None:
    """The resident's address protection as their last set/lift in feed order leaves it."""
    conn.execute("DELETE FROM protected_addresses WHERE customer_id = ?", (customer_id,))
    current = None
    for kind, route, actor, at_ms in conn.execute(_PROTECTION_ORDER, (customer_id,)):
        current = (route, actor, at_ms) if kind == "ProtectedAddressSet" else None
    if current is not None:
        conn.execute(
            "INSERT INTO protected_addresses (customer_id, route, set_by, set_at_ms) "
            "VALUES (?, ?, ?, ?)",
            (customer_id, *current),
        )


@cautions.handles(*MARKER_STEPS)
def _marker_step(conn: sqlite3.Connection, event: Event) -> None:
    conn.execute(
        "INSERT OR IGNORE INTO caution_steps (event_id, marker_id, kind, fields, actor, at_ms) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        (
            event.id,
            event.payload["marker_id"],
            event.kind,
            json.dumps(event.payload, sort_keys=True),
            event.actor,
            hlc_millis(event.hlc),
        ),
    )
    recompute_marker(conn, event.payload["marker_id"])


@cautions.handles(*PROTECTION_STEPS)
def _protection_step(conn: sqlite3.Connection, event: Event) -> None:
    p = event.payload
    conn.execute(
        "INSERT OR IGNORE INTO protected_steps (event_id, customer_id, kind, route, actor, at_ms) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        (
            event.id,
            p["customer_id"],
            event.kind,
            p.get("route", ""),
            event.actor,
            hlc_millis(event.hlc),
        ),
    )
    recompute_protection(conn, p["customer_id"])


@cautions.handles("CautionDetailViewed")
def _viewed(conn: sqlite3.Connection, event: Event) -> None:
    conn.execute(
        "INSERT OR IGNORE INTO caution_views (event_id, marker_id, actor, at_ms, reason) "
        "VALUES (?, ?, ?, ?, ?)",
        (
            event.id,
            event.payload["marker_id"],
            event.actor,
            hlc_millis(event.hlc),
            event.payload["reason"],
        ),
    )


@cautions.handles("ProtectedAddressRevealed")
def _revealed(conn: sqlite3.Connection, event: Event) -> None:
    conn.execute(
        "INSERT OR IGNORE INTO protected_reveals (event_id, customer_id, actor, at_ms, reason) "
        "VALUES (?, ?, ?, ?, ?)",
        (
            event.id,
            event.payload["customer_id"],
            event.actor,
            hlc_millis(event.hlc),
            event.payload["reason"],
        ),
    )


@cautions.acknowledged
def _placed(conn: sqlite3.Connection, event: Event) -> None:
    if event.kind in MARKER_STEPS:
        recompute_marker(conn, event.payload["marker_id"])
    elif event.kind in PROTECTION_STEPS:
        recompute_protection(conn, event.payload["customer_id"])
