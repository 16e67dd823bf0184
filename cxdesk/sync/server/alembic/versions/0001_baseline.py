"""Baseline: the central schema as the hand-rolled migrations left it at v9.

Generated from ``models.py`` by autogenerate, then reviewed: boolean defaults
spelled for both databases, and what SQLAlchemy cannot declare added by hand
below the tables: the triggers that keep ``events`` append-only (but for
erasure's blanking, see ``cxdesk/sync/server/erasure.py``), this database's
identity (``database_id``, the first epoch, the feed counter, the central
device), and ``schema_version`` row 10 so a cxdesk from before Alembic refuses
the database. A database already at v9 is stamped here, not upgraded.

Revision ID: 0001
Revises:
Create Date: 2026-12-01 03:23:54.084182
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from secrets import token_hex

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "claim_people",
        sa.Column("customer_id", sa.Text(), autoincrement=False, nullable=False),
        sa.Column("given_name", sa.Text(), nullable=False),
        sa.Column("family_name", sa.Text(), nullable=False),
        sa.Column("dob", sa.Text(), nullable=False),
        sa.Column("postcode", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("customer_id", name=op.f("claim_people_pkey")),
    )
    op.create_table(
        "claims_index",
        sa.Column("server_seq", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("issue_id", sa.Text(), nullable=False),
        sa.Column("kind", sa.Text(), nullable=False),
        sa.Column("record_key", sa.Text(), nullable=False),
        sa.Column("given_key", sa.Text(), nullable=False),
        sa.Column("family_key", sa.Text(), nullable=False),
        sa.Column("dob_key", sa.Text(), nullable=False),
        sa.Column("postcode_key", sa.Text(), nullable=False),
        sa.Column("at_ms", sa.BigInteger(), nullable=False),
        sa.Column("location", sa.Text(), nullable=False),
        sa.Column("status", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("server_seq", name=op.f("claims_index_pkey")),
    )
    op.create_index("claims_index_issue", "claims_index", ["issue_id"])

    op.create_table(
        "device_refusals",
        sa.Column("device", sa.Text(), nullable=False),
        sa.Column("status", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("count", sa.BigInteger(), nullable=False),
        sa.Column("last_at", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("device", "status", name=op.f("device_refusals_pkey")),
    )
    op.create_table(
        "devices",
        sa.Column("id", sa.Text(), autoincrement=False, nullable=False),
        sa.Column("location", sa.Text(), nullable=False),
        sa.Column("token_hash", sa.Text(), nullable=True),
        sa.Column("revoked", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("last_seq", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("last_hash", sa.Text(), nullable=False),
        sa.Column("created_at", sa.Text(), nullable=False),
        sa.Column("moved_from", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("devices_pkey")),
        sa.UniqueConstraint("token_hash", name=op.f("devices_token_hash_key")),
    )
    op.create_table(
        "epochs",
        sa.Column("number", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("epoch", sa.Text(), nullable=False),
        sa.Column("started_at", sa.Text(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("head_at_start", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("number", name=op.f("epochs_pkey")),
        sa.UniqueConstraint("epoch", name=op.f("epochs_epoch_key")),
    )
    op.create_table(
        "erased_events",
        sa.Column("event_id", sa.Text(), autoincrement=False, nullable=False),
        sa.Column("erasure_seq", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("event_id", name=op.f("erased_events_pkey")),
    )
    op.create_table(
        "events",
        sa.Column("server_seq", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("id", sa.Text(), nullable=False),
        sa.Column("kind", sa.Text(), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("payload_digest", sa.Text(), nullable=False),
        sa.Column("actor", sa.Text(), nullable=False),
        sa.Column("device", sa.Text(), nullable=False),
        sa.Column("location", sa.Text(), nullable=False),
        sa.Column("device_seq", sa.BigInteger(), nullable=False),
        sa.Column("hlc", sa.Text(), nullable=False),
        sa.Column("prev_hash", sa.Text(), nullable=False),
        sa.Column("hash", sa.Text(), nullable=False),
        sa.Column("subject", sa.Text(), nullable=True),
        sa.Column("received_at", sa.Text(), nullable=False),
        sa.Column("signature", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("server_seq", name=op.f("events_pkey")),
        sa.UniqueConstraint("device", "device_seq", name="events_device_seq"),
        sa.UniqueConstraint("id", name=op.f("events_id_key")),
    )
    op.create_index("events_kind_place", "events", ["kind", "location", "hlc"])
    op.create_index("events_subject", "events", ["subject"])

    op.create_table(
        "feed_counter",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("value", sa.BigInteger(), nullable=False),
        sa.CheckConstraint("id = 1", name=op.f("feed_counter_id_check")),
        sa.PrimaryKeyConstraint("id", name=op.f("feed_counter_pkey")),
    )
    op.create_table(
        "proof_nonces",
        sa.Column("nonce", sa.Text(), autoincrement=False, nullable=False),
        sa.Column("staff_id", sa.Text(), nullable=False),
        sa.Column("at_ms", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("nonce", name=op.f("proof_nonces_pkey")),
    )
    op.create_index("proof_nonces_at", "proof_nonces", ["at_ms"])

    op.create_table(
        "rejected_events",
        sa.Column("device", sa.Text(), nullable=False),
        sa.Column("device_seq", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("event_id", sa.Text(), nullable=False),
        sa.Column("kind", sa.Text(), nullable=False),
        sa.Column("actor", sa.Text(), nullable=False),
        sa.Column("hash", sa.Text(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("rejected_at", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("device", "device_seq", name=op.f("rejected_events_pkey")),
        sa.UniqueConstraint("event_id", name=op.f("rejected_events_event_id_key")),
    )
    op.create_table(
        "report_issues",
        sa.Column("issue_id", sa.Text(), autoincrement=False, nullable=False),
        sa.Column("server_seq", sa.BigInteger(), nullable=False),
        sa.Column("kind", sa.Text(), nullable=False),
        sa.Column("customer_id", sa.Text(), nullable=False),
        sa.Column("serial", sa.Text(), nullable=False),
        sa.Column("value_pence", sa.BigInteger(), nullable=False),
        sa.Column("location", sa.Text(), nullable=False),
        sa.Column("actor", sa.Text(), nullable=False),
        sa.Column("at_ms", sa.BigInteger(), nullable=False),
        sa.Column("repeat_action", sa.Text(), nullable=False),
        sa.Column("repeat_matches", sa.Integer(), nullable=False),
        sa.Column("has_override", sa.Boolean(), nullable=False),
        sa.Column("approved_by", sa.Text(), nullable=False),
        sa.Column("status", sa.Text(), nullable=False),
        sa.Column("request_id", sa.Text(), nullable=True),
        sa.Column("requested_ms", sa.BigInteger(), nullable=True),
        sa.Column("due_ms", sa.BigInteger(), nullable=True),
        sa.Column("request_status", sa.Text(), nullable=True),
        sa.Column("closed_ms", sa.BigInteger(), nullable=True),
        sa.PrimaryKeyConstraint("issue_id", name=op.f("report_issues_pkey")),
    )
    op.create_index("report_issues_at", "report_issues", ["at_ms", "issue_id"])
    op.create_index("report_issues_request", "report_issues", ["request_id"])

    op.create_table(
        "report_stock",
        sa.Column("server_seq", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("kind", sa.Text(), nullable=False),
        sa.Column("move", sa.Text(), nullable=False),
        sa.Column("condition", sa.Text(), nullable=True),
        sa.Column("location", sa.Text(), nullable=False),
        sa.Column("to_location", sa.Text(), nullable=True),
        sa.Column("at_ms", sa.BigInteger(), nullable=False),
        sa.Column("quantity", sa.BigInteger(), nullable=False),
        sa.Column("actor", sa.Text(), nullable=False),
        sa.Column("issue_id", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("server_seq", name=op.f("report_stock_pkey")),
    )
    op.create_index("report_stock_at", "report_stock", ["at_ms"])
    op.create_index("report_stock_issue", "report_stock", ["issue_id"])

    op.create_table(
        "roster",
        sa.Column("staff_id", sa.Text(), autoincrement=False, nullable=False),
        sa.Column("role", sa.Text(), nullable=False),
        sa.Column("locations", sa.Text(), nullable=False),
        sa.Column("active", sa.Boolean(), server_default=sa.true(), nullable=False),
        sa.Column("public_key", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("staff_id", name=op.f("roster_pkey")),
    )
    op.create_table(
        "schema_version",
        sa.Column("version", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("applied_at", sa.Text(), nullable=False),
        sa.Column("written_by", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("version", name=op.f("schema_version_pkey")),
    )
    op.create_table(
        "scope_dropped",
        sa.Column("target", sa.Text(), nullable=False),
        sa.Column("location", sa.Text(), nullable=False),
        sa.Column("dropped_seq", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.PrimaryKeyConstraint(
            "target", "location", "dropped_seq", name=op.f("scope_dropped_pkey")
        ),
    )
    op.create_index("scope_dropped_location", "scope_dropped", ["location", "dropped_seq"])

    op.create_table(
        "scope_grants",
        sa.Column("target", sa.Text(), nullable=False),
        sa.Column("location", sa.Text(), nullable=False),
        sa.Column("granted_seq", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("target", "location", name=op.f("scope_grants_pkey")),
    )
    op.create_index("scope_grants_location", "scope_grants", ["location", "granted_seq"])

    op.create_table(
        "scope_homes",
        sa.Column("target", sa.Text(), autoincrement=False, nullable=False),
        sa.Column("location", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("target", name=op.f("scope_homes_pkey")),
    )
    op.create_table(
        "scope_locations",
        sa.Column("location_id", sa.Text(), autoincrement=False, nullable=False),
        sa.Column("kind", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("location_id", name=op.f("scope_locations_pkey")),
    )
    op.create_table(
        "scope_private",
        sa.Column("referral_id", sa.Text(), autoincrement=False, nullable=False),
        sa.Column("location", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("referral_id", name=op.f("scope_private_pkey")),
    )
    op.create_table(
        "scope_standing",
        sa.Column("target", sa.Text(), nullable=False),
        sa.Column("location", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("target", "location", name=op.f("scope_standing_pkey")),
    )
    op.create_table(
        "scope_targets",
        sa.Column("server_seq", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("target", sa.Text(), nullable=False),
        sa.Column("via_grant", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("server_seq", "target", name=op.f("scope_targets_pkey")),
    )
    op.create_index("scope_targets_target", "scope_targets", ["target", "server_seq"])

    op.create_table(
        "server_meta",
        sa.Column("key", sa.Text(), autoincrement=False, nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("server_meta_pkey")),
    )
    _append_only()
    _identity()


# An update may only rewrite the payload of an event that erasure has listed;
# every other column (the digest and the hash among them) stays as it was.
ERASURE_ONLY = (
    "NEW.server_seq = OLD.server_seq AND NEW.id = OLD.id AND NEW.kind = OLD.kind "
    "AND NEW.payload_digest = OLD.payload_digest AND NEW.actor = OLD.actor "
    "AND NEW.device = OLD.device AND NEW.location = OLD.location "
    "AND NEW.device_seq = OLD.device_seq AND NEW.hlc = OLD.hlc "
    "AND NEW.prev_hash = OLD.prev_hash AND NEW.hash = OLD.hash "
    "AND EXISTS (SELECT 1 FROM erased_events x WHERE x.event_id = OLD.id)"
)


def _append_only() -> None:
    """``events`` refuses UPDATE, DELETE (and TRUNCATE) whoever asks, as a desk's log does."""
    if op.get_context().dialect.name == "postgresql":
        op.execute(
            "CREATE FUNCTION events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ "
            f"BEGIN IF TG_OP = 'UPDATE' THEN IF {ERASURE_ONLY} THEN RETURN NEW; END IF; "
            "END IF; RAISE EXCEPTION 'events are append-only'; END $$"
        )
        op.execute(
            "CREATE TRIGGER events_no_change BEFORE UPDATE OR DELETE ON events "
            "FOR EACH ROW EXECUTE FUNCTION events_append_only()"
        )
        op.execute(
            "CREATE TRIGGER events_no_truncate BEFORE TRUNCATE ON events "
            "FOR EACH STATEMENT EXECUTE FUNCTION events_append_only()"
        )
        return
    op.execute(
        f"CREATE TRIGGER events_no_update BEFORE UPDATE ON events WHEN NOT ({ERASURE_ONLY}) "
        "BEGIN SELECT RAISE(ABORT, 'events are append-only'); END"
    )
    op.execute(
        "CREATE TRIGGER events_no_delete BEFORE DELETE ON events "
        "BEGIN SELECT RAISE(ABORT, 'events are append-only'); END"
    )


