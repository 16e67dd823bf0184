"""The central database's tables: the one declaration of its schema (SQLModel table models).

Alembic's revisions in ``alembic/versions/`` are generated from this metadata
(``make central-migration``), and a test migrates empty and existing databases
on SQLite and PostgreSQL and compares them with it (types, nullability,
indexes, unique constraints). Change a model here, then generate a revision.

Every column names its SQL type (``sa_type``): SQLModel would make a ``str``
a ``VARCHAR`` and an ``int`` an ``INTEGER``, while the databases hold ``TEXT``
and ``BIGINT``. Payloads are the canonical JSON the digest was computed over,
so the bytes that were hashed are the bytes stored. Integer keys never
autoincrement: the server hands out ``server_seq`` and epoch numbers itself.

The push and pull paths use the models' tables (``events_t`` and the rest,
below) with Core, so a page of a thousand events is one statement, not a
thousand objects. Constraint names follow PostgreSQL's own defaults
(``devices_token_hash_key``), so databases created before Alembic took over
already carry them.
"""

from __future__ import annotations

from typing import Any, ClassVar

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Index,
    Integer,
    MetaData,
    Table,
    Text,
    UniqueConstraint,
    false,
    true,
)
from sqlalchemy.orm import registry
from sqlmodel import Field, SQLModel

metadata = MetaData(
    naming_convention={
        "pk": "%(table_name)s_pkey",
        "uq": "%(table_name)s_%(column_0_name)s_key",
        "ck": "%(table_name)s_%(constraint_name)s_check",
    }
)


class CentralModel(SQLModel, registry=registry(metadata=metadata)):
    """The central tables' base: their own metadata, apart from SQLModel's global one."""

    __tablename__: ClassVar[str]  # each model names its table, as the databases spell it
    __table__: ClassVar[Table]


def _text(*, unique: bool = False) -> Any:
    """A TEXT column; it may hold NULL when the field's type allows ``None``."""
    return Field(sa_type=Text, unique=unique)


def _big() -> Any:
    return Field(sa_type=BigInteger)


def _key(kind: type[Integer] | type[Text] = Text) -> Any:
    """A primary-key column; integer keys are handed out by the server, not by a sequence."""
    return Field(primary_key=True, sa_type=kind, sa_column_kwargs={"autoincrement": False})


# The hand-rolled versions before Alembic; row 8 makes an older cxdesk refuse.
class SchemaVersion(CentralModel, table=True):
    __tablename__ = "schema_version"
    version: int = _key(Integer)
    applied_at: str = _text()
    written_by: str = _text()


# Facts about this database: database_id (never changes, survives a backup).
class ServerMeta(CentralModel, table=True):
    __tablename__ = "server_meta"
    key: str = _key()
    value: str = _text()


# Every epoch this database has had; the highest number is the current one.
class Epoch(CentralModel, table=True):
    __tablename__ = "epochs"
    number: int = _key(Integer)
    epoch: str = _text(unique=True)
    started_at: str = _text()
    reason: str = _text()
    head_at_start: int = _big()


class Device(CentralModel, table=True):
    __tablename__ = "devices"
    id: str = _key()
    location: str = _text()
    token_hash: str | None = _text(unique=True)
    revoked: bool = Field(sa_type=Boolean, sa_column_kwargs={"server_default": false()})
    last_seq: int = Field(sa_type=BigInteger, sa_column_kwargs={"server_default": "0"})
    last_hash: str = _text()
    created_at: str = _text()
    # The location before `cxdesk admin move-device`, until the desk writes at the new one.
    moved_from: str | None = _text()


# One row: the last server_seq handed out, updated inside every push transaction.
class FeedCounter(CentralModel, table=True):
    __tablename__ = "feed_counter"
    __table_args__ = (CheckConstraint("id = 1", name="id"),)
    id: int = _key(Integer)
    value: int = _big()


# The feed. Triggers refuse UPDATE and DELETE, but for erasure's blanking.
class Event(CentralModel, table=True):
    __tablename__ = "events"
    __table_args__ = (
        UniqueConstraint("device", "device_seq", name="events_device_seq"),
        Index("events_subject", "subject"),
        # Sign-offs, customers' events by kind and late arrivals into a signed-off day
        # are read by kind, place and time without a scan of the feed.
        Index("events_kind_place", "kind", "location", "hlc"),
    )
    server_seq: int = _key(BigInteger)
    id: str = _text(unique=True)
    kind: str = _text()
    payload: str = _text()
    payload_digest: str = _text()
    actor: str = _text()
    device: str = _text()
    location: str = _text()
    device_seq: int = _big()
    hlc: str = _text()
    prev_hash: str = _text()
    hash: str = _text()
    subject: str | None = _text()
    received_at: str = _text()
    signature: str | None = _text()


# Staff as the staff events say, for checking who may author what.
class RosterEntry(CentralModel, table=True):
    __tablename__ = "roster"
    staff_id: str = _key()
    role: str = _text()
    locations: str = _text()
    active: bool = Field(sa_type=Boolean, sa_column_kwargs={"server_default": true()})
    public_key: str | None = _text()


# Events the server refused, with why: for supervisors, and to answer retries alike.
class RejectedEvent(CentralModel, table=True):
    __tablename__ = "rejected_events"
    device: str = _key()
    device_seq: int = _key(BigInteger)
    event_id: str = _text(unique=True)
    kind: str = _text()
    actor: str = _text()
    hash: str = _text()
    reason: str = _text()
    rejected_at: str = _text()


# How many 401/403/409/413/422/429 answers each device has had.
class DeviceRefusal(CentralModel, table=True):
    __tablename__ = "device_refusals"
    device: str = _key()
    status: int = _key(Integer)
    count: int = _big()
    last_at: str = _text()


