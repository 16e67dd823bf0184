"""Reads by many keys and writes of many rows, in the cheapest form each database has.

A push of 500 events reads the rows of hundreds of ids and subjects and writes
hundreds of rows to several tables. On PostgreSQL a key list travels as one
array parameter (``= ANY(:keys)``: one cached statement, whatever the count,
where an expanded ``IN (...)`` is a new statement of hundreds of placeholders
for the driver to rewrite each time) and rows go in by ``COPY``; on SQLite the
list is expanded into ``IN (...)`` in chunks under its variable limit and rows
go in by ``executemany``.

Reads that do not depend on each other's answers travel together
(``read_together``): on PostgreSQL in one pipeline, so one round trip instead
of one each.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, LiteralString, cast

import psycopg
from psycopg import sql
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


def read_together(conn: Connection, reads: Sequence[Read]) -> list[list[tuple]]:
    """Each read's rows, as tuples: the reads run one after another, in order.

    On PostgreSQL they travel in one pipeline (one round trip). Each still runs
    as its own statement, after the one before it has finished: a read placed
    after a ``FOR UPDATE`` sees every commit made before that lock was granted.
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
    return [[] if cur is None else cur.fetchall() for cur in cursors]


def _rows_of(conn: Connection, read: Read) -> Iterator[Row]:
    if read.keys is None:
        return iter(conn.execute(text(read.query), dict(read.params)))
    return rows_for_keys(conn, read.query, read.keys, **read.params)


_COPY_SPECIAL = re.compile(r"[\\\t\n\r]")
_COPY_ESCAPES = {"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"}


def _copy_escaped(value: str) -> str:
    return _COPY_SPECIAL.sub(lambda m: _COPY_ESCAPES[m.group()], value)


def copy_text(rows: Sequence[tuple]) -> str:
    """``rows`` in COPY's text format (a tab between fields, a line each).

    Built by joins, one line per row, instead of psycopg formatting row by row in
    Python: text is escaped only where it holds a backslash, tab or line break;
    None is ``\\N``, booleans ``t``/``f``, numbers as written.
    """
    lines = []
    for row in rows:
        fields = [value if type(value) is str else _copy_other(value) for value in row]
        line = "\t".join(fields)
        # Clean unless some text holds a tab, line break or backslash (each None adds one).
        if (
            line.count("\t") != len(fields) - 1
            or line.count("\\") != row.count(None)
            or "\n" in line
            or "\r" in line
        ):
            line = "\t".join(
                _copy_escaped(value) if type(value) is str else fields[n]
                for n, value in enumerate(row)
            )
        lines.append(line)
    lines.append("")
    return "\n".join(lines)


def _copy_other(value: Any) -> str:
    if value is None:
        return "\\N"
    if value is True or value is False:
        return "t" if value else "f"
    if isinstance(value, int):
        return str(value)
    raise TypeError(f"cannot write {type(value).__name__} by COPY")


def insert_rows(conn: Connection, table: str, columns: Sequence[str], rows: list[tuple]) -> None:
    """Insert ``rows`` (tuples in ``columns`` order) into ``table``, in the caller's transaction.

    A unique key already taken raises SQLAlchemy's ``IntegrityError`` on both
    databases, as an ``INSERT`` would (the push route answers it with 409).
    """
    if not rows:
        return
    names = ", ".join(columns)
    if not is_postgres(conn):
        marks = ", ".join("?" for _ in columns)
        conn.exec_driver_sql(f"INSERT INTO {table} ({names}) VALUES ({marks})", rows)
        return
    raw = conn.connection.driver_connection
    assert isinstance(raw, psycopg.Connection)
    statement = sql.SQL("COPY {} ({}) FROM STDIN").format(
        sql.Identifier(table), sql.SQL(", ").join(map(sql.Identifier, columns))
    )
    try:
        with raw.cursor() as cur, cur.copy(statement) as copy:
            copy.write(copy_text(rows))
    except psycopg.IntegrityError as exc:
        raise IntegrityError(f"COPY {table} ({names})", None, exc) from exc
