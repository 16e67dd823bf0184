"""Reads by many keys and writes of many rows, in the cheapest form each database has.

A push of 500 events reads the rows of hundreds of ids and subjects and writes
hundreds of rows to several tables. On PostgreSQL a key list travels as one
array parameter (``= ANY(:keys)``: one cached statement, whatever the count,
where an expanded ``IN (...)`` is a new statement of hundreds of placeholders
for the driver to rewrite each time) and rows go in by ``COPY``; on SQLite the
list is expanded into ``IN (...)`` in chunks under its variable limit and rows
go in by ``executemany``.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from functools import lru_cache
from typing import Any

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
            for row in rows:
                copy.write_row(row)
    except psycopg.IntegrityError as exc:
        raise IntegrityError(f"COPY {table} ({names})", None, exc) from exc
