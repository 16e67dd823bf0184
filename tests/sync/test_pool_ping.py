"""Pooled PostgreSQL connections: pinged only after sitting idle, and replaced if dead."""

from __future__ import annotations

import httpx
import psycopg
import pytest
from sqlalchemy import text

from cxdesk.sync.server import db
from cxdesk.sync.server.app import create_app
from cxdesk.sync.server.migrations import migrate

from .conftest import PG_ADMIN, Central

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


async def test_a_connection_dropped_in_use_answers_503_and_the_desk_syncs_next_time(
    pg_url, tmp_path
):
    """A database restart under steady use: one request answers 503 with a reason
    (never a 500), the desk keeps its event queued, and its next round sends it."""
    engine = db.make_engine(pg_url, pool_size=1)
    app = create_app(engine=engine, marks_dir=tmp_path / "marks")
    migrate(engine)
    central = Central(engine, app, tmp_path)
    desk = central.desk("D1")
    try:
        await desk.sync()  # the pool's one connection is now in steady use (no ping)
        dead = _backend_pid(engine)
        with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
            admin.execute("SELECT pg_terminate_backend(%s)", (dead,))
        desk.record_failed_signin()
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://central") as http:
            answer = await http.get(
                "/v1/sync/pull",
                params={"after": 0},
                headers={"Authorization": f"Bearer {desk.token}"},
            )
        assert answer.status_code == 503, answer.text
        assert answer.json()["detail"]["code"] == "database"
        assert answer.headers["retry-after"] == "5"
        result = await desk.sync()  # a fresh connection: the queued event goes
        assert result.pushed == 1
        with engine.connect() as conn:
            kinds = conn.execute(text("SELECT kind FROM events WHERE device = 'D1'")).scalars()
            assert list(kinds) == ["SignInFailed"]
    finally:
        desk.store.close()
        engine.dispose()
