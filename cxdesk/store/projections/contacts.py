"""Projection of the contact log: the reasons list, wrap-ups, transfers, digital exclusion.

Wrap-ups and transfer outcomes are facts that never change, so each is one
row, keyed by its own id (a repeated id changes nothing). Its UK local day,
hour and ISO week are worked out once here, from the payload's ``at``, so the
figures group by plain columns with indexes rather than by date functions.
``contact_reason_links`` holds one row per (contact, reason), which is what
"contacts by reason" and the first-contact-resolution look-back need.

Two things are "latest wins" and so are recomputed in feed order (server
place, then this desk's unsent events), as the directory is: the council's
reasons list with its FCR window, and each resident's digital exclusion.
"""

from __future__ import annotations

import json
import sqlite3
from typing import TYPE_CHECKING

from cxdesk.domain.contacts import contact_time, parse_utc_ms
from cxdesk.events.envelope import canonical_json
from cxdesk.store import feed
from cxdesk.store.components import Component, register

if TYPE_CHECKING:
    from cxdesk.events.envelope import Event

V1 = """
CREATE TABLE contact_reason_lists (
    event_id TEXT PRIMARY KEY,
    payload TEXT NOT NULL
);
CREATE TABLE contact_reasons (
    code TEXT PRIMARY KEY,
    label TEXT NOT NULL,
    keywords TEXT NOT NULL,        -- JSON list
    position INTEGER NOT NULL
);
CREATE TABLE contact_settings (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
CREATE TABLE contacts (
    contact_id TEXT PRIMARY KEY,
    event_id TEXT NOT NULL,
    customer_id TEXT,              -- NULL: anonymous (hub footfall)
    channel TEXT NOT NULL,
    outcome TEXT NOT NULL,
    referral_id TEXT,
    at_ms INTEGER NOT NULL,
    day TEXT NOT NULL,             -- UK local date
    hour INTEGER NOT NULL,         -- UK local hour
    week TEXT NOT NULL,            -- ISO week, 2026-W48
    location TEXT NOT NULL,
    actor TEXT NOT NULL
);
CREATE INDEX contacts_at ON contacts (at_ms);
CREATE INDEX contacts_customer ON contacts (customer_id, at_ms);
CREATE TABLE contact_reason_links (
    contact_id TEXT NOT NULL,
    reason TEXT NOT NULL,
    customer_id TEXT,
    at_ms INTEGER NOT NULL,
    PRIMARY KEY (contact_id, reason)
);
CREATE INDEX contact_reason_links_at ON contact_reason_links (at_ms, reason);
CREATE INDEX contact_reason_links_repeat ON contact_reason_links (customer_id, reason, at_ms);
CREATE TABLE contacts_unwrapped (
    contact_id TEXT PRIMARY KEY,
    customer_id TEXT,
    reason TEXT NOT NULL,
    at_ms INTEGER NOT NULL,
    location TEXT NOT NULL,
    actor TEXT NOT NULL
);
CREATE TABLE transfer_outcomes (
    transfer_id TEXT PRIMARY KEY,
    entry_id TEXT NOT NULL,
    team TEXT NOT NULL,
    result TEXT NOT NULL,
    customer_id TEXT,
    at_ms INTEGER NOT NULL,
    week TEXT NOT NULL,
    location TEXT NOT NULL,
    actor TEXT NOT NULL
);
CREATE INDEX transfer_outcomes_at ON transfer_outcomes (at_ms);
CREATE TABLE digital_exclusion_history (
    event_id TEXT PRIMARY KEY,
    customer_id TEXT NOT NULL,
    reasons TEXT NOT NULL          -- JSON list
);
CREATE INDEX digital_exclusion_history_customer ON digital_exclusion_history (customer_id);
CREATE TABLE digital_exclusion (
    customer_id TEXT PRIMARY KEY,
    reasons TEXT NOT NULL,         -- JSON list; never empty (an empty record removes the row)
    event_id TEXT NOT NULL
);
"""

V2 = """
CREATE INDEX contacts_figures ON contacts
    (at_ms, location, channel, outcome, hour, week, day, customer_id);
"""
"""The figures group by these columns over a range of days: with all of them in one index
the report reads only index pages, a fraction of the table's (each page an encrypted
page to decrypt)."""

contacts = register(
    Component(
        "contacts",
        migrations=[V1, V2],
        tables=(
            "contact_reason_lists",
            "contact_reasons",
            "contact_settings",
            "contacts",
            "contact_reason_links",
            "contacts_unwrapped",
            "transfer_outcomes",
            "digital_exclusion_history",
            "digital_exclusion",
        ),
    )
)

_LATEST = f"{feed.NOT_REJECTED} ORDER BY {feed.LATEST_FIRST} LIMIT 1"