# Pull scoping (cxdesk/sync/server/scope.py): who may receive each event.
class ScopeTarget(CentralModel, table=True):
    __tablename__ = "scope_targets"
    __table_args__ = (Index("scope_targets_target", "target", "server_seq"),)
    server_seq: int = _key(BigInteger)
    target: str = _key()
    via_grant: bool = Field(sa_type=Boolean)


class ScopeGrant(CentralModel, table=True):
    __tablename__ = "scope_grants"
    __table_args__ = (Index("scope_grants_location", "location", "granted_seq"),)
    target: str = _key()
    location: str = _key()
    granted_seq: int = _big()


class ScopeLocation(CentralModel, table=True):
    __tablename__ = "scope_locations"
    location_id: str = _key()
    kind: str = _text()


class ScopePrivate(CentralModel, table=True):
    __tablename__ = "scope_private"
    referral_id: str = _key()
    location: str = _text()


# Where each resident belongs, what lets a location keep them after a move, and
# the grants a move withdrew (each location's desks are told to drop the resident).
class ScopeHome(CentralModel, table=True):
    __tablename__ = "scope_homes"
    target: str = _key()
    location: str = _text()


class ScopeStanding(CentralModel, table=True):
    __tablename__ = "scope_standing"
    target: str = _key()
    location: str = _key()


class ScopeDropped(CentralModel, table=True):
    __tablename__ = "scope_dropped"
    __table_args__ = (Index("scope_dropped_location", "location", "dropped_seq"),)
    target: str = _key()
    location: str = _key()
    dropped_seq: int = _key(BigInteger)


# The claims index every desk receives (cxdesk/sync/server/claims.py). claim_people
# holds keys, not names: the columns are named for what they key.
class ClaimPerson(CentralModel, table=True):
    __tablename__ = "claim_people"
    customer_id: str = _key()
    given_name: str = _text()
    family_name: str = _text()
    dob: str = _text()
    postcode: str = _text()


class ClaimIndexEntry(CentralModel, table=True):
    __tablename__ = "claims_index"
    __table_args__ = (Index("claims_index_issue", "issue_id"),)
    server_seq: int = _key(BigInteger)
    issue_id: str = _text()
    kind: str = _text()
    record_key: str = _text()
    given_key: str = _text()
    family_key: str = _text()
    dob_key: str = _text()
    postcode_key: str = _text()
    at_ms: int = _big()
    location: str = _text()
    status: str = _text()


# Erasure's one sanctioned change to an event (cxdesk/sync/server/erasure.py).
class ErasedEvent(CentralModel, table=True):
    __tablename__ = "erased_events"
    event_id: str = _key()
    erasure_seq: int = _big()


# The council-wide report tables (cxdesk/sync/server/council_tables.py), kept in
# the push transaction: issues and stock movements as the central feed says.
class ReportIssue(CentralModel, table=True):
    __tablename__ = "report_issues"
    __table_args__ = (
        Index("report_issues_at", "at_ms", "issue_id"),
        Index("report_issues_request", "request_id"),
    )
    issue_id: str = _key()
    server_seq: int = _big()
    kind: str = _text()
    customer_id: str = _text()
    serial: str = _text()
    value_pence: int = _big()
    location: str = _text()
    actor: str = _text()
    at_ms: int = _big()
    repeat_action: str = _text()
    repeat_matches: int = Field(sa_type=Integer)
    has_override: bool = Field(sa_type=Boolean)
    approved_by: str = _text()
    status: str = _text()
    request_id: str | None = _text()
    requested_ms: int | None = _big()
    due_ms: int | None = _big()
    request_status: str | None = _text()
    closed_ms: int | None = _big()


class ReportStock(CentralModel, table=True):
    __tablename__ = "report_stock"
    __table_args__ = (
        Index("report_stock_at", "at_ms"),
        Index("report_stock_issue", "issue_id"),
    )
    server_seq: int = _key(BigInteger)
    kind: str = _text()
    move: str = _text()
    condition: str | None = _text()
    location: str = _text()
    to_location: str | None = _text()
    at_ms: int = _big()
    quantity: int = _big()
    actor: str = _text()
    issue_id: str | None = _text()


# Proofs a signed-in supervisor's requests carry are used once (staff_proof.py).
class ProofNonce(CentralModel, table=True):
    __tablename__ = "proof_nonces"
    __table_args__ = (Index("proof_nonces_at", "at_ms"),)
    nonce: str = _key()
    staff_id: str = _text()
    at_ms: int = _big()


# The models' tables, for the Core statements of the push and pull paths.
schema_version_t = SchemaVersion.__table__
meta_t = ServerMeta.__table__
epochs_t = Epoch.__table__
devices_t = Device.__table__
counter_t = FeedCounter.__table__
events_t = Event.__table__
roster_t = RosterEntry.__table__
rejected_t = RejectedEvent.__table__
refusals_t = DeviceRefusal.__table__
scope_targets_t = ScopeTarget.__table__
scope_grants_t = ScopeGrant.__table__
scope_locations_t = ScopeLocation.__table__
scope_private_t = ScopePrivate.__table__
scope_homes_t = ScopeHome.__table__
scope_standing_t = ScopeStanding.__table__
scope_dropped_t = ScopeDropped.__table__
claim_people_t = ClaimPerson.__table__
claims_index_t = ClaimIndexEntry.__table__
erased_t = ErasedEvent.__table__
report_issues_t = ReportIssue.__table__
report_stock_t = ReportStock.__table__
proof_nonces_t = ProofNonce.__table__
