"""Events this desk no longer may hold: blanked in place, and put back if they come again.

When the server says a resident moved away, or this desk was moved to another
location (``cxdesk.store.drops``), the events the desk may no longer hold keep
their row (id, hash, chain links, feed place) with an empty payload ``{}``,
listed in ``dropped_events``. So the chains, the server's receipt and every
signed feed page still verify, and nothing personal is left. The log is
append-only; as for an erasure, the trigger allows exactly that payload rewrite
for a listed event, and putting the payload back when the feed brings the same
event again (a later grant): the hash proves it is the same event.

``dropped_residents`` lists residents dropped, so this desk's own events about
them that were still unsent at the drop are dropped once the server has them.
Not a projection (``tables`` is empty): it records changes made to the log.
"""

from __future__ import annotations

import sqlite3
from typing import TYPE_CHECKING

from cxdesk.events.envelope import canonical_json
from cxdesk.store.components import Component, register
from cxdesk.store.projections.erasure import SAME

if TYPE_CHECKING:
    from cxdesk.events.envelope import Event

V1 = f"""
CREATE TABLE dropped_events (event_id TEXT PRIMARY KEY, customer_id TEXT);
CREATE TABLE dropped_residents (customer_id TEXT PRIMARY KEY);
DROP TRIGGER events_no_update;
CREATE TRIGGER events_no_update BEFORE UPDATE ON events
WHEN NOT ({SAME} AND (EXISTS (SELECT 1 FROM erased_events x WHERE x.event_id = OLD.id)
    OR EXISTS (SELECT 1 FROM dropped_events d WHERE d.event_id = OLD.id)))
BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;
"""

register(Component("scope_drops", migrations=[V1], after=("erasure",)))

DROPPED_PAYLOAD = "{}"


def blank_event(conn: sqlite3.Connection, event_id: str, customer_id: str | None) -> None:
    """Drop one event's payload, keeping its row (listed first: the trigger checks the list)."""
    conn.execute(
        "INSERT OR IGNORE INTO dropped_events (event_id, customer_id) VALUES (?, ?)",
        (event_id, customer_id),
    )
    conn.execute("UPDATE events SET payload = ? WHERE id = ?", (DROPPED_PAYLOAD, event_id))


def dropped_among(conn: sqlite3.Connection, ids: list[str]) -> set[str]:
    found: set[str] = set()
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        marks = ",".join("?" * len(chunk))
        found |= {
            r[0]
            for r in conn.execute(
                f"SELECT event_id FROM dropped_events WHERE event_id IN ({marks})", chunk
            )
        }
    return found


def restore(conn: sqlite3.Connection, event: Event) -> None:
    """The feed brought a dropped event again (same hash, checked digest): put it back."""
    conn.execute(
        "UPDATE events SET payload = ? WHERE id = ?", (canonical_json(event.payload), event.id)
    )
    conn.execute("DELETE FROM dropped_events WHERE event_id = ?", (event.id,))
