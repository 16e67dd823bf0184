"""The live feed: a held pull answers when an event the desk may receive is committed.

Against the real app (in-process, and uvicorn on loopback), on SQLite and
PostgreSQL. Waits are bounded polls on the server's own state (how many pulls
it holds), never sleeps; each held pull asks for far longer (20 s) than a test
waits for it to answer, so an answer proves a wake, not a timeout.
"""

from __future__ import annotations

import asyncio
from urllib.parse import parse_qsl, urlencode

import httpx
import pytest

from cxdesk.store.store import Store
from cxdesk.store.sync_queries import sync_state
from cxdesk.sync.client import AsyncSyncClient
from cxdesk.sync.server import admin
from cxdesk.sync.server.app import create_app, open_database
from cxdesk.sync.worker import SyncWorker
from tests import peek
from tests.sync.conftest import Central
from tests.sync.helpers import DroppingProxy, ServerProcess, ThreadServer

HELD = 20  # seconds a held pull asks for: far beyond what any answer below may take


async def _held_by(app, count: int = 1) -> None:
    """Until the server holds ``count`` pulls (bounded)."""
    for _ in range(2000):
        if app.state.feed_watch._waiting >= count:
            return
        await asyncio.sleep(0.005)
    raise AssertionError("the pull was never held")


def _cursor(desk) -> int:
    return sync_state(desk.store).cursor


def _feed_events_from(store, device: str) -> list[str]:
    return [r[0] for r in peek.query(store, "SELECT id FROM events WHERE device = ?", (device,))]


async def test_a_held_pull_answers_at_the_commit(central):
    a, b = central.desk("D-A"), central.desk("D-B")
    await a.sync()
    await b.sync()
    held = asyncio.create_task(b.client.wait_for_feed(_cursor(b), HELD))
    await _held_by(central.app)
    assert not held.done()
    a.record_failed_signin()
    await a.sync()  # the push's commit wakes the held pull at once
    news = await asyncio.wait_for(held, 10)
    assert news.live and news.news
    await b.sync()
    assert len(_feed_events_from(b.store, "D-A")) == 1


async def test_a_server_side_write_wakes_a_held_pull(central):
    """Written outside the push route (``cxdesk admin``'s way): NOTIFY on PostgreSQL,
    the head poll on SQLite."""
    b = central.desk("D-B")
    await b.sync()
    held = asyncio.create_task(b.client.wait_for_feed(_cursor(b), HELD))
    await _held_by(central.app)
    await asyncio.to_thread(central.define_location, "HUB-N")
    news = await asyncio.wait_for(held, 10)
    assert news.live and news.news


def _close_stores(central: Central) -> None:
    for desk in central.desks:
        assert isinstance(desk.store, Store)
        desk.store.close()


RACE_BOUND = HELD + 30
"""The race tests commit from inside the held pull (a whole push, on a loaded machine, can
take seconds), so they bound the answer loosely: a missed wake is still told apart, as the
held pull then ends with its page read before the commit, which holds no news."""


class Race:
    """Make a commit land at one exact point of a held pull, once, from that point's thread."""

    def __init__(self, commit) -> None:
        self.commit = commit
        self.armed = False
        self.landed = 0

    def before(self, original):
        def hooked(*args, **kwargs):
            if self.armed:
                self.armed = False
                self.commit()  # committed and visible before ``original`` runs
                self.landed += 1
            return original(*args, **kwargs)

        return hooked


async def _warm_listener(desk) -> None:
    """One held pull that times out: the process's listener or poller is now running
    (it lingers), so from here on only a notification or a poll can wake a pull."""
    news = await desk.client.wait_for_feed(_cursor(desk), 1)
    assert news.live and not news.news


async def test_a_commit_between_the_page_and_its_head_wakes_the_pull(central, monkeypatch):
    """The commit lands after the held pull read its page, before the head it waits past
    is read: the pull must wait past the head its page saw, not the newer one."""
    from cxdesk.sync.server.routes import sync as sync_routes

    b = central.desk("D-B")
    await b.sync()
    await _warm_listener(b)
    race = Race(lambda: central.define_location("HUB-N"))
    monkeypatch.setattr(sync_routes.signing, "mark", race.before(sync_routes.signing.mark))
    race.armed = True
    held = asyncio.create_task(b.client.wait_for_feed(_cursor(b), HELD))
    news = await asyncio.wait_for(held, RACE_BOUND)
    assert race.landed == 1
    assert news.live and news.news


