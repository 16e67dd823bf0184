"""Reads by many keys and writes of many rows, in the cheapest form each database has.

A push of 500 events reads the rows of hundreds of ids and subjects and writes
hundreds of rows to several tables. On PostgreSQL a key list travels as one
array parameter (``= ANY(:keys)``: one cached statement, whatever the count,
where an expanded ``IN (...)`` is a new statement of hundreds of placeholders
for the driver to rewrite each time) and rows go in as one JSON parameter
(``insert_write``); on SQLite the list is expanded into ``IN (...)`` in chunks
under its variable limit and rows go in by ``executemany``.

Reads that do not depend on each other's answers travel together
(``read_together``), and so do a push's closing writes (``write_together``): on
PostgreSQL in one pipeline, so one round trip instead of one each.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, LiteralString, cast

import orjson
import psycopg
from sqlalchemy import Connection, Row, TextClause, bindparam, text
from sqlalchemy.exc import IntegrityError

from cxdesk.sync.server.db import is_postgres

CHUNK = 500
"""Keys per query on SQLite (its variable limit is 999 in old builds)."""


@lru_cache(maxsize=64)
def _statement(query: str, postgres: bool, texts: bool = False) -> TextClause:
    if postgres and texts:
        return text(query.replace("IN :keys", "= ANY(CAST(:keys AS TEXT[]))"))
    if postgres:
        return text(query.replace("IN :keys", "= ANY(:keys)"))
    return text(query).bindparams(bindparam("keys", expanding=True))


def text_array(keys: Sequence[str]) -> str:
    """``keys`` spelled as one PostgreSQL array literal (``{"a","b"}``).

    psycopg writes a list parameter element by element in Python (a pattern search
    for each); the keys a push looks up are hundreds of ids, so one string made by
    joins travels instead, and PostgreSQL reads it as ``text[]``.
    """
    quoted = (k.replace("\\", "\\\\").replace('"', '\\"') for k in keys)
    return '{"' + '","'.join(quoted) + '"}'


def rows_for_keys(
    conn: Connection, query: str, keys: Sequence[Any], **params: Any
) -> Iterator[Row]:
    """Rows of ``query``, whose ``IN :keys`` takes ``keys`` (any number of them)."""
    if not keys:
        return
    if is_postgres(conn):
        if all(type(k) is str for k in keys):
            statement = _statement(query, True, texts=True)
            yield from conn.execute(statement, {**params, "keys": text_array(keys)})
        else:
            yield from conn.execute(_statement(query, True), {**params, "keys": list(keys)})
        return
    statement = _statement(query, False)
    for start in range(0, len(keys), CHUNK):
        yield from conn.execute(statement, {**params, "keys": list(keys[start : start + CHUNK])})


@dataclass(frozen=True)
class Read:
    """One query of ``read_together``; its ``IN :keys`` (if any) takes ``keys``."""

    query: str
    params: Mapping[str, Any] = field(default_factory=dict)
    keys: Sequence[str] | None = None


@lru_cache(maxsize=64)
def _driver_sql(query: str, keyed: bool, dialect: Any) -> LiteralString:
    """``query`` in the driver's own spelling (``%(name)s``), for a raw cursor."""
    clause = _statement(query, True, texts=True) if keyed else text(query)
    return cast(LiteralString, str(clause.compile(dialect=dialect)))


def read_together(
    conn: Connection, reads: Sequence[Read], *, commit: bool = False
) -> list[list[tuple]]:
    """Each read's rows, as tuples: the reads run one after another, in order.

    On PostgreSQL they travel in one pipeline (one round trip). Each still runs
    as its own statement, after the one before it has finished: a read placed
    after a ``FOR UPDATE`` sees every commit made before that lock was granted.
    ``commit``: the caller reads nothing more in its transaction, whose COMMIT
    travels with these reads on PostgreSQL (as in ``write_together``).
    """
    if not is_postgres(conn):
        return [[tuple(row) for row in _rows_of(conn, read)] for read in reads]
    raw = conn.connection.driver_connection
    assert isinstance(raw, psycopg.Connection)
    cursors: list[psycopg.Cursor | None] = []
    with raw.pipeline():
        for read in reads:
            if read.keys is not None and not read.keys:
                cursors.append(None)  # no keys, no rows: nothing to ask
                continue
            params = dict(read.params)
            if read.keys is not None:
                params["keys"] = text_array(read.keys)
            cur = raw.cursor()
            cur.execute(_driver_sql(read.query, read.keys is not None, conn.dialect), params)
            cursors.append(cur)
        if commit:
            raw.execute(b"COMMIT", prepare=False)  # a statement of the pipeline, see write_together
    return [[] if cur is None else cur.fetchall() for cur in cursors]


