"""Projection of the priority numbers directory: the current entries, and their history.

The latest version of an entry wins, and two people (an administrator at the
centre, a supervisor at a hub) may change the same entry while apart. So that
every desk ends with the same directory whatever order the events reach it,
each change is kept in ``directory_history`` and the current row in
``directory_entries`` is recomputed from that history in feed order (the
server's ``server_seq``, then this desk's unsent events in the order they were
made), again whenever the server gives one of them its place.

``fingerprint`` is the event's payload digest: an import compares it with the
digest of what it read, so importing the same file twice records nothing.
"""

from __future__ import annotations

import sqlite3
from typing import TYPE_CHECKING

from cxdesk.events.envelope import canonical_json
from cxdesk.store import feed
from cxdesk.store.components import Component, register

if TYPE_CHECKING:
    from cxdesk.events.envelope import Event

V1 = """
CREATE TABLE directory_history (
    event_id TEXT PRIMARY KEY,
    entry_id TEXT NOT NULL,
    entry TEXT,                    -- the entry as JSON; NULL when it was removed
    fingerprint TEXT
);
CREATE INDEX directory_history_entry ON directory_history (entry_id);
CREATE TABLE directory_entries (
    entry_id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    entry TEXT NOT NULL,           -- the entry as JSON (DirectoryEntry)
    fingerprint TEXT NOT NULL,
    event_id TEXT NOT NULL
);
"""

directory = register(
    Component("directory", migrations=[V1], tables=("directory_history", "directory_entries"))
)

_LATEST = (
    "SELECT h.event_id, h.entry, h.fingerprint FROM directory_history h "
    f"{feed.join_events('h.event_id')} WHERE h.entry_id = ? AND {feed.NOT_REJECTED} "
    f"ORDER BY {feed.LATEST_FIRST} LIMIT 1"
)


def _recompute(conn: sqlite3.Connection, entry_id: str) -> None:
    """Make ``directory_entries`` hold the entry's latest version in feed order."""
    row = conn.execute(_LATEST, (entry_id,)).fetchone()
    if row is None or row[1] is None:
        conn.execute("DELETE FROM directory_entries WHERE entry_id = ?", (entry_id,))
        return
    event_id, entry_json, fingerprint = row
    name = conn.execute("SELECT json_extract(?, '$.name')", (entry_json,)).fetchone()[0]
    conn.execute(
        "INSERT INTO directory_entries (entry_id, name, entry, fingerprint, event_id) "
        "VALUES (?, ?, ?, ?, ?) ON CONFLICT (entry_id) DO UPDATE SET name = excluded.name, "
        "entry = excluded.entry, fingerprint = excluded.fingerprint, event_id = excluded.event_id",
        (entry_id, name, entry_json, fingerprint, event_id),
    )


@directory.handles("DirectoryEntryUpdated")
def _updated(conn: sqlite3.Connection, event: Event) -> None:
    conn.execute(
        "INSERT INTO directory_history (event_id, entry_id, entry, fingerprint) "
        "VALUES (?, ?, ?, ?)",
        (event.id, event.payload["id"], canonical_json(event.payload), event.payload_digest),
    )
    _recompute(conn, event.payload["id"])


@directory.handles("DirectoryEntryRemoved")
def _removed(conn: sqlite3.Connection, event: Event) -> None:
    conn.execute(
        "INSERT INTO directory_history (event_id, entry_id, entry, fingerprint) "
        "VALUES (?, ?, NULL, NULL)",
        (event.id, event.payload["id"]),
    )
    _recompute(conn, event.payload["id"])


@directory.acknowledged
def _placed(conn: sqlite3.Connection, event: Event) -> None:
    _recompute(conn, event.payload["id"])
