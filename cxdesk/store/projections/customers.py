"""Projections of customers: the current record, its change history, search keys, the timeline.

``customers`` holds each customer's current details. Changes are kept in
``customer_changes`` and the current row is recomputed from them in feed order
(``cxdesk.store.feed``) whenever one arrives or the server
gives one its place, so the last writer wins per field the same way on every
desk, whatever order the events arrived in.

``customer_timeline`` is one row for every event of ANY kind whose payload has
a ``customer_id`` (referrals, vouchers, crisis flags, record views, ...), with
the payload model's ``summary()``. The list of kinds is computed from the
catalogue when this module is imported, so a feature that adds such a kind
appears in the customer's history without a change here.
"""

from __future__ import annotations

import json
import sqlite3
from typing import TYPE_CHECKING, Any

from cxdesk.domain.customers import district_of, normalise_name
from cxdesk.events import KINDS, load_all
from cxdesk.events.envelope import hlc_millis
from cxdesk.store import feed
from cxdesk.store.components import Component, register

if TYPE_CHECKING:
    from cxdesk.events.envelope import Event

V1 = """
CREATE TABLE customers (
    customer_id TEXT PRIMARY KEY,
    given_name TEXT NOT NULL,
    family_name TEXT NOT NULL,
    date_of_birth TEXT NOT NULL,
    birth_year INTEGER NOT NULL,
    address TEXT NOT NULL,
    postcode TEXT NOT NULL,
    postcode_district TEXT NOT NULL,
    phone TEXT,
    email TEXT,
    no_email INTEGER NOT NULL,
    preferred_contact TEXT NOT NULL,
    contact_times TEXT NOT NULL,
    language TEXT NOT NULL,
    interpreter_needed INTEGER NOT NULL,
    accessibility_needs TEXT NOT NULL,
    vulnerability_flags TEXT NOT NULL,   -- JSON list
    council_reference TEXT NOT NULL,
    registered_at_ms INTEGER NOT NULL,
    registered_location TEXT NOT NULL,
    registered_by TEXT NOT NULL,
    updated_at_ms INTEGER NOT NULL
);
CREATE INDEX customers_dob ON customers (date_of_birth);
CREATE INDEX customers_postcode ON customers (postcode);
CREATE INDEX customers_district ON customers (postcode_district);
CREATE INDEX customers_phone ON customers (phone);
CREATE INDEX customers_reference ON customers (council_reference);

CREATE TABLE customer_changes (
    event_id TEXT PRIMARY KEY,
    customer_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    fields TEXT NOT NULL,                -- JSON: the fields this event set
    at_ms INTEGER NOT NULL,
    actor TEXT NOT NULL,
    location TEXT NOT NULL
);
CREATE INDEX customer_changes_customer ON customer_changes (customer_id);

CREATE TABLE customer_name_tokens (
    token TEXT NOT NULL,
    customer_id TEXT NOT NULL,
    PRIMARY KEY (token, customer_id)
) WITHOUT ROWID;
CREATE INDEX customer_name_tokens_customer ON customer_name_tokens (customer_id);

CREATE TABLE customer_timeline (
    event_id TEXT PRIMARY KEY,
    customer_id TEXT NOT NULL,
    at_ms INTEGER NOT NULL,
    kind TEXT NOT NULL,
    location TEXT NOT NULL,
    actor TEXT NOT NULL,
    summary TEXT NOT NULL
);
CREATE INDEX customer_timeline_customer ON customer_timeline (customer_id, at_ms);
"""

# V2: customers by family name (the issued-voucher log's name filter). Stores made
# before v2 got it from the supervision component: hence IF NOT EXISTS.
V2 = "CREATE INDEX IF NOT EXISTS customers_family_name ON customers (family_name COLLATE NOCASE);"