def _rows_of(conn: Connection, read: Read) -> Iterator[Row]:
    if read.keys is None:
        return iter(conn.execute(text(read.query), dict(read.params)))
    return rows_for_keys(conn, read.query, read.keys, **read.params)


@dataclass(frozen=True)
class Write:
    """One statement of ``write_together``: ``params`` a mapping, or a list of them
    (one execution each)."""

    query: str
    params: Mapping[str, Any] | Sequence[Mapping[str, Any]] | Sequence[Sequence] = field(
        default_factory=dict
    )
    positional: bool = False
    """SQLite's own ``?`` marks and a list of rows, run by ``executemany`` as they are."""


def insert_write(
    conn: Connection, table: str, columns: Sequence[str], rows: Sequence[Sequence], tail: str = ""
) -> Write | None:
    """The statement inserting ``rows`` (values in ``columns`` order) into ``table``,
    ``tail`` after it (``ON CONFLICT ...``); None when there are none.

    On PostgreSQL the rows travel as one JSON array (orjson writes it in C) that
    ``json_populate_recordset`` turns into the table's own types: one statement
    of one parameter, so it can share a pipeline with others (a ``COPY`` cannot,
    and costs two round trips and more Python for the same rows).
    """
    if not rows:
        return None
    names = ", ".join(columns)
    if not is_postgres(conn):
        marks = ", ".join("?" for _ in columns)
        query = f"INSERT INTO {table} ({names}) VALUES ({marks}) {tail}"
        return Write(query, list(rows), positional=True)
    document = orjson.dumps([dict(zip(columns, row, strict=True)) for row in rows]).decode()
    query = (
        f"INSERT INTO {table} ({names}) SELECT {names} FROM "
        f"json_populate_recordset(NULL::{table}, CAST(:rows AS JSON)) {tail}"
    )
    return Write(query, {"rows": document})


def write_together(
    conn: Connection, writes: Sequence[Write | None], *, commit: bool = False
) -> list[tuple] | None:
    """Run ``writes`` (None: skipped) in order, in the caller's transaction: on
    PostgreSQL in one pipeline, one round trip, answering the rows the last one
    returns (None elsewhere, or if it returns none).

    ``commit``: on PostgreSQL the transaction's COMMIT travels in the same round trip
    (the caller's own commit then finds nothing left to do); a failed write skips
    it, and the caller rolls back as before. Elsewhere the caller commits.

    A unique key already taken raises SQLAlchemy's ``IntegrityError`` on both
    databases, as a single ``INSERT`` would (the push route answers it with 409).
    """
    found = [w for w in writes if w is not None]
    if not is_postgres(conn):
        for write in found:
            if write.positional:
                conn.exec_driver_sql(write.query, [tuple(row) for row in write.params])
            elif isinstance(write.params, Mapping):
                conn.execute(text(write.query), write.params)
            else:
                conn.execute(text(write.query), [dict(p) for p in write.params])
        return None
    raw = conn.connection.driver_connection
    assert isinstance(raw, psycopg.Connection)
    try:
        with raw.cursor() as cur:
            with raw.pipeline():
                for write in found:
                    statement = _driver_sql(write.query, False, conn.dialect)
                    if isinstance(write.params, Mapping):
                        cur.execute(statement, write.params)
                    else:
                        cur.executemany(statement, write.params)
                if commit:
                    # As a statement of the pipeline (``raw.commit()`` would wait for
                    # its own Sync): skipped by the server if a write above failed.
                    raw.execute(b"COMMIT", prepare=False)
            return cur.fetchall() if cur.description is not None else None
    except psycopg.IntegrityError as exc:
        raise IntegrityError(found[0].query[:80], None, exc) from exc
