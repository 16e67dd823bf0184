"""Row models of the central database (SQLModel ``table=True``).

They mirror the DDL in ``migrations.py`` exactly (a test reflects the migrated
database and compares). The push and pull paths use their ``__table__`` with
SQLAlchemy Core, so a page of a thousand events is one statement, not a
thousand ORM objects; the admin functions use sessions.

Payloads are kept as TEXT holding the canonical JSON the digest was computed
over, on both databases: the bytes that were hashed are the bytes stored.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, Index, Table, Text, UniqueConstraint
from sqlmodel import Field, SQLModel


class SchemaVersion(SQLModel, table=True):
    __tablename__ = "schema_version"  # pyright: ignore[reportAssignmentType]
    version: int = Field(primary_key=True)
    applied_at: str
    written_by: str


class ServerMeta(SQLModel, table=True):
    """Facts about this database: ``database_id`` (never changes, survives a backup)."""

    __tablename__ = "server_meta"  # pyright: ignore[reportAssignmentType]
    key: str = Field(primary_key=True)
    value: str


class Epoch(SQLModel, table=True):
    """Every epoch this database has had; the highest ``number`` is the current one."""

    __tablename__ = "epochs"  # pyright: ignore[reportAssignmentType]
    number: int = Field(primary_key=True)
    epoch: str = Field(unique=True)
    started_at: str
    reason: str
    head_at_start: int = Field(sa_column=Column(BigInteger, nullable=False))


class Device(SQLModel, table=True):
    __tablename__ = "devices"  # pyright: ignore[reportAssignmentType]
    id: str = Field(primary_key=True)
    location: str
    token_hash: str | None = Field(default=None, unique=True)
    revoked: bool = False
    last_seq: int = Field(default=0, sa_column=Column(BigInteger, nullable=False))
    last_hash: str
    created_at: str
    moved_from: str | None = None
    """The location before ``cxdesk admin move-device``, until the desk writes at the new one."""


class FeedCounter(SQLModel, table=True):
    """One row: the last ``server_seq`` handed out, updated inside every push transaction."""

    __tablename__ = "feed_counter"  # pyright: ignore[reportAssignmentType]
    id: int = Field(primary_key=True)
    value: int = Field(default=0, sa_column=Column(BigInteger, nullable=False))


class ServerEvent(SQLModel, table=True):
    __tablename__ = "events"  # pyright: ignore[reportAssignmentType]
    __table_args__ = (
        UniqueConstraint("device", "device_seq", name="events_device_seq"),
        Index("events_subject", "subject"),
    )
    server_seq: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    id: str = Field(unique=True)
    kind: str
    payload: str = Field(sa_column=Column(Text, nullable=False))
    payload_digest: str
    actor: str
    device: str
    location: str
    device_seq: int = Field(sa_column=Column(BigInteger, nullable=False))
    hlc: str
    prev_hash: str
    hash: str
    subject: str | None = None
    received_at: str
    signature: str | None = None


class Roster(SQLModel, table=True):
    """Staff as the staff events say, for checking who may author what."""

    __tablename__ = "roster"  # pyright: ignore[reportAssignmentType]
    staff_id: str = Field(primary_key=True)
    role: str
    locations: str = Field(sa_column=Column(Text, nullable=False))
    active: bool = True
    public_key: str | None = None


class RejectedEvent(SQLModel, table=True):
    """Events the server refused, with why: for supervisors, and to answer retries alike."""

    __tablename__ = "rejected_events"  # pyright: ignore[reportAssignmentType]
    device: str = Field(primary_key=True)
    device_seq: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    event_id: str = Field(unique=True)
    kind: str
    actor: str
    hash: str
    reason: str
    rejected_at: str


def table_of(model: type[SQLModel]) -> Table:
    """The Core table behind a row model (SQLModel leaves ``__table__`` untyped)."""
    return model.__table__  # pyright: ignore[reportAttributeAccessIssue]


events_t = table_of(ServerEvent)
devices_t = table_of(Device)
counter_t = table_of(FeedCounter)
roster_t = table_of(Roster)
rejected_t = table_of(RejectedEvent)
meta_t = table_of(ServerMeta)
epochs_t = table_of(Epoch)
