"""SQLite databases from the hand-rolled v9: rebuild the tables SQLite built loosely.

The hand-rolled DDL said ``id TEXT PRIMARY KEY`` and ``token_hash TEXT
UNIQUE``. PostgreSQL made those keys NOT NULL and named the unique
constraints (``devices_token_hash_key``), which is what the baseline declares;
SQLite let a non-INTEGER key hold NULL, and its inline UNIQUE has no name
(Alembic cannot see it, so could never alter it safely). Such a database is
stamped at the baseline, then rebuilt here, table by table, to the declared
shape: keys NOT NULL, the four unique constraints named, the boolean defaults
spelled as SQLAlchemy spells them. The events triggers are dropped first
(SQLite checks them while tables are renamed) and put back as the baseline
writes them.

Written by hand: autogenerate compares with a database the baseline built,
where there is nothing to do, and so is this revision on PostgreSQL and on
SQLite databases created under Alembic (no ``schema_version`` row 9).

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-01 03:55:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

KEYS = {
    "claim_people": ("customer_id", sa.Text()),
    "claims_index": ("server_seq", sa.BigInteger()),
    "devices": ("id", sa.Text()),
    "proof_nonces": ("nonce", sa.Text()),
    "report_issues": ("issue_id", sa.Text()),
    "report_stock": ("server_seq", sa.BigInteger()),
    "scope_homes": ("target", sa.Text()),
    "epochs": ("number", sa.Integer()),
    "erased_events": ("event_id", sa.Text()),
    "events": ("server_seq", sa.BigInteger()),
    "feed_counter": ("id", sa.Integer()),
    "roster": ("staff_id", sa.Text()),
    "schema_version": ("version", sa.Integer()),
    "scope_locations": ("location_id", sa.Text()),
    "scope_private": ("referral_id", sa.Text()),
    "server_meta": ("key", sa.Text()),
    "rejected_events": (None, None),  # its key was declared NOT NULL; its UNIQUE was not named
}
UNIQUE = {
    "devices": "token_hash",
    "epochs": "epoch",
    "events": "id",
    "rejected_events": "event_id",
}
CHECKS = {"feed_counter": (sa.CheckConstraint("id = 1", name="feed_counter_id_check"),)}
DEFAULTS = {"devices": ("revoked", sa.false()), "roster": ("active", sa.true())}

# As in 0001: an update may only rewrite the payload of an event erasure has listed.
ERASURE_ONLY = (
    "NEW.server_seq = OLD.server_seq AND NEW.id = OLD.id AND NEW.kind = OLD.kind "
    "AND NEW.payload_digest = OLD.payload_digest AND NEW.actor = OLD.actor "
    "AND NEW.device = OLD.device AND NEW.location = OLD.location "
    "AND NEW.device_seq = OLD.device_seq AND NEW.hlc = OLD.hlc "
    "AND NEW.prev_hash = OLD.prev_hash AND NEW.hash = OLD.hash "
    "AND EXISTS (SELECT 1 FROM erased_events x WHERE x.event_id = OLD.id)"
)


def _built_by_hand() -> bool:
    bind = op.get_bind()
    if bind.dialect.name != "sqlite":
        return False
    found = bind.execute(sa.text("SELECT 1 FROM schema_version WHERE version = 9")).first()
    return found is not None


def upgrade() -> None:
    if not _built_by_hand():
        return
    op.execute("DROP TRIGGER events_no_update")
    op.execute("DROP TRIGGER events_no_delete")
    for table, (key, key_type) in KEYS.items():
        # Batch mode cannot carry an unnamed CHECK over: say it again, named as 0001 does.
        checks = CHECKS.get(table, ())
        with op.batch_alter_table(table, recreate="always", table_args=checks) as batch:
            if key is not None:
                batch.alter_column(key, existing_type=key_type, nullable=False)
            if table in UNIQUE:
                column = UNIQUE[table]
                batch.create_unique_constraint(f"{table}_{column}_key", [column])
            if table in DEFAULTS:
                column, default = DEFAULTS[table]
                batch.alter_column(
                    column,
                    existing_type=sa.Boolean(),
                    existing_nullable=False,
                    server_default=default,
                )
    op.execute(
        f"CREATE TRIGGER events_no_update BEFORE UPDATE ON events WHEN NOT ({ERASURE_ONLY}) "
        "BEGIN SELECT RAISE(ABORT, 'events are append-only'); END"
    )
    op.execute(
        "CREATE TRIGGER events_no_delete BEFORE DELETE ON events "
        "BEGIN SELECT RAISE(ABORT, 'events are append-only'); END"
    )


def downgrade() -> None:
    pass  # the stricter tables serve an older revision as well