@pytest.mark.postgres
async def test_a_commit_while_the_listener_starts_wakes_the_pull(pg_url, tmp_path, monkeypatch):
    """The commit lands after the held pull read its page and the listener has connected,
    before its LISTEN is in place (so its NOTIFY reaches nobody)."""
    engine = open_database(pg_url)
    app = create_app(engine=engine, marks_dir=tmp_path / "marks")
    central = Central(engine, app, tmp_path)
    try:
        b = central.desk("D-B")
        await b.sync()
        watch = app.state.feed_watch
        race = Race(lambda: central.define_location("HUB-N"))
        monkeypatch.setattr(watch, "_subscribe", race.before(watch._subscribe))
        race.armed = True
        held = asyncio.create_task(b.client.wait_for_feed(_cursor(b), HELD))
        news = await asyncio.wait_for(held, RACE_BOUND)
        assert race.landed == 1
        assert news.live and news.news
    finally:
        app.state.feed_watch.close()
        _close_stores(central)
        engine.dispose()


@pytest.mark.postgres
async def test_a_push_through_another_api_process_in_the_race_wakes_the_pull(
    pg_url, tmp_path, monkeypatch
):
    """Two apps on one database, each with its own listener (two API processes): a push
    through the second commits exactly between the first's page read and its head read."""
    from cxdesk.sync.round import sync_round
    from cxdesk.sync.server.routes import sync as sync_routes

    engine = open_database(pg_url)
    one = create_app(engine=engine, marks_dir=tmp_path / "marks-one")
    other_engine = open_database(pg_url)
    two = create_app(engine=other_engine, marks_dir=tmp_path / "marks-two")
    central = Central(engine, one, tmp_path)
    try:
        a, b = central.desk("D-A"), central.desk("D-B")
        await a.sync()
        await b.sync()
        await _warm_listener(b)

        def push_through_two() -> None:
            async def push() -> None:
                transport = httpx.ASGITransport(app=two)
                async with AsyncSyncClient("http://two", a.token, transport=transport) as c:
                    await sync_round(a.store, c)

            a.record_failed_signin()
            asyncio.run(push())  # in the pull's own thread: done before its head is read

        race = Race(push_through_two)
        monkeypatch.setattr(sync_routes.signing, "mark", race.before(sync_routes.signing.mark))
        race.armed = True
        held = asyncio.create_task(b.client.wait_for_feed(_cursor(b), HELD))
        news = await asyncio.wait_for(held, RACE_BOUND)
        assert race.landed == 1
        assert news.live and news.news
        await b.sync()
        assert len(_feed_events_from(b.store, "D-A")) == 1
    finally:
        one.state.feed_watch.close()
        two.state.feed_watch.close()
        _close_stores(central)
        engine.dispose()
        other_engine.dispose()


async def test_nothing_new_answers_empty_when_the_wait_ends(central):
    b = central.desk("D-B")
    await b.sync()
    news = await b.client.wait_for_feed(_cursor(b), 1)
    assert news.live and not news.news


@pytest.mark.postgres
def test_two_api_processes_wake_each_others_pulls(pg_url, tmp_path):
    """A desk held on one API process hears a push committed through another."""
    engine = open_database(pg_url)
    try:
        _, token_a = admin.add_device(engine, "CSC", device_id="D-A")
        _, token_b = admin.add_device(engine, "CSC", device_id="D-B")
    finally:
        engine.dispose()
    one = ServerProcess(pg_url, tmp_path / "one").start()
    two = ServerProcess(pg_url, tmp_path / "two").start()
    try:
        from cxdesk.store import open_store
        from cxdesk.sync.round import sync_round

        store_a = open_store(tmp_path / "a.sqlite3", device_id="D-A", location="CSC")
        store_b = open_store(tmp_path / "b.sqlite3", device_id="D-B", location="CSC")

        async def scenario() -> None:
            async with (
                AsyncSyncClient(one.url, token_b) as on_one,
                AsyncSyncClient(two.url, token_a) as on_two,
            ):
                await sync_round(store_b, on_one)
                cursor = sync_state(store_b).cursor
                held = asyncio.create_task(on_one.wait_for_feed(cursor, HELD))
                # The held pull is on process one; give it a moment to be there (bounded).
                done, _ = await asyncio.wait({held}, timeout=1.0)
                assert not done, "the pull was answered before anything happened"
                store_a.record_as_desk(
                    "SignInFailed", {"staff_id": "Z9001", "reason": "wrong passcode"}
                )
                await sync_round(store_a, on_two)
                news = await asyncio.wait_for(held, 10)
                assert news.live and news.news
                await sync_round(store_b, on_one)

        asyncio.run(scenario())
        assert len(_feed_events_from(store_b, "D-A")) == 1
        store_a.close()
        store_b.close()
    finally:
        one.stop()
        two.stop()


