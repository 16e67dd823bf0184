"""The central schema as the hand-rolled migrations built it (v1 to v9), frozen for tests.

Before Alembic, ``cxdesk/sync/server/migrations.py`` held these steps and
counted them in ``schema_version``. Tests build an old database with them and
check that today's ``migrate`` takes it over (v9) or refuses it (v1 to v8).
Copied from that file as it last stood, with the scope, claims, council and
moves DDL it imported; the v4, v6, v8 and v9 data steps (filling those tables
from the events held) are left out, since these databases are built empty.
Never edit the SQL: it stands for databases that exist.
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime

from sqlalchemy import Connection, Engine, text

from cxdesk.events.envelope import GENESIS
from cxdesk.sync.protocol import CENTRAL_DEVICE
from cxdesk.sync.server.db import is_postgres, write_transaction

V1 = """
CREATE TABLE server_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE epochs (
    number INTEGER PRIMARY KEY,
    epoch TEXT NOT NULL UNIQUE,
    started_at TEXT NOT NULL,
    reason TEXT NOT NULL,
    head_at_start BIGINT NOT NULL
);
CREATE TABLE devices (
    id TEXT PRIMARY KEY,
    location TEXT NOT NULL,
    token_hash TEXT UNIQUE,
    revoked BOOLEAN NOT NULL DEFAULT FALSE,
    last_seq BIGINT NOT NULL DEFAULT 0,
    last_hash TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE TABLE feed_counter (id INTEGER PRIMARY KEY CHECK (id = 1), value BIGINT NOT NULL);
CREATE TABLE events (
    server_seq BIGINT PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL,
    payload TEXT NOT NULL,
    payload_digest TEXT NOT NULL,
    actor TEXT NOT NULL,
    device TEXT NOT NULL,
    location TEXT NOT NULL,
    device_seq BIGINT NOT NULL,
    hlc TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL,
    subject TEXT,
    received_at TEXT NOT NULL,
    CONSTRAINT events_device_seq UNIQUE (device, device_seq)
);
CREATE INDEX events_subject ON events (subject);
CREATE TABLE roster (
    staff_id TEXT PRIMARY KEY,
    role TEXT NOT NULL,
    locations TEXT NOT NULL,
    active BOOLEAN NOT NULL DEFAULT TRUE
);
CREATE TABLE rejected_events (
    device TEXT NOT NULL,
    device_seq BIGINT NOT NULL,
    event_id TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL,
    actor TEXT NOT NULL,
    hash TEXT NOT NULL,
    reason TEXT NOT NULL,
    rejected_at TEXT NOT NULL,
    PRIMARY KEY (device, device_seq)
);
"""


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _identity(conn: Connection) -> None:
    now = _now()
    conn.execute(
        text("INSERT INTO server_meta (key, value) VALUES ('database_id', :v)"),
        {"v": secrets.token_hex(16)},
    )
    conn.execute(
        text(
            "INSERT INTO epochs (number, epoch, started_at, reason, head_at_start) "
            "VALUES (1, :e, :t, 'database created', 0)"
        ),
        {"e": secrets.token_hex(16), "t": now},
    )
    conn.execute(text("INSERT INTO feed_counter (id, value) VALUES (1, 0)"))
    conn.execute(
        text(
            "INSERT INTO devices (id, location, token_hash, revoked, last_seq, last_hash, "
            "created_at) VALUES (:d, 'CENTRAL', NULL, FALSE, 0, :g, :t)"
        ),
        {"d": CENTRAL_DEVICE, "g": GENESIS, "t": now},
    )


V2 = """
ALTER TABLE roster ADD COLUMN public_key TEXT;
ALTER TABLE events ADD COLUMN signature TEXT;
"""


def _append_only(conn: Connection) -> None:
    """V3: the feed's events table refuses UPDATE and DELETE (and TRUNCATE), as a desk's does.

    Nothing in cxdesk changes an accepted event; a trigger makes that a property
    of the database, so a bug or a stray SQL session cannot rewrite the feed
    that every desk trusts.
    """
    if is_postgres(conn):
        conn.exec_driver_sql(
            "CREATE FUNCTION events_append_only() RETURNS trigger LANGUAGE plpgsql AS "
            "$$ BEGIN RAISE EXCEPTION 'events are append-only'; END $$"
        )
        conn.exec_driver_sql(
            "CREATE TRIGGER events_no_change BEFORE UPDATE OR DELETE ON events "
            "FOR EACH ROW EXECUTE FUNCTION events_append_only()"
        )
        conn.exec_driver_sql(
            "CREATE TRIGGER events_no_truncate BEFORE TRUNCATE ON events "
            "FOR EACH STATEMENT EXECUTE FUNCTION events_append_only()"
        )
        return
    for verb in ("UPDATE", "DELETE"):
        conn.exec_driver_sql(
            f"CREATE TRIGGER events_no_{verb.lower()} BEFORE {verb} ON events "
            "BEGIN SELECT RAISE(ABORT, 'events are append-only'); END"
        )


SCOPE_DDL = """
CREATE TABLE scope_targets (
    server_seq BIGINT NOT NULL,
    target TEXT NOT NULL,
    via_grant BOOLEAN NOT NULL,
    PRIMARY KEY (server_seq, target)
);
CREATE INDEX scope_targets_target ON scope_targets (target, server_seq);
CREATE TABLE scope_grants (
    target TEXT NOT NULL,
    location TEXT NOT NULL,
    granted_seq BIGINT NOT NULL,
    PRIMARY KEY (target, location)
);
CREATE INDEX scope_grants_location ON scope_grants (location, granted_seq);
CREATE TABLE scope_locations (location_id TEXT PRIMARY KEY, kind TEXT NOT NULL);
CREATE TABLE scope_private (referral_id TEXT PRIMARY KEY, location TEXT NOT NULL)
"""

V5 = """
CREATE TABLE device_refusals (
    device TEXT NOT NULL,
    status INTEGER NOT NULL,
    count BIGINT NOT NULL,
    last_at TEXT NOT NULL,
    PRIMARY KEY (device, status)
);
"""


CLAIMS_DDL = """
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

SAME = " AND ".join(
    f"NEW.{c} = OLD.{c}"
    for c in (
        "server_seq",
        "id",
        "kind",
        "payload_digest",
        "actor",
        "device",
        "location",
        "device_seq",
        "hlc",
        "prev_hash",
        "hash",
    )
)
PERMITTED = f"{SAME} AND EXISTS (SELECT 1 FROM erased_events x WHERE x.event_id = OLD.id)"


def _permit_erasure(conn: Connection) -> None:
    """V7: ``erased_events``, and the update trigger that allows only blanking."""
    conn.exec_driver_sql(
        "CREATE TABLE erased_events (event_id TEXT PRIMARY KEY, erasure_seq BIGINT NOT NULL)"
    )
    if is_postgres(conn):
        conn.exec_driver_sql(
            "CREATE OR REPLACE FUNCTION events_append_only() RETURNS trigger LANGUAGE plpgsql "
            f"AS $$ BEGIN IF TG_OP = 'UPDATE' THEN IF {PERMITTED} THEN RETURN NEW; END IF; END IF; "
            "RAISE EXCEPTION 'events are append-only'; END $$"
        )
        return
    conn.exec_driver_sql("DROP TRIGGER events_no_update")
    conn.exec_driver_sql(
        f"CREATE TRIGGER events_no_update BEFORE UPDATE ON events WHEN NOT ({PERMITTED}) "
        "BEGIN SELECT RAISE(ABORT, 'events are append-only'); END"
    )


# V8: the council-wide report tables (council_tables.py) and used proof nonces.
COUNCIL_DDL = """
CREATE TABLE report_issues (
    issue_id TEXT PRIMARY KEY,
    server_seq BIGINT NOT NULL,
    kind TEXT NOT NULL,
    customer_id TEXT NOT NULL,
    serial TEXT NOT NULL,
    value_pence BIGINT NOT NULL,
    location TEXT NOT NULL,
    actor TEXT NOT NULL,
    at_ms BIGINT NOT NULL,
    repeat_action TEXT NOT NULL,
    repeat_matches INTEGER NOT NULL,
    has_override BOOLEAN NOT NULL,
    approved_by TEXT NOT NULL,
    status TEXT NOT NULL,
    request_id TEXT,
    requested_ms BIGINT,
    due_ms BIGINT,
    request_status TEXT,
    closed_ms BIGINT
);
CREATE INDEX report_issues_at ON report_issues (at_ms, issue_id);
CREATE INDEX report_issues_request ON report_issues (request_id);
CREATE TABLE report_stock (
    server_seq BIGINT PRIMARY KEY,
    kind TEXT NOT NULL,
    move TEXT NOT NULL,
    condition TEXT,
    location TEXT NOT NULL,
    to_location TEXT,
    at_ms BIGINT NOT NULL,
    quantity BIGINT NOT NULL,
    actor TEXT NOT NULL,
    issue_id TEXT
);
CREATE INDEX report_stock_at ON report_stock (at_ms);
CREATE INDEX report_stock_issue ON report_stock (issue_id);
CREATE INDEX events_kind_place ON events (kind, location, hlc)
"""

V8_NONCES = """
CREATE TABLE proof_nonces (
    nonce TEXT PRIMARY KEY,
    staff_id TEXT NOT NULL,
    at_ms BIGINT NOT NULL
);
CREATE INDEX proof_nonces_at ON proof_nonces (at_ms)
"""

# V9: residents' homes and moves, desks moved (scope.py).
MOVES_DDL = """
CREATE TABLE scope_homes (target TEXT PRIMARY KEY, location TEXT NOT NULL);
CREATE TABLE scope_standing (
    target TEXT NOT NULL,
    location TEXT NOT NULL,
    PRIMARY KEY (target, location)
);
CREATE TABLE scope_dropped (
    target TEXT NOT NULL,
    location TEXT NOT NULL,
    dropped_seq BIGINT NOT NULL,
    PRIMARY KEY (target, location, dropped_seq)
);
CREATE INDEX scope_dropped_location ON scope_dropped (location, dropped_seq);
ALTER TABLE devices ADD COLUMN moved_from TEXT
"""

STEPS: list[tuple] = [
    (V1, _identity),
    (V2,),
    (_append_only,),
    (SCOPE_DDL,),
    (V5,),
    (CLAIMS_DDL,),
    (_permit_erasure,),
    (COUNCIL_DDL, V8_NONCES),
    (MOVES_DDL,),
]


def build_legacy(engine: Engine, upto: int = len(STEPS)) -> None:
    """An empty database brought to hand-rolled version ``upto`` as cxdesk did it then."""
    with write_transaction(engine) as conn:
        conn.exec_driver_sql(
            "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY, "
            "applied_at TEXT NOT NULL, written_by TEXT NOT NULL)"
        )
        for number, step in enumerate(STEPS[:upto], start=1):
            for part in step:
                if callable(part):
                    part(conn)
                else:
                    for statement in part.split(";"):
                        if statement.strip():
                            conn.exec_driver_sql(statement)
            conn.execute(
                text("INSERT INTO schema_version VALUES (:v, :t, '0.1.0 (hand-rolled)')"),
                {"v": number, "t": _now()},
            )
