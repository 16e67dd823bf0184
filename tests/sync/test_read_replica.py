"""Pulls from a lagging read replica: never a restore, never a lost or repeated event.

The "replica" is a real second PostgreSQL database, a copy of the primary taken
at a chosen moment (``CREATE DATABASE ... TEMPLATE``), so it lags by exactly
the commits made since. Desks sync through the real app with ``read_engine``
pointing at it: their pushes go to the primary, their pulls to the replica
whenever it has caught up with what the desk knows, else to the primary.
"""

from __future__ import annotations

import httpx
import psycopg
import pytest
from sqlalchemy import event, text

from cxdesk.store.rebuild import verify_store
from cxdesk.store.sync_queries import sync_state
from cxdesk.sync.apply import local_summary
from cxdesk.sync.receipts import MARK_HEADER
from cxdesk.sync.server import admin, signing
from cxdesk.sync.server.app import create_app, open_database
from cxdesk.sync.server.db import make_engine, read_transaction

from .conftest import PG_ADMIN, Central, drop_pg_database
from .test_protocol import events_of

pytestmark = pytest.mark.postgres


class Replica:
    """A second database that follows the primary only when told to (``catch_up``)."""

    def __init__(self, central: Central, primary_url: str) -> None:
        self.central = central
        self.primary = primary_url.rsplit("/", 1)[1]
        self.name = f"{self.primary}_ro"
        self.url = primary_url.rsplit("/", 1)[0] + "/" + self.name
        self.engine = make_engine(self.url)
        self.pages = 0  # pull pages the replica served

        replica = self

        class Counting(psycopg.Cursor):
            def execute(self, query, *args, **kwargs):
                # A pull's first statement (deps.open_pull), which the replica is asked
                # only once it has caught up with the desk. Counted on psycopg's cursors:
                # the pull's reads go through them without SQLAlchemy's execution.
                replica.pages += "LEFT JOIN devices d ON d.token_hash" in str(query)
                return super().execute(query, *args, **kwargs)

        @event.listens_for(self.engine, "connect")
        def _count(dbapi_conn, _record) -> None:
            dbapi_conn.cursor_factory = Counting

    def catch_up(self) -> None:
        """Copy the primary as it is now (a template copy needs its pools closed)."""
        self.central.engine.dispose()
        self.engine.dispose()
        with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{self.name}" TEMPLATE "{self.primary}"')


@pytest.fixture
def replicated(pg_url, tmp_path):
    engine = open_database(pg_url)
    central = Central(engine, None, tmp_path)
    replica = Replica(central, pg_url)
    replica.catch_up()
    central.app = create_app(
        engine=engine, marks_dir=tmp_path / "marks", read_engine=replica.engine
    )
    yield central, replica
    for desk in central.desks:
        desk.store.close()
    engine.dispose()
    replica.engine.dispose()
    drop_pg_database(replica.name)


def on_server(engine) -> set[tuple[str, str]]:
    with engine.connect() as conn:
        return {tuple(r) for r in conn.execute(text("SELECT id, hash FROM events"))}


async def settle(desks, rounds: int = 2) -> None:
    for _ in range(rounds):
        for desk in desks:
            report = await desk.sync()
            assert report.epoch_resets == 0, f"{desk.name}: {report.summary()}"


async def test_a_lagging_replica_never_looks_like_a_restore(replicated):
    central, replica = replicated
    a, b = central.desk("D-A"), central.desk("D-B")  # enrolled after the copy: primary only
    await settle([a, b])
    replica.catch_up()
    served = replica.pages
    await settle([a, b])
    assert replica.pages > served  # caught up: the replica serves their pulls

    for _ in range(3):
        a.record_failed_signin()
    await settle([a, b])  # the replica lacks these: the desks' floors send them to the primary
    held = on_server(central.engine)
    assert set(events_of(a.store)) == set(events_of(b.store)) == held

    # A desk whose last answer came from the primary is ahead of the stale replica;
    # a new event on B keeps the primary ahead, and nothing is lost or repeated.
    b.record_failed_signin()
    await settle([b, a, b])
    replica.catch_up()
    a.record_failed_signin()
    await settle([a, b, a])
    held = on_server(central.engine)
    for desk in (a, b):
        assert set(events_of(desk.store)) == held
        assert len(events_of(desk.store)) == len(held)
        assert local_summary(desk.store).waiting == 0
        assert verify_store(desk.store).ok


async def test_a_replica_still_in_the_old_epoch_is_not_a_second_restore(replicated):
    central, replica = replicated
    a, b = central.desk("D-A"), central.desk("D-B")
    a.record_failed_signin()
    await settle([a, b])
    replica.catch_up()
    await settle([a, b])

    epoch = admin.new_epoch(central.engine)  # the replica still says the old epoch
    resets = {a.name: 0, b.name: 0}

    async def rounds(*desks) -> None:
        for desk in desks:
            resets[desk.name] += (await desk.sync()).epoch_resets

    a.record_failed_signin()  # A's push meets the primary: both learn the new epoch there
    await rounds(a, a, b, b)
    assert resets == {a.name: 1, b.name: 1}
    await rounds(b, a, b, a)  # the replica, still in the old epoch, never sends them back
    replica.catch_up()
    await rounds(b, a, b, a)
    assert resets == {a.name: 1, b.name: 1}
    assert sync_state(a.store).epoch == sync_state(b.store).epoch == epoch
    assert set(events_of(a.store)) == set(events_of(b.store)) == on_server(central.engine)


async def test_a_desk_in_the_new_epoch_is_never_answered_from_the_old(replicated):
    """The same head in two epochs: only the epoch tells the replica's answer apart."""
    central, replica = replicated
    a = central.desk("D-A")
    await settle([a])
    replica.catch_up()
    epoch = admin.new_epoch(central.engine)  # the head stays; the replica has the old epoch
    with read_transaction(central.engine) as conn:
        mark = signing.mark(conn, central.app.state.signing_key, a.name)
    auth = {"Authorization": f"Bearer {a.token}"}
    async with httpx.AsyncClient(transport=central.transport(), base_url="http://c") as http:
        known = await http.get("/v1/sync/pull", headers={**auth, MARK_HEADER: mark.header()})
        unknown = await http.get("/v1/sync/pull", headers=auth)
    assert known.json()["epoch"] == epoch  # the primary answered
    assert unknown.json()["epoch"] != epoch  # lag, for a desk that knows no better


async def test_a_desk_enrolled_after_the_copy_is_served_by_the_primary(replicated):
    central, replica = replicated
    a = central.desk("D-A")
    a.record_failed_signin()
    await settle([a])
    late = central.desk("D-LATE")  # unknown to the replica: its token would be refused there
    await settle([late])
    assert set(events_of(late.store)) == on_server(central.engine)
