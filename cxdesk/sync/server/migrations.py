"""Versioned schema of the central database, for SQLite and PostgreSQL alike.

``schema_version`` holds one row per migration applied. Migrations are plain
SQL that both databases accept (TEXT, BIGINT, BOOLEAN), appended to
``MIGRATIONS`` and never edited once released. A database written by a newer
cxdesk is refused rather than touched. On PostgreSQL an advisory lock stops two
API processes starting together from migrating at once; on SQLite
``BEGIN IMMEDIATE`` does the same.

Version 1 also creates this database's identity: a ``database_id`` that a
backup carries with it (so a restore can be recognised) and the first epoch.
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime

from sqlalchemy import Connection, Engine, text

from cxdesk import __version__
from cxdesk.errors import StoreError
from cxdesk.events.envelope import GENESIS
from cxdesk.sync.protocol import CENTRAL_DEVICE
from cxdesk.sync.server.claims import DDL as CLAIMS_DDL
from cxdesk.sync.server.council_tables import DDL as COUNCIL_DDL
from cxdesk.sync.server.db import is_postgres, write_transaction
from cxdesk.sync.server.scope import DDL as SCOPE_DDL
from cxdesk.sync.server.scope import MOVES_DDL

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


def utc_now_text() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _identity(conn: Connection) -> None:
    now = utc_now_text()
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


# V2: staff signatures. Each person's public key on the roster; each event's
# signature (over its hash, so outside the chain) kept and served with it.
V2 = """
ALTER TABLE roster ADD COLUMN public_key TEXT;
ALTER TABLE events ADD COLUMN signature TEXT;
"""


def _append_only(conn: Connection) -> None:
    """V3: the feed's events table refuses UPDATE and DELETE (and TRUNCATE), as a desk's does.

    Nothing in cxdesk changes an accepted event; a trigger makes that a property
    of the database, so a bug or a stray SQL session cannot rewrite the feed
    that every desk trusts. (An erasure past the retention period will need its
    own sanctioned path.) PostgreSQL's function body holds semicolons, so this
    step runs statement by statement rather than through ``_run``'s split.
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


# V5: how many 401/403/409/413/422/429 answers each device has had (`admin devices`).
V5 = """
CREATE TABLE device_refusals (
    device TEXT NOT NULL,
    status INTEGER NOT NULL,
    count BIGINT NOT NULL,
    last_at TEXT NOT NULL,
    PRIMARY KEY (device, status)
);
"""


def _scope_v4(conn: Connection) -> None:
    from cxdesk.sync.server.scope import backfill_scope

    backfill_scope(conn)


def _claims_v6(conn: Connection) -> None:
    from cxdesk.sync.server.claims import backfill_claims

    backfill_claims(conn)


def _council_v8(conn: Connection) -> None:
    from cxdesk.sync.server.council_tables import backfill_reports

    backfill_reports(conn)


# V8: proofs a signed-in supervisor's requests carry are used once (staff_proof.py).
V8_NONCES = """
CREATE TABLE proof_nonces (
    nonce TEXT PRIMARY KEY,
    staff_id TEXT NOT NULL,
    at_ms BIGINT NOT NULL
);
CREATE INDEX proof_nonces_at ON proof_nonces (at_ms)
"""


def _erasure_v7(conn: Connection) -> None:
    from cxdesk.sync.server.erasure import permit_erasure

    permit_erasure(conn)


def _moves_v9(conn: Connection) -> None:
    from cxdesk.sync.server.scope import backfill_homes

    backfill_homes(conn)


# V9: residents' homes and moves, desks moved (cxdesk/sync/server/scope.py).
# V7: erasure's one sanctioned change to an event (cxdesk/sync/server/erasure.py).
# V4: pull scoping (who may receive each event; see cxdesk/sync/server/scope.py);
# V6: the claims index every desk receives (cxdesk/sync/server/claims.py).
# V8: the council-wide report tables (council_tables.py) and used proof nonces.
MIGRATIONS: list[tuple[str, ...] | object] = [
    (V1, _identity),
    (V2,),
    (_append_only,),
    (SCOPE_DDL, _scope_v4),
    (V5,),
    (CLAIMS_DDL, _claims_v6),
    (_erasure_v7,),
    (COUNCIL_DDL, V8_NONCES, _council_v8),
    (MOVES_DDL, _moves_v9),
]


def _run(conn: Connection, step) -> None:
    for part in step:
        if callable(part):
            part(conn)
        else:
            for statement in part.split(";"):
                if statement.strip():
                    conn.exec_driver_sql(statement)


def migrate(engine: Engine) -> list[int]:
    """Bring the central database up to date; returns the versions applied."""
    applied: list[int] = []
    with write_transaction(engine) as conn:
        if is_postgres(conn):
            conn.execute(text("SELECT pg_advisory_xact_lock(8740)"))
        conn.exec_driver_sql(
            "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY, "
            "applied_at TEXT NOT NULL, written_by TEXT NOT NULL)"
        )
        current = conn.execute(text("SELECT MAX(version) FROM schema_version")).scalar() or 0
        if current > len(MIGRATIONS):
            raise StoreError(
                f"The central database has schema v{current}, newer than this cxdesk "
                f"({__version__}, v{len(MIGRATIONS)}). Update cxdesk before serving it.",
                title="Database from a newer cxdesk",
            )
        for number, step in enumerate(MIGRATIONS[current:], start=current + 1):
            _run(conn, step)
            conn.execute(
                text("INSERT INTO schema_version VALUES (:v, :t, :w)"),
                {"v": number, "t": utc_now_text(), "w": __version__},
            )
            applied.append(number)
    return applied
