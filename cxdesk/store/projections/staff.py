"""Projections of locations, the roster and sign-in attempts.

Two administrators (at the centre, at a hub) may change the same person while
apart, and a roster change says only what it changes. So that every desk ends
with the same roster whatever order the events reach it, each change is kept
in ``staff_history`` and the person's ``staff`` row is recomputed from that
history in feed order (the server's ``server_seq``, then this desk's unsent
events in the order they were made), again whenever the server gives one of
them its place.

Since V3 the roster carries public signing keys (``public_key``, ``key_salt``,
``key_params``) instead of passcode hashes, and ``StaffRekeyed`` (a person's key
re-derived under new argon2 parameters at sign-in) is part of the history.
"""

from __future__ import annotations

import json
import sqlite3
from typing import TYPE_CHECKING

from cxdesk.events.envelope import canonical_json, hlc_millis
from cxdesk.store import feed
from cxdesk.store.components import Component, register

if TYPE_CHECKING:
    from cxdesk.events.envelope import Event

V1 = """
CREATE TABLE locations (
    location_id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    kind TEXT NOT NULL,
    address TEXT NOT NULL,
    postcode TEXT NOT NULL,
    hours TEXT NOT NULL
);
CREATE TABLE staff (
    staff_id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    role TEXT NOT NULL,
    locations TEXT NOT NULL,       -- JSON list
    passcode_hash TEXT NOT NULL,
    active INTEGER NOT NULL DEFAULT 1
);
CREATE TABLE signin_attempts (
    event_id TEXT PRIMARY KEY,
    staff_id TEXT NOT NULL,
    at_ms INTEGER NOT NULL,
    outcome TEXT NOT NULL CHECK (outcome IN ('success', 'failure', 'locked', 'cleared'))
);
CREATE INDEX signin_attempts_staff ON signin_attempts (staff_id, at_ms);
"""

# V2: roster history, so the current row can be recomputed in feed order.
V2_SQL = """
CREATE TABLE staff_history (
    event_id TEXT PRIMARY KEY,
    staff_id TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('StaffEnrolled', 'StaffUpdated', 'StaffRemoved')),
    change TEXT NOT NULL           -- the event's payload as JSON
);
CREATE INDEX staff_history_staff ON staff_history (staff_id);
"""

ROSTER_KINDS = ("StaffEnrolled", "StaffUpdated", "StaffRekeyed", "StaffRemoved")
_FIELDS = ("name", "role", "locations", "public_key", "key_salt", "key_params")
_KEY_FIELDS = ("public_key", "key_salt", "key_params")

# V3: public keys instead of passcode hashes; re-keying joins the history.
V3_SQL = """
DROP TABLE staff;
DROP TABLE staff_history;
CREATE TABLE staff (
    staff_id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    role TEXT NOT NULL,
    locations TEXT NOT NULL,       -- JSON list
    public_key TEXT NOT NULL,      -- hex Ed25519 public key ('' if never given one)
    key_salt TEXT NOT NULL,
    key_params TEXT NOT NULL,
    active INTEGER NOT NULL DEFAULT 1
);
CREATE TABLE staff_history (
    event_id TEXT PRIMARY KEY,
    staff_id TEXT NOT NULL,
    kind TEXT NOT NULL
        CHECK (kind IN ('StaffEnrolled', 'StaffUpdated', 'StaffRekeyed', 'StaffRemoved')),
    change TEXT NOT NULL           -- the event's payload as JSON
);
CREATE INDEX staff_history_staff ON staff_history (staff_id);
"""


def _v2(conn: sqlite3.Connection) -> None:
    """Add the history (V3 replaces it and fills it from the log)."""
    for statement in V2_SQL.split(";"):
        if statement.strip():
            conn.execute(statement)


def _v3(conn: sqlite3.Connection) -> None:
    """Key columns instead of the passcode hash, refilled from the log."""
    for statement in V3_SQL.split(";"):
        if statement.strip():
            conn.execute(statement)
    _fill_history(conn)