def _identity() -> None:
    """This database's identity, which a backup carries with it (so a restore is recognised)."""
    now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    rows = (
        ("INSERT INTO server_meta (key, value) VALUES ('database_id', :v)", {"v": token_hex(16)}),
        (
            "INSERT INTO epochs (number, epoch, started_at, reason, head_at_start) "
            "VALUES (1, :e, :t, 'database created', 0)",
            {"e": token_hex(16), "t": now},
        ),
        ("INSERT INTO feed_counter (id, value) VALUES (1, 0)", {}),
        (
            "INSERT INTO devices (id, location, token_hash, revoked, last_seq, last_hash, "
            "created_at) VALUES ('central', 'CENTRAL', NULL, FALSE, 0, :g, :t)",
            {"g": "0" * 64, "t": now},  # the central device's chain starts at GENESIS
        ),
        (
            "INSERT INTO schema_version (version, applied_at, written_by) "
            "VALUES (10, :t, 'alembic 0001')",
            {"t": now},
        ),
    )
    for statement, values in rows:
        op.get_bind().execute(sa.text(statement), values)


def downgrade() -> None:
    op.drop_table("events")  # its triggers go with it
    if op.get_context().dialect.name == "postgresql":
        op.execute("DROP FUNCTION events_append_only()")
    op.drop_table("server_meta")
    op.drop_table("scope_targets")
    op.drop_table("scope_standing")
    op.drop_table("scope_private")
    op.drop_table("scope_locations")
    op.drop_table("scope_homes")
    op.drop_table("scope_grants")
    op.drop_table("scope_dropped")
    op.drop_table("schema_version")
    op.drop_table("roster")
    op.drop_table("report_stock")
    op.drop_table("report_issues")
    op.drop_table("rejected_events")
    op.drop_table("proof_nonces")
    op.drop_table("feed_counter")
    op.drop_table("erased_events")
    op.drop_table("epochs")
    op.drop_table("devices")
    op.drop_table("device_refusals")
    op.drop_table("claims_index")
    op.drop_table("claim_people")
