"""Projections of locations, the roster and sign-in attempts."""

from __future__ import annotations

import json
import sqlite3

from cxdesk.events.envelope import Event, hlc_millis
from cxdesk.store.components import Component, register

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

staff = register(
    Component("staff", migrations=[V1], tables=("locations", "staff", "signin_attempts"))
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


@staff.handles("StaffEnrolled")
def _enrolled(conn: sqlite3.Connection, event: Event) -> None:
    p = event.payload
    conn.execute(
        "INSERT INTO staff (staff_id, name, role, locations, passcode_hash, active) "
        "VALUES (?, ?, ?, ?, ?, 1) ON CONFLICT (staff_id) DO UPDATE SET name = excluded.name, "
        "role = excluded.role, locations = excluded.locations, "
        "passcode_hash = excluded.passcode_hash, active = 1",
        (p["staff_id"], p["name"], p["role"], json.dumps(p["locations"]), p["passcode_hash"]),
    )


@staff.handles("StaffUpdated")
def _updated(conn: sqlite3.Connection, event: Event) -> None:
    p = event.payload
    changes = {k: v for k, v in p.items() if k != "staff_id" and v is not None}
    if "locations" in changes:
        changes["locations"] = json.dumps(changes["locations"])
    for column, value in changes.items():
        conn.execute(f"UPDATE staff SET {column} = ? WHERE staff_id = ?", (value, p["staff_id"]))


@staff.handles("StaffRemoved")
def _removed(conn: sqlite3.Connection, event: Event) -> None:
    conn.execute("UPDATE staff SET active = 0 WHERE staff_id = ?", (event.payload["staff_id"],))


_OUTCOMES = {
    "SignInSucceeded": "success",
    "SignInFailed": "failure",
    "SignInLockedOut": "locked",
    "LockoutCleared": "cleared",
}


@staff.handles(*_OUTCOMES)
def _attempt(conn: sqlite3.Connection, event: Event) -> None:
    conn.execute(
        "INSERT INTO signin_attempts (event_id, staff_id, at_ms, outcome) VALUES (?, ?, ?, ?)",
        (event.id, event.payload["staff_id"], hlc_millis(event.hlc), _OUTCOMES[event.kind]),
    )