def _recompute_reasons(conn: sqlite3.Connection) -> None:
    """Make the current list the latest ``ContactReasonsSet`` in feed order."""
    row = conn.execute(
        f"SELECT h.payload FROM contact_reason_lists h {feed.join_events('h.event_id')} "
        f"WHERE {_LATEST}"
    ).fetchone()
    conn.execute("DELETE FROM contact_reasons")
    conn.execute("DELETE FROM contact_settings")
    if row is None:
        return
    payload = json.loads(row[0])
    conn.executemany(
        "INSERT INTO contact_reasons (code, label, keywords, position) VALUES (?, ?, ?, ?)",
        [
            (r["code"], r["label"], json.dumps(r.get("keywords", [])), i)
            for i, r in enumerate(payload["reasons"])
        ],
    )
    conn.execute(
        "INSERT INTO contact_settings (key, value) VALUES ('fcr_window_days', ?)",
        (str(payload["fcr_window_days"]),),
    )


def _recompute_exclusion(conn: sqlite3.Connection, customer_id: str) -> None:
    row = conn.execute(
        "SELECT h.event_id, h.reasons FROM digital_exclusion_history h "
        f"{feed.join_events('h.event_id')} WHERE h.customer_id = ? AND {_LATEST}",
        (customer_id,),
    ).fetchone()
    conn.execute("DELETE FROM digital_exclusion WHERE customer_id = ?", (customer_id,))
    if row is not None and json.loads(row[1]):
        conn.execute(
            "INSERT INTO digital_exclusion (customer_id, reasons, event_id) VALUES (?, ?, ?)",
            (customer_id, row[1], row[0]),
        )


@contacts.handles("ContactReasonsSet")
def _reasons_set(conn: sqlite3.Connection, event: Event) -> None:
    conn.execute(
        "INSERT OR IGNORE INTO contact_reason_lists (event_id, payload) VALUES (?, ?)",
        (event.id, canonical_json(event.payload)),
    )
    _recompute_reasons(conn)


@contacts.handles("ContactWrapped")
def _wrapped(conn: sqlite3.Connection, event: Event) -> None:
    p = event.payload
    when = contact_time(parse_utc_ms(p["at"]))
    cursor = conn.execute(
        "INSERT OR IGNORE INTO contacts (contact_id, event_id, customer_id, channel, outcome, "
        "referral_id, at_ms, day, hour, week, location, actor) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            p["contact_id"],
            event.id,
            p.get("customer_id"),
            p["channel"],
            p["outcome"],
            p.get("referral_id"),
            when.at_ms,
            when.day,
            when.hour,
            when.week,
            event.location,
            event.actor,
        ),
    )
    if cursor.rowcount:
        conn.executemany(
            "INSERT OR IGNORE INTO contact_reason_links (contact_id, reason, customer_id, at_ms) "
            "VALUES (?, ?, ?, ?)",
            [(p["contact_id"], r, p.get("customer_id"), when.at_ms) for r in p["reasons"]],
        )


@contacts.handles("ContactLeftUnwrapped")
def _unwrapped(conn: sqlite3.Connection, event: Event) -> None:
    p = event.payload
    conn.execute(
        "INSERT OR IGNORE INTO contacts_unwrapped (contact_id, customer_id, reason, at_ms, "
        "location, actor) VALUES (?, ?, ?, ?, ?, ?)",
        (
            p["contact_id"],
            p.get("customer_id"),
            p["reason"],
            parse_utc_ms(p["at"]),
            event.location,
            event.actor,
        ),
    )


@contacts.handles("TransferOutcomeRecorded")
def _transfer(conn: sqlite3.Connection, event: Event) -> None:
    p = event.payload
    when = contact_time(parse_utc_ms(p["at"]))
    conn.execute(
        "INSERT OR IGNORE INTO transfer_outcomes (transfer_id, entry_id, team, result, "
        "customer_id, at_ms, week, location, actor) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            p["transfer_id"],
            p["entry_id"],
            p["team"],
            p["result"],
            p.get("customer_id"),
            when.at_ms,
            when.week,
            event.location,
            event.actor,
        ),
    )


@contacts.handles("DigitalExclusionRecorded")
def _exclusion(conn: sqlite3.Connection, event: Event) -> None:
    p = event.payload
    conn.execute(
        "INSERT OR IGNORE INTO digital_exclusion_history (event_id, customer_id, reasons) "
        "VALUES (?, ?, ?)",
        (event.id, p["customer_id"], json.dumps(p["reasons"])),
    )
    _recompute_exclusion(conn, p["customer_id"])


@contacts.acknowledged
def _placed(conn: sqlite3.Connection, event: Event) -> None:
    if event.kind == "ContactReasonsSet":
        _recompute_reasons(conn)
    elif event.kind == "DigitalExclusionRecorded":
        _recompute_exclusion(conn, event.payload["customer_id"])