def _fill_history(conn: sqlite3.Connection) -> None:
    """Fill the history from the log and put each person's row in feed order."""
    marks = ",".join("?" * len(ROSTER_KINDS))
    conn.execute(
        "INSERT INTO staff_history (event_id, staff_id, kind, change) "
        "SELECT e.id, json_extract(e.payload, '$.staff_id'), e.kind, e.payload FROM events e "
        "LEFT JOIN event_acks a ON a.event_id = e.id "
        f"WHERE e.kind IN ({marks}) AND {feed.NOT_REJECTED}",
        ROSTER_KINDS,
    )
    for (staff_id,) in conn.execute("SELECT DISTINCT staff_id FROM staff_history").fetchall():
        recompute_person(conn, staff_id)


# V4: what other components may read of a person by id (a name beside the steps they
# took), declared here so they never spell this component's tables. A plain view:
# SQLite flattens it into the reader's query, so the primary key still serves it.
V4 = "CREATE VIEW staff_names_v AS SELECT staff_id, name FROM staff;"
# V5: likewise a location's name and kind, for readers that name the place a step was taken.
V5 = "CREATE VIEW location_names_v AS SELECT location_id, name, kind FROM locations;"

# V6: sign-in attempts clustered by person and time (``WITHOUT ROWID``, keyed
# ``staff_id, at_ms, event_id``), the order the lock-out rule reads them in: one b-tree
# per attempt instead of a table, its key's index and ``signin_attempts_staff``. Nothing
# looks an attempt up by its event alone; an event still makes one row (its person and
# time are its own), and attempts made in the same millisecond now read in event id
# order, the same on every desk, instead of the order this desk applied them.
V6 = """
CREATE TABLE signin_attempts_by_staff (
    event_id TEXT NOT NULL,
    staff_id TEXT NOT NULL,
    at_ms INTEGER NOT NULL,
    outcome TEXT NOT NULL CHECK (outcome IN ('success', 'failure', 'locked', 'cleared')),
    PRIMARY KEY (staff_id, at_ms, event_id)
) WITHOUT ROWID;
INSERT INTO signin_attempts_by_staff (event_id, staff_id, at_ms, outcome)
SELECT event_id, staff_id, at_ms, outcome FROM signin_attempts;
DROP TABLE signin_attempts;
ALTER TABLE signin_attempts_by_staff RENAME TO signin_attempts;
"""

# V7: the outcome check spelled with ``OR`` instead of ``IN (...)``, which SQLite
# evaluates by building a throwaway index each time a statement runs (once per row of
# a page's ``executemany``); the same four values are allowed.
V7 = """
CREATE TABLE signin_attempts_v7 (
    event_id TEXT NOT NULL,
    staff_id TEXT NOT NULL,
    at_ms INTEGER NOT NULL,
    outcome TEXT NOT NULL CHECK (
        outcome = 'success' OR outcome = 'failure' OR outcome = 'locked' OR outcome = 'cleared'
    ),
    PRIMARY KEY (staff_id, at_ms, event_id)
) WITHOUT ROWID;
INSERT INTO signin_attempts_v7 (event_id, staff_id, at_ms, outcome)
SELECT event_id, staff_id, at_ms, outcome FROM signin_attempts;
DROP TABLE signin_attempts;
ALTER TABLE signin_attempts_v7 RENAME TO signin_attempts;
"""

staff = register(
    Component(
        "staff",
        migrations=[V1, _v2, _v3, V4, V5, V6, V7],
        tables=("locations", "staff_history", "staff", "signin_attempts"),
    )
)

_HISTORY = (
    f"SELECT h.kind, h.change FROM staff_history h {feed.join_events('h.event_id')} "
    f"WHERE h.staff_id = ? AND {feed.NOT_REJECTED} ORDER BY {feed.ORDER}"
)