def test_a_cut_held_pull_loses_and_repeats_nothing(server_url, tmp_path):
    """The held pull's answer is cut on the wire, pokes cancel it, the server restarts
    its wait: every event from the other desk arrives exactly once."""
    engine = open_database(server_url)
    app = create_app(engine=engine, marks_dir=tmp_path / "marks")
    _, token_a = admin.add_device(engine, "CSC", device_id="D-A")
    _, token_b = admin.add_device(engine, "CSC", device_id="D-B")
    from cxdesk.store import open_store
    from cxdesk.sync.round import sync_round

    store_a = open_store(tmp_path / "a.sqlite3", device_id="D-A", location="CSC")
    store_b = open_store(tmp_path / "b.sqlite3", device_id="D-B", location="CSC")
    with ThreadServer(app) as server:
        proxy = DroppingProxy(server.port)

        async def scenario() -> None:
            client = AsyncSyncClient(proxy.url, token_b, timeout=httpx.Timeout(5.0))
            worker = SyncWorker(store_b, client, interval=0.05, live_wait=HELD)
            task = asyncio.create_task(worker.run())
            async with AsyncSyncClient(server.url, token_a) as a:

                async def until(predicate, what: str) -> None:
                    for _ in range(4000):
                        if predicate():
                            return
                        await asyncio.sleep(0.005)
                    raise AssertionError(f"timed out waiting for {what}")

                sent = 0
                for step in range(3):
                    await until(lambda: app.state.feed_watch._waiting >= 1, "a held pull")
                    if step == 0:
                        proxy.drop = True  # the answer to the held pull is cut
                    elif step == 1:
                        store_b.record_as_desk(
                            "SignInFailed", {"staff_id": "Z9002", "reason": "wrong passcode"}
                        )
                        worker.poke()  # a local event cuts the held pull from the desk's side
                    for _ in range(2):
                        store_a.record_as_desk(
                            "SignInFailed", {"staff_id": "Z9001", "reason": "wrong passcode"}
                        )
                        sent += 1
                    await sync_round(store_a, a)
                    if step == 0:
                        await until(lambda: proxy.dropped, "the cut")
                        proxy.drop = False
                        worker.sync_now()
                    await until(
                        lambda n=sent: len(_feed_events_from(store_b, "D-A")) == n,
                        "the events to arrive",
                    )
            worker.stop()
            await asyncio.wait_for(task, 30)

        asyncio.run(scenario())
    ids = _feed_events_from(store_b, "D-A")
    assert len(ids) == len(set(ids)) == 6
    store_a.close()
    store_b.close()
    engine.dispose()


class OlderServer:
    """The real app behind a front that drops ``wait`` from pulls, as a server from
    before the live feed answers: at once, without saying it holds pulls."""

    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] == "http" and scope["path"] == "/v1/sync/pull":
            query = [(k, v) for k, v in parse_qsl(scope["query_string"].decode()) if k != "wait"]
            scope = dict(scope, query_string=urlencode(query).encode())
        await self.app(scope, receive, send)


async def test_a_desk_falls_back_to_polling_against_an_older_server(central):
    b = central.desk("D-B")
    older = httpx.ASGITransport(app=OlderServer(central.app))
    client = AsyncSyncClient("http://central", b.token, transport=older)
    rounds: list[object] = []
    worker = SyncWorker(b.store, client, interval=0.01, live_wait=HELD, on_round=rounds.append)
    task = asyncio.create_task(worker.run(max_rounds=4))
    await asyncio.wait_for(task, 30)  # four rounds, never a 20 s hold
    assert worker.live_wait is None
    assert len(rounds) == 4
