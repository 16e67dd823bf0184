"""The claims index on the server: per issue, only what a repeat-claim check needs.

Written in the push transaction (from ``record_scope``) as issues and voids
are accepted, and sent with every desk's pull pages (rows whose feed place is
in the page's range), whatever the desk may otherwise hold. A row carries keys
(``cxdesk.domain.claim_keys``), kind, time, location and status: no name,
address, phone or story. The person's keys are those of the customer's details
as the feed stood at the issue (``claim_people``, kept from the customer
events), so every desk gets the same row.
"""

from __future__ import annotations

from sqlalchemy import Connection, text

from cxdesk.domain import claim_keys
from cxdesk.events.envelope import Event

DDL = """
CREATE TABLE claim_people (
    customer_id TEXT PRIMARY KEY,
    given_name TEXT NOT NULL,
    family_name TEXT NOT NULL,
    dob TEXT NOT NULL,
    postcode TEXT NOT NULL
);
CREATE TABLE claims_index (
    server_seq BIGINT PRIMARY KEY,
    issue_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    record_key TEXT NOT NULL,
    given_key TEXT NOT NULL,
    family_key TEXT NOT NULL,
    dob_key TEXT NOT NULL,
    postcode_key TEXT NOT NULL,
    at_ms BIGINT NOT NULL,
    location TEXT NOT NULL,
    status TEXT NOT NULL
);
CREATE INDEX claims_index_issue ON claims_index (issue_id)
"""
# claim_people holds keys, not names: the columns are named for what they key.

ISSUE_KINDS = {"VoucherIssued": "food_voucher", "CardIssued": "payment_card"}
PERSON_FIELDS = (
    ("given_name", "given_name"),
    ("family_name", "family_name"),
    ("date_of_birth", "dob"),
    ("postcode", "postcode"),
)
COLUMNS = (
    "issue_id",
    "kind",
    "record_key",
    "given_key",
    "family_key",
    "dob_key",
    "postcode_key",
    "at_ms",
    "location",
    "status",
)


def _person(conn: Connection, event: Event) -> None:
    p = event.payload
    keyed = {
        "given_name": claim_keys.name_key,
        "family_name": claim_keys.name_key,
        "date_of_birth": claim_keys.dob_key,
        "postcode": claim_keys.postcode_key,
    }
    values = {col: keyed[f](p[f]) for f, col in PERSON_FIELDS if p.get(f)}
    if event.kind == "CustomerRegistered":
        conn.execute(
            text(
                "INSERT INTO claim_people (customer_id, given_name, family_name, dob, postcode) "
                "VALUES (:c, :given_name, :family_name, :dob, :postcode) "
                "ON CONFLICT (customer_id) DO NOTHING"
            ),
            {"c": p["customer_id"], **values},
        )
    elif values:
        sets = ", ".join(f"{col} = :{col}" for col in values)
        conn.execute(
            text(f"UPDATE claim_people SET {sets} WHERE customer_id = :c"),
            {"c": p["customer_id"], **values},
        )


def note_claim(conn: Connection, event: Event, seq: int, location: str) -> None:
    """Keep the people's keys and index an issue or a void (push transaction)."""
    if event.kind in ("CustomerRegistered", "CustomerDetailsChanged"):
        _person(conn, event)
        return
    p = event.payload
    if event.kind in ISSUE_KINDS:
        person = conn.execute(
            text(
                "SELECT given_name, family_name, dob, postcode FROM claim_people "
                "WHERE customer_id = :c"
            ),
            {"c": p["customer_id"]},
        ).first()
        given, family, dob, postcode = person or ("", "", "", "")
        row = {
            "issue_id": p["issue_id"],
            "kind": ISSUE_KINDS[event.kind],
            "record_key": claim_keys.record_key(p["customer_id"]),
            "given_key": given,
            "family_key": family,
            "dob_key": dob,
            "postcode_key": postcode,
            "at_ms": event.occurred_ms,
            "location": location,
            "status": "issued",
        }
    elif event.kind == "IssueVoided":
        first = conn.execute(
            text("SELECT * FROM claims_index WHERE issue_id = :i ORDER BY server_seq LIMIT 1"),
            {"i": p["issue_id"]},
        ).first()
        if first is None:
            return
        row = {c: first._mapping[c] for c in COLUMNS} | {"status": "voided"}
    else:
        return
    conn.execute(
        text(
            f"INSERT INTO claims_index (server_seq, {', '.join(COLUMNS)}) "
            f"VALUES (:server_seq, {', '.join(':' + c for c in COLUMNS)})"
        ),
        {"server_seq": seq, **row},
    )


def claims_between(conn: Connection, after: int, upto: int) -> list[dict]:
    """The index rows with feed places in ``(after, upto]``, in feed order."""
    rows = conn.execute(
        text(
            f"SELECT {', '.join(COLUMNS)} FROM claims_index WHERE server_seq > :a "
            "AND server_seq <= :b ORDER BY server_seq"
        ),
        {"a": after, "b": upto},
    )
    return [dict(r._mapping) for r in rows]


def backfill_claims(conn: Connection) -> None:
    """Index every issue already held (the migration's data step)."""
    from cxdesk.sync.server.push import row_to_event

    rows = conn.execute(
        text(
            "SELECT e.*, d.location AS enrolled_at FROM events e "
            "LEFT JOIN devices d ON d.id = e.device WHERE e.kind IN ('CustomerRegistered', "
            "'CustomerDetailsChanged', 'VoucherIssued', 'CardIssued', 'IssueVoided') "
            "ORDER BY e.server_seq"
        )
    ).all()
    for r in rows:
        m = r._mapping
        place = m["location"] if m["device"] == "central" else (m["enrolled_at"] or m["location"])
        note_claim(conn, row_to_event(r), m["server_seq"], place)