def recompute_person(conn: sqlite3.Connection, staff_id: str) -> None:
    """Make ``staff`` hold this person as their roster changes give them, in feed order.

    The same rules as applying each change in turn: an enrolment sets every field
    and makes them active, an update sets the fields it names, a removal makes
    them inactive; an update or removal before any enrolment changes nothing.
    A change of key sets all three key fields together (salt and parameters
    belong to one public key). Entries from before signing keys (a passcode
    hash only) have no key: that person cannot sign in until re-enrolled.
    """
    row: dict | None = None
    for kind, change in conn.execute(_HISTORY, (staff_id,)).fetchall():
        p = json.loads(change)
        if kind == "StaffEnrolled":
            row = {f: p.get(f) or "" for f in _FIELDS} | {"active": 1}
        elif row is None:
            continue
        elif kind in ("StaffUpdated", "StaffRekeyed"):
            row |= {f: p[f] for f in _FIELDS if f not in _KEY_FIELDS and p.get(f) is not None}
            if all(p.get(f) for f in _KEY_FIELDS):
                row |= {f: p[f] for f in _KEY_FIELDS}
        else:
            row["active"] = 0
    if row is None:
        conn.execute("DELETE FROM staff WHERE staff_id = ?", (staff_id,))
        return
    conn.execute(
        "INSERT INTO staff (staff_id, name, role, locations, public_key, key_salt, key_params, "
        "active) VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (staff_id) DO UPDATE SET "
        "name = excluded.name, role = excluded.role, locations = excluded.locations, "
        "public_key = excluded.public_key, key_salt = excluded.key_salt, "
        "key_params = excluded.key_params, active = excluded.active",
        (
            staff_id,
            row["name"],
            row["role"],
            json.dumps(row["locations"]),
            row["public_key"],
            row["key_salt"],
            row["key_params"],
            row["active"],
        ),
    )


@staff.handles("LocationDefined")
def _location(conn: sqlite3.Connection, event: Event) -> None:
    p = event.payload
    conn.execute(
        "INSERT INTO locations (location_id, name, kind, address, postcode, hours) "
        "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (location_id) DO UPDATE SET name = excluded.name, "
        "kind = excluded.kind, address = excluded.address, postcode = excluded.postcode, "
        "hours = excluded.hours",
        (p["location_id"], p["name"], p["kind"], p["address"], p["postcode"], p["hours"]),
    )


@staff.handles(*ROSTER_KINDS)
def _roster_change(conn: sqlite3.Connection, event: Event) -> None:
    staff_id = event.payload["staff_id"]
    conn.execute(
        "INSERT INTO staff_history (event_id, staff_id, kind, change) VALUES (?, ?, ?, ?)",
        (event.id, staff_id, event.kind, canonical_json(event.payload)),
    )
    recompute_person(conn, staff_id)


@staff.acknowledged
def _placed(conn: sqlite3.Connection, event: Event) -> None:
    """A roster change has its place in the feed: the person's row may read differently."""
    if event.kind in ROSTER_KINDS:
        recompute_person(conn, event.payload["staff_id"])


_OUTCOMES = {
    "SignInSucceeded": "success",
    "SignInFailed": "failure",
    "SignInLockedOut": "locked",
    "LockoutCleared": "cleared",
    "ApprovalGiven": "success",  # a supervisor's correct passcode at an approval
}


_INSERT_ATTEMPT = (
    "INSERT INTO signin_attempts (event_id, staff_id, at_ms, outcome) VALUES (?, ?, ?, ?)"
)


def _attempt_row(event: Event) -> tuple:
    return (event.id, event.payload["staff_id"], hlc_millis(event.hlc), _OUTCOMES[event.kind])


@staff.handles(*_OUTCOMES)
def _attempt(conn: sqlite3.Connection, event: Event) -> None:
    conn.execute(_INSERT_ATTEMPT, _attempt_row(event))


@staff.in_batches(_attempt)
def _attempts(conn: sqlite3.Connection, events: list[Event]) -> None:
    conn.executemany(_INSERT_ATTEMPT, [_attempt_row(event) for event in events])
