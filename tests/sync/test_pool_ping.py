"""Pooled PostgreSQL connections: pinged only after sitting idle, and replaced if dead."""

from __future__ import annotations

import psycopg
import pytest
from sqlalchemy import text

from cxdesk.sync.server import db

from .conftest import PG_ADMIN

pytestmark = pytest.mark.postgres


def _counting_pings(engine) -> list[int]:
    pings: list[int] = []
    ping = engine.dialect.do_ping

    def counted(dbapi_conn):
        pings.append(1)
        return ping(dbapi_conn)

    engine.dialect.do_ping = counted
    return pings


def _backend_pid(engine) -> int:
    with engine.connect() as conn:
        return conn.execute(text("SELECT pg_backend_pid()")).scalar_one()


def test_a_connection_in_steady_use_is_not_pinged(pg_url):
    engine = db.make_engine(pg_url, pool_size=1)
    try:
        pings = _counting_pings(engine)
        first = _backend_pid(engine)
        assert [_backend_pid(engine) for _ in range(5)] == [first] * 5
        assert pings == []
    finally:
        engine.dispose()


def test_a_connection_dropped_while_idle_is_replaced_before_use(pg_url, monkeypatch):
    engine = db.make_engine(pg_url, pool_size=1)
    try:
        pings = _counting_pings(engine)
        dead = _backend_pid(engine)
        with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
            admin.execute("SELECT pg_terminate_backend(%s)", (dead,))
        monkeypatch.setattr(db, "PING_AFTER_IDLE", 0.0)  # it has sat idle long enough
        fresh = _backend_pid(engine)  # no error: the dead connection failed its ping
        assert fresh != dead and pings
    finally:
        engine.dispose()