# V3: what other components may read of a customer by id (the issued-voucher log's
# name, birth date and postcode columns and its surname filter), declared here so
# they never spell this component's tables. A plain view: SQLite flattens it into
# the reader's query, so the indexes above still serve it.
V3 = """
CREATE VIEW customer_names_v AS
SELECT customer_id, given_name || ' ' || family_name AS full_name, family_name,
       date_of_birth, postcode
FROM customers;
"""

# V4: the same for the other readers: the name view also gives the given name, year of
# birth and postcode district (referrals, repeat claims), a contact view the means and
# times of contact (a referral's receiving team), an address view the address
# (cautions key their markers by it).
V4 = """
DROP VIEW customer_names_v;
CREATE VIEW customer_names_v AS
SELECT customer_id, given_name || ' ' || family_name AS full_name, given_name, family_name,
       date_of_birth, birth_year, postcode, postcode_district
FROM customers;
CREATE VIEW customer_contacts_v AS
SELECT customer_id, phone, preferred_contact, contact_times FROM customers;
CREATE VIEW customer_addresses_v AS
SELECT customer_id, address, postcode FROM customers;
"""

# V5: the timeline clustered by customer (``WITHOUT ROWID``, keyed ``customer_id, at_ms,
# event_id``), the order the history reads it in: an event's row is one b-tree to write,
# not a table, its key's index and ``customer_timeline_customer`` (two pages fewer in
# every issue's commit). An event's customer and time never change, so the key is as
# unique as the event id was, and ``INSERT OR IGNORE`` still ignores a repeat.
V5 = """
CREATE TABLE customer_timeline_by_customer (
    event_id TEXT NOT NULL,
    customer_id TEXT NOT NULL,
    at_ms INTEGER NOT NULL,
    kind TEXT NOT NULL,
    location TEXT NOT NULL,
    actor TEXT NOT NULL,
    summary TEXT NOT NULL,
    PRIMARY KEY (customer_id, at_ms, event_id)
) WITHOUT ROWID;
INSERT OR IGNORE INTO customer_timeline_by_customer
    (event_id, customer_id, at_ms, kind, location, actor, summary)
SELECT event_id, customer_id, at_ms, kind, location, actor, summary FROM customer_timeline;
DROP TABLE customer_timeline;
ALTER TABLE customer_timeline_by_customer RENAME TO customer_timeline;
"""

customers = register(
    Component(
        "customers",
        migrations=[V1, V2, V3, V4, V5],
        tables=("customers", "customer_changes", "customer_name_tokens", "customer_timeline"),
    )
)

_FEED_ORDER = (
    "SELECT c.kind, c.fields, c.at_ms, c.actor, c.location FROM customer_changes c "
    f"{feed.join_events('c.event_id')} WHERE c.customer_id = ? AND {feed.NOT_REJECTED} "
    f"ORDER BY c.kind != 'CustomerRegistered', {feed.ORDER}"
)
_COLUMNS = (
    "given_name",
    "family_name",
    "date_of_birth",
    "address",
    "postcode",
    "phone",
    "email",
    "no_email",
    "preferred_contact",
    "contact_times",
    "language",
    "interpreter_needed",
    "accessibility_needs",
    "vulnerability_flags",
    "council_reference",
)


