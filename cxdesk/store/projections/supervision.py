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

It touches no other component's tables: the indexes the issued-voucher log
reads (on ``issues``, crisis payment requests by issue, customers by family
name) are created by their owners' own migrations, and the reports read other
components through their query modules (``cxdesk.store.supervisor_reports``).
Stores made before that carry the same indexes from this component's first
migration; the owners create them ``IF NOT EXISTS``.
"""

from __future__ import annotations

import sqlite3
from typing import TYPE_CHECKING

from cxdesk.events.envelope import hlc_millis
from cxdesk.store.components import Component, register

if TYPE_CHECKING:
    from cxdesk.events.envelope import Event

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
"""

supervision = register(
    Component(
        "supervision",
        migrations=[V1],
        tables=("signoffs",),
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
