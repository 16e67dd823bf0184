"""Engines for the central database: SQLite (embedded default) or PostgreSQL (psycopg 3).

SQLite: WAL, ``synchronous=FULL``, a busy timeout, file 0600, and pysqlite's
own transaction handling switched off so that we emit ``BEGIN`` ourselves —
``BEGIN IMMEDIATE`` for a push (the write lock is taken before the device's
``last_seq`` is read, the SQLite spelling of ``SELECT ... FOR UPDATE``).
PostgreSQL: READ COMMITTED with explicit row locks in the push transaction; a
pooled connection is pinged before use only after it sat idle a while
(``PING_AFTER_IDLE``), not on every checkout (that ping was a round trip per request).
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, TextClause, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DisconnectionError

from cxdesk.store.filesystem import refuse_network_filesystem

SQLITE_BUSY_MS = 30_000
PING_AFTER_IDLE = 2.0
"""Seconds a pooled PostgreSQL connection may sit unused and still be handed out unpinged."""
SERVER_ADVICE = (
    "Give --db a SQLite file on a local disk, or use PostgreSQL (--db postgresql://...)."
)


def default_db_url(data_dir: Path) -> str:
    return f"sqlite:///{data_dir / 'central.sqlite3'}"


def normalise_url(url: str) -> str:
    """Accept ``postgresql://`` and ``postgres://`` as psycopg 3 URLs."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def make_engine(url: str, *, pool_size: int = 10) -> Engine:
    """An engine for ``url`` configured for the sync protocol's transactions."""
    url = normalise_url(url)
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return _sqlite_engine(url, parsed.database)
    engine = create_engine(url, pool_size=pool_size, max_overflow=pool_size * 2)
    _ping_when_idle(engine)
    return engine


def _ping_when_idle(engine: Engine) -> None:
    """Ping a pooled connection before use only if it sat idle past ``PING_AFTER_IDLE``.

    A connection in steady use has just proved itself; one left idle may have been
    dropped (a database restart, an idle timeout): it is pinged, and replaced if dead
    (the pool retries the checkout). A connection that dies while in use still fails
    that one request, and SQLAlchemy then refreshes the whole pool.
    """

    @event.listens_for(engine, "connect")
    def _made(_dbapi_conn, record) -> None:
        record.info["idle_since"] = time.monotonic()

    @event.listens_for(engine, "checkin")
    def _returned(_dbapi_conn, record) -> None:
        record.info["idle_since"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _taken(dbapi_conn, record, _proxy) -> None:
        since = record.info.get("idle_since")
        if since is not None and time.monotonic() - since < PING_AFTER_IDLE:
            return
        try:
            engine.dialect.do_ping(dbapi_conn)
        except Exception as exc:  # any failure: let the pool try a fresh connection
            raise DisconnectionError("a pooled connection failed its ping") from exc


def _sqlite_engine(url: str, database: str | None) -> Engine:
    if database and database != ":memory:":
        path = Path(database)
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        # The same rule as the desk store: WAL on a network drive can lose the feed.
        refuse_network_filesystem(
            path.parent, what="The central database folder", advice=SERVER_ADVICE
        )
        if not path.exists():
            os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))
        os.chmod(path, 0o600)
    engine = create_engine(
        url, connect_args={"check_same_thread": False, "timeout": SQLITE_BUSY_MS / 1000}
    )

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record) -> None:
        dbapi_conn.isolation_level = None  # we emit BEGIN ourselves
        cur = dbapi_conn.cursor()
        cur.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_MS}")
        cur.execute("PRAGMA journal_mode = WAL")
        cur.execute("PRAGMA synchronous = FULL")
        cur.execute("PRAGMA foreign_keys = ON")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        immediate = conn.get_execution_options().get("immediate", False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

    return engine


def is_postgres(conn_or_engine: Connection | Engine) -> bool:
    return conn_or_engine.dialect.name == "postgresql"


@contextmanager
def write_transaction(engine: Engine) -> Iterator[Connection]:
    """A transaction that will write: ``BEGIN IMMEDIATE`` on SQLite, plain on PostgreSQL."""
    with engine.connect().execution_options(immediate=True) as conn, conn.begin():
        yield conn


@contextmanager
def read_transaction(engine: Engine) -> Iterator[Connection]:
    with engine.connect() as conn, conn.begin():
        yield conn


@contextmanager
def snapshot_transaction(engine: Engine) -> Iterator[Connection]:
    """A read that sees one moment throughout: REPEATABLE READ on PostgreSQL.

    Under READ COMMITTED each statement sees the commits made before it, so a
    head read after a pull page could count an event the page never looked at,
    and a held pull waiting past that head would sleep through it. A SQLite read
    transaction is a snapshot already.
    """
    with engine.connect() as conn:
        if is_postgres(conn):
            conn = conn.execution_options(isolation_level="REPEATABLE READ")
        with conn.begin():
            yield conn


_DRIVER_SQL: dict[TextClause, bytes] = {}


def fetch(conn: Connection, statement: TextClause, params: Mapping[str, Any]) -> list[tuple]:
    """The rows of ``statement`` as plain tuples, in the caller's transaction.

    On PostgreSQL straight through psycopg, with the SQL SQLAlchemy compiles for it
    (once per statement): SQLAlchemy's own work per execution costs more CPU than
    the driver's, and a sync round's hot statements pay it a dozen times. Only for
    statements without expanding (``IN :list``) parameters.
    """
    if not is_postgres(conn):
        return [tuple(row) for row in conn.execute(statement, params)]
    sql = _DRIVER_SQL.get(statement)
    if sql is None:
        if len(_DRIVER_SQL) > 256:  # callers pass statements made once; this is a backstop
            _DRIVER_SQL.clear()
        sql = _DRIVER_SQL[statement] = str(statement.compile(dialect=conn.dialect)).encode()
    with conn.connection.driver_connection.cursor() as cursor:  # pyright: ignore[reportOptionalMemberAccess]
        cursor.execute(sql, params)
        return cursor.fetchall() if cursor.description is not None else []
