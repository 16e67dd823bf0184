"""The central database's tables: the one declaration of its schema (SQLAlchemy Core).

Alembic's revisions in ``alembic/versions/`` are generated from this metadata
(``make central-migration``), and a test migrates empty and existing databases
on SQLite and PostgreSQL and compares them with it (types, nullability,
indexes, unique constraints). Change a table here, then generate a revision.

The push and pull paths use these tables with Core, so a page of a thousand
events is one statement, not a thousand objects. Text is ``TEXT`` on both
databases; payloads are the canonical JSON the digest was computed over, so
the bytes that were hashed are the bytes stored. Integer keys never
autoincrement: the server hands out ``server_seq`` and epoch numbers itself.

Constraint names follow PostgreSQL's own defaults (``devices_token_hash_key``),
so databases created before Alembic took over already carry them.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    Index,
    Integer,
    MetaData,
    PrimaryKeyConstraint,
    Table,
    Text,
    UniqueConstraint,
    false,
    true,
)

metadata = MetaData(
    naming_convention={
        "pk": "%(table_name)s_pkey",
        "uq": "%(table_name)s_%(column_0_name)s_key",
        "ck": "%(table_name)s_%(constraint_name)s_check",
    }
)


def _text(name: str, *, nullable: bool = False, unique: bool = False) -> Column:
    return Column(name, Text, nullable=nullable, unique=unique)


def _key(name: str, kind: type[Integer] | type[Text] = Text) -> Column:
    """A primary-key column; integer keys are handed out by the server, not by a sequence."""
    return Column(name, kind, primary_key=True, autoincrement=False)


# The hand-rolled versions before Alembic; row 8 makes an older cxdesk refuse.

schema_version_t = Table(
    "schema_version",
    metadata,
    _key("version", Integer),
    _text("applied_at"),
    _text("written_by"),
)

# Facts about this database: database_id (never changes, survives a backup).
meta_t = Table(
    "server_meta",
    metadata,
    _key("key"),
    _text("value"),
)

# Every epoch this database has had; the highest number is the current one.
epochs_t = Table(
    "epochs",
    metadata,
    _key("number", Integer),
    _text("epoch", unique=True),
    _text("started_at"),
    _text("reason"),
    Column("head_at_start", BigInteger, nullable=False),
)

devices_t = Table(
    "devices",
    metadata,
    _key("id"),
    _text("location"),
    _text("token_hash", nullable=True, unique=True),
    Column("revoked", Boolean, nullable=False, server_default=false()),
    Column("last_seq", BigInteger, nullable=False, server_default="0"),
    _text("last_hash"),
    _text("created_at"),
    # The location before `cxdesk admin move-device`, until the desk writes at the new one.
    _text("moved_from", nullable=True),
)

# One row: the last server_seq handed out, updated inside every push transaction.
counter_t = Table(
    "feed_counter",
    metadata,
    _key("id", Integer),
    Column("value", BigInteger, nullable=False),
    CheckConstraint("id = 1", name="id"),
)

# The feed. Triggers refuse UPDATE and DELETE, but for erasure's blanking.
events_t = Table(
    "events",
    metadata,
    Column("server_seq", BigInteger, primary_key=True, autoincrement=False),
    _text("id", unique=True),
    _text("kind"),
    _text("payload"),
    _text("payload_digest"),
    _text("actor"),
    _text("device"),
    _text("location"),
    Column("device_seq", BigInteger, nullable=False),
    _text("hlc"),
    _text("prev_hash"),
    _text("hash"),
    _text("subject", nullable=True),
    _text("received_at"),
    _text("signature", nullable=True),
    UniqueConstraint("device", "device_seq", name="events_device_seq"),
    Index("events_subject", "subject"),
    # Sign-offs, customers' events by kind and late arrivals into a signed-off day
    # are read by kind, place and time without a scan of the feed.
    Index("events_kind_place", "kind", "location", "hlc"),
)

# Staff as the staff events say, for checking who may author what.
roster_t = Table(
    "roster",
    metadata,
    _key("staff_id"),
    _text("role"),
    _text("locations"),
    Column("active", Boolean, nullable=False, server_default=true()),
    _text("public_key", nullable=True),
)

# Events the server refused, with why: for supervisors, and to answer retries alike.
rejected_t = Table(
    "rejected_events",
    metadata,
    _text("device"),
    Column("device_seq", BigInteger, nullable=False, autoincrement=False),
    _text("event_id", unique=True),
    _text("kind"),
    _text("actor"),
    _text("hash"),
    _text("reason"),
    _text("rejected_at"),
    PrimaryKeyConstraint("device", "device_seq"),
)

# How many 401/403/409/413/422/429 answers each device has had.
refusals_t = Table(
    "device_refusals",
    metadata,
    _text("device"),
    Column("status", Integer, nullable=False, autoincrement=False),
    Column("count", BigInteger, nullable=False),
    _text("last_at"),
    PrimaryKeyConstraint("device", "status"),
)

# Pull scoping (cxdesk/sync/server/scope.py): who may receive each event.
scope_targets_t = Table(
    "scope_targets",
    metadata,
    Column("server_seq", BigInteger, nullable=False, autoincrement=False),
    _text("target"),
    Column("via_grant", Boolean, nullable=False),
    PrimaryKeyConstraint("server_seq", "target"),
    Index("scope_targets_target", "target", "server_seq"),
)

scope_grants_t = Table(
    "scope_grants",
    metadata,
    _text("target"),
    _text("location"),
    Column("granted_seq", BigInteger, nullable=False),
    PrimaryKeyConstraint("target", "location"),
    Index("scope_grants_location", "location", "granted_seq"),
)

scope_locations_t = Table("scope_locations", metadata, _key("location_id"), _text("kind"))

scope_private_t = Table("scope_private", metadata, _key("referral_id"), _text("location"))

# Where each resident belongs, what lets a location keep them after a move, and
# the grants a move withdrew (each location's desks are told to drop the resident).
scope_homes_t = Table("scope_homes", metadata, _key("target"), _text("location"))

scope_standing_t = Table(
    "scope_standing",
    metadata,
    _text("target"),
    _text("location"),
    PrimaryKeyConstraint("target", "location"),
)

scope_dropped_t = Table(
    "scope_dropped",
    metadata,
    _text("target"),
    _text("location"),
    Column("dropped_seq", BigInteger, nullable=False, autoincrement=False),
    PrimaryKeyConstraint("target", "location", "dropped_seq"),
    Index("scope_dropped_location", "location", "dropped_seq"),
)

# The claims index every desk receives (cxdesk/sync/server/claims.py). claim_people
# holds keys, not names: the columns are named for what they key.
claim_people_t = Table(
    "claim_people",
    metadata,
    _key("customer_id"),
    _text("given_name"),
    _text("family_name"),
    _text("dob"),
    _text("postcode"),
)

claims_index_t = Table(
    "claims_index",
    metadata,
    Column("server_seq", BigInteger, primary_key=True, autoincrement=False),
    _text("issue_id"),
    _text("kind"),
    _text("record_key"),
    _text("given_key"),
    _text("family_key"),
    _text("dob_key"),
    _text("postcode_key"),
    Column("at_ms", BigInteger, nullable=False),
    _text("location"),
    _text("status"),
    Index("claims_index_issue", "issue_id"),
)

# Erasure's one sanctioned change to an event (cxdesk/sync/server/erasure.py).
erased_t = Table(
    "erased_events",
    metadata,
    _key("event_id"),
    Column("erasure_seq", BigInteger, nullable=False),
)

# The council-wide report tables (cxdesk/sync/server/council_tables.py), kept in
# the push transaction: issues and stock movements as the central feed says.
report_issues_t = Table(
    "report_issues",
    metadata,
    _key("issue_id"),
    Column("server_seq", BigInteger, nullable=False),
    _text("kind"),
    _text("customer_id"),
    _text("serial"),
    Column("value_pence", BigInteger, nullable=False),
    _text("location"),
    _text("actor"),
    Column("at_ms", BigInteger, nullable=False),
    _text("repeat_action"),
    Column("repeat_matches", Integer, nullable=False),
    Column("has_override", Boolean, nullable=False),
    _text("approved_by"),
    _text("status"),
    _text("request_id", nullable=True),
    Column("requested_ms", BigInteger),
    Column("due_ms", BigInteger),
    _text("request_status", nullable=True),
    Column("closed_ms", BigInteger),
    Index("report_issues_at", "at_ms", "issue_id"),
    Index("report_issues_request", "request_id"),
)

report_stock_t = Table(
    "report_stock",
    metadata,
    Column("server_seq", BigInteger, primary_key=True, autoincrement=False),
    _text("kind"),
    _text("move"),
    _text("condition", nullable=True),
    _text("location"),
    _text("to_location", nullable=True),
    Column("at_ms", BigInteger, nullable=False),
    Column("quantity", BigInteger, nullable=False),
    _text("actor"),
    _text("issue_id", nullable=True),
    Index("report_stock_at", "at_ms"),
    Index("report_stock_issue", "issue_id"),
)

# Proofs a signed-in supervisor's requests carry are used once (staff_proof.py).
proof_nonces_t = Table(
    "proof_nonces",
    metadata,
    _key("nonce"),
    _text("staff_id"),
    Column("at_ms", BigInteger, nullable=False),
    Index("proof_nonces_at", "at_ms"),
)
