"""Projection of the supervisor's sign-offs, and the indexes the issued-voucher log needs.

Table:

- ``signoffs(event_id PK, location_id, day, note, signed_by, signed_at_ms)``:
  every sign-off of a location's day (YYYY-MM-DD, UK calendar day), insert-only.
  A day may be signed off more than once (a second look after late arrivals);
  every one is kept.

**Arriving after sign-off** is decided when reading
(``cxdesk.store.issue_log_queries``), never stored, because it depends on
where events sit in the feed, which changes when the server acknowledges them.
An issue (or void, or stock event) of that location and day "arrived after
sign-off" when its place is later than the latest sign-off's place, where
place is its feed place (``cxdesk.store.feed``): the server's feed
position once known, this desk's apply order before that. Wall clocks are never
compared: a desk that was offline all day records issues with early clock
times that still reach the supervisor after they signed. An unsynced event
sorts after every synced one, so an issue not yet pushed will count as late
against a synced sign-off (which it will be, once the server places it).

This component also adds indexes to the ``issues`` table (owned by the
issuing component), to crisis payment requests by issue and to customers by
family name, so a filtered first page of the log stays fast with a
million issues: each filter column is followed by ``at_ms, issue_id`` so the
newest-first keyset pagination reads straight down the index.
"""

from __future__ import annotations

import sqlite3

from cxdesk.events.envelope import Event, hlc_millis
from cxdesk.store.components import Component, register

V1 = """
CREATE TABLE signoffs (
    event_id TEXT PRIMARY KEY,
    location_id TEXT NOT NULL,
    day TEXT NOT NULL,
    note TEXT NOT NULL,
    signed_by TEXT NOT NULL,
    signed_at_ms INTEGER NOT NULL
);
CREATE INDEX signoffs_day ON signoffs (location_id, day);
CREATE INDEX issues_log_time ON issues (at_ms, issue_id);
CREATE INDEX issues_log_location ON issues (location, at_ms, issue_id);
CREATE INDEX issues_log_actor ON issues (actor, at_ms, issue_id);
CREATE INDEX issues_log_kind ON issues (kind, at_ms, issue_id);
CREATE INDEX issues_log_customer ON issues (customer_id, at_ms, issue_id);
CREATE INDEX issues_log_overrides ON issues (at_ms, issue_id) WHERE override_reason != '';
CREATE INDEX issues_log_repeats ON issues (at_ms, issue_id) WHERE repeat_action != 'none';
CREATE INDEX issues_log_voided ON issues (at_ms, issue_id) WHERE status = 'voided';
CREATE INDEX issues_log_event ON issues (event_id);
CREATE INDEX crisis_requests_issue ON crisis_payment_requests (issue_id);
CREATE INDEX customers_family_name ON customers (family_name COLLATE NOCASE);
"""

supervision = register(
    Component(
        "supervision",
        migrations=[V1],
        tables=("signoffs",),
        after=("issuing", "crisis", "customers"),
    )
)


@supervision.handles("LogSignedOff")
def _signed_off(conn: sqlite3.Connection, event: Event) -> None:
    p = event.payload
    conn.execute(
        "INSERT INTO signoffs (event_id, location_id, day, note, signed_by, signed_at_ms) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        (
            event.id,
            p["location_id"],
            p["day"],
            p.get("note", ""),
            event.actor,
            hlc_millis(event.hlc),
        ),
    )