def recompute_customer(conn: sqlite3.Connection, customer_id: str) -> None:
    """Rebuild one customer's row and name tokens from their changes, in feed order."""
    rows = conn.execute(_FEED_ORDER, (customer_id,)).fetchall()
    if not rows or rows[0][0] != "CustomerRegistered":
        return  # a change seen before its registration waits for it
    current: dict[str, Any] = {}
    _, first, registered_at, registered_by, registered_location = rows[0]
    updated_at = registered_at
    for _kind, fields, at_ms, _actor, _location in rows:
        current.update(json.loads(fields))
        updated_at = max(updated_at, at_ms)
    values: dict[str, Any] = {k: current.get(k) for k in _COLUMNS}
    values["phone"] = values["phone"] or None  # "" removes a number
    values["email"] = values["email"] or None
    values["vulnerability_flags"] = json.dumps(values["vulnerability_flags"] or [])
    values["no_email"] = int(bool(values["no_email"]))
    values["interpreter_needed"] = int(bool(values["interpreter_needed"]))
    for key in ("address", "contact_times", "accessibility_needs", "council_reference"):
        values[key] = values[key] or ""
    values["language"] = values["language"] or "English"
    values["preferred_contact"] = values["preferred_contact"] or "phone"
    row = {
        "customer_id": customer_id,
        **values,
        "birth_year": int(values["date_of_birth"][:4] or 0),  # 0: erased
        "postcode_district": district_of(values["postcode"]),
        "registered_at_ms": registered_at,
        "registered_location": registered_location,
        "registered_by": registered_by,
        "updated_at_ms": updated_at,
    }
    names = ", ".join(row)
    marks = ", ".join(f":{k}" for k in row)
    conn.execute(f"INSERT OR REPLACE INTO customers ({names}) VALUES ({marks})", row)
    conn.execute("DELETE FROM customer_name_tokens WHERE customer_id = ?", (customer_id,))
    tokens = set(normalise_name(f"{row['given_name']} {row['family_name']}").split())
    conn.executemany(
        "INSERT OR IGNORE INTO customer_name_tokens (token, customer_id) VALUES (?, ?)",
        [(t, customer_id) for t in tokens],
    )


@customers.handles("CustomerRegistered", "CustomerDetailsChanged")
def _changed(conn: sqlite3.Connection, event: Event) -> None:
    p = event.payload
    fields = {k: val for k, val in p.items() if k != "customer_id" and val is not None}
    conn.execute(
        "INSERT OR IGNORE INTO customer_changes "
        "(event_id, customer_id, kind, fields, at_ms, actor, location) VALUES (?,?,?,?,?,?,?)",
        (
            event.id,
            p["customer_id"],
            event.kind,
            json.dumps(fields, sort_keys=True),
            hlc_millis(event.hlc),
            event.actor,
            event.location,
        ),
    )
    recompute_customer(conn, p["customer_id"])


@customers.acknowledged
def _placed(conn: sqlite3.Connection, event: Event) -> None:
    if event.kind in ("CustomerRegistered", "CustomerDetailsChanged"):
        recompute_customer(conn, event.payload["customer_id"])


def event_summary(event: Event) -> str:
    """The payload model's one-line summary; the kind in words if the payload no longer fits
    its model (for example after a retention erasure blanked it)."""
    model = KINDS[event.kind].payload
    try:
        return model.model_validate(event.payload).summary()
    except Exception:  # noqa: BLE001 - a history line must never stop a projection
        from cxdesk.events.payload import Payload

        return Payload.summary(model.model_construct())


_INSERT_TIMELINE = (
    "INSERT OR IGNORE INTO customer_timeline "
    "(event_id, customer_id, at_ms, kind, location, actor, summary) VALUES (?,?,?,?,?,?,?)"
)


def _timeline_row(event: Event) -> tuple | None:
    customer_id = event.payload.get("customer_id")
    if not customer_id:
        return None
    return (
        event.id,
        customer_id,
        hlc_millis(event.hlc),
        event.kind,
        event.location,
        event.actor,
        event_summary(event)[:200],
    )


def _timeline(conn: sqlite3.Connection, event: Event) -> None:
    row = _timeline_row(event)
    if row is not None:
        conn.execute(_INSERT_TIMELINE, row)


def _timelines(conn: sqlite3.Connection, events: list[Event]) -> None:
    rows = [row for row in map(_timeline_row, events) if row is not None]
    conn.executemany(_INSERT_TIMELINE, rows)


def timeline_kinds() -> list[str]:
    """Every kind in the catalogue whose payload carries a ``customer_id``."""
    return sorted(
        name for name, spec in load_all().items() if "customer_id" in spec.payload.model_fields
    )


customers.handles_kinds_from(timeline_kinds)(_timeline)
customers.in_batches(_timeline)(_timelines)
