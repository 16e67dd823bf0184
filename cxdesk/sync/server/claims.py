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


IN_RANGE = "FROM claims_index WHERE server_seq > :after AND server_seq <= :last"
"""The index rows of a pull page's range (also read with its drops in one statement:
``feed.py``)."""


def claims_between(conn: Connection, after: int, upto: int) -> list[dict]:
    """The index rows with feed places in ``(after, upto]``, in feed order."""
    rows = conn.execute(
        text(f"SELECT {', '.join(COLUMNS)} {IN_RANGE} ORDER BY server_seq"),
        {"after": after, "last": upto},
    )
    return [dict(r._mapping) for r in rows]
