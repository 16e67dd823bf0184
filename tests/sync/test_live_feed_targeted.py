"""Targeted wakes: a commit wakes only the held pulls of desks its events reach.

Real app on SQLite and PostgreSQL. Wakes are counted by the server's ``FeedWatch``
per desk, never timed; a desk is shown *not* woken only once the process has heard
the commit from its listener (NOTIFY) or poller as well as from the push itself.
"""

from __future__ import annotations

import asyncio

import httpx
import pytest

from cxdesk.sync.client import AsyncSyncClient
from cxdesk.sync.round import sync_round
from cxdesk.sync.server import admin
from cxdesk.sync.server.app import create_app, open_database
from cxdesk.sync.server.feed_watch import (
    PAYLOAD_BYTES,
    RECENT_MOVES,
    FeedWatch,
    notice,
    parse_notice,
)
from tests import peek
from tests.sync.conftest import Central
from tests.sync.test_live_feed import HELD, _close_stores, _cursor, _held_by

from ..conftest import key_fields_for
from ..customer_helpers import MARIA, REFERRAL_CHOICES
from ..test_customers_store import add_team
from .test_scope import ADV, make_desk, set_up_council


async def _heard(watch, top: int) -> None:
    """Until the process's listener or poller has passed on ``top`` (bounded)."""
    for _ in range(4000):
        if watch.heard >= top:
            return
        await asyncio.sleep(0.005)
    raise AssertionError(f"the process never heard of {top}")


async def _listening(watch) -> None:
    """Until the process's listener or poller has made its first read.

    That first read wakes every held pull (they may have read below a head nobody
    heard of), so a write made before it would wake the pulls it does not reach.
    """
    await _heard(watch, 0)


async def test_a_push_wakes_its_location_and_not_another(central):
    central.define_location("HUB-B")
    a, a2, b = central.desk("D-A"), central.desk("D-A2"), central.desk("D-B", "HUB-B")
    for desk in (a, a2, b):
        await desk.sync()
    watch = central.app.state.feed_watch
    at_a = asyncio.create_task(a2.client.wait_for_feed(_cursor(a2), HELD))
    at_b = asyncio.create_task(b.client.wait_for_feed(_cursor(b), HELD))
    await _held_by(central.app, 2)
    await _listening(watch)
    a.record_failed_signin()  # reaches CSC only (nobody holds Z9001)
    await a.sync()
    news = await asyncio.wait_for(at_a, 10)
    assert news.live and news.news
    await _heard(watch, watch.head)
    assert watch.woken["D-A2"] == 1
    assert watch.woken["D-B"] == 0 and not at_b.done()
    at_b.cancel()


async def test_a_grant_written_with_the_events_wakes_the_granted_location(central):
    """Enrolling someone at HUB-B grants HUB-B their key in the same write: HUB-B wakes
    (a server-side write: NOTIFY on PostgreSQL, the poller on SQLite); HUB-C does not."""
    central.define_location("HUB-B")
    central.define_location("HUB-C")
    b, c = central.desk("D-B", "HUB-B"), central.desk("D-C", "HUB-C")
    await b.sync()
    await c.sync()
    watch = central.app.state.feed_watch
    at_b = asyncio.create_task(b.client.wait_for_feed(_cursor(b), HELD))
    at_c = asyncio.create_task(c.client.wait_for_feed(_cursor(c), HELD))
    await _held_by(central.app, 2)
    await _listening(watch)
    await asyncio.to_thread(
        admin.add_staff,
        central.engine,
        "ADV7",
        name="Ann Advisor",
        role="advisor",
        locations=["HUB-B"],
        key_fields=key_fields_for("ADV7"),
    )
    news = await asyncio.wait_for(at_b, 10)
    assert news.live and news.news
    await _heard(watch, watch.head)
    assert watch.woken["D-C"] == 0 and not at_c.done()
    at_c.cancel()
    await b.sync()
    assert "ADV7" in [r[0] for r in peek.query(b.store, "SELECT staff_id FROM staff")]


async def test_a_referral_wakes_the_back_office_it_grants_and_not_another_hub(central):
    """The referral to a directory team grants the back office the resident in the same
    push: the back office and the resident's hub wake, another hub does not."""
    from cxdesk.store import customer_commands as cc
    from cxdesk.store import referral_commands as rc

    set_up_council(central)
    north, twin = make_desk(central, "D-N", "HUB-N"), make_desk(central, "D-N2", "HUB-N")
    back, south = make_desk(central, "D-BO", "BACK"), make_desk(central, "D-S", "HUB-S")
    add_team(north.store)
    cid = cc.register_customer(north.store, ADV, dict(MARIA))
    for desk in (north, twin, back, south):
        await desk.sync()
    watch = central.app.state.feed_watch
    held = {
        desk.store.device_id: asyncio.create_task(desk.client.wait_for_feed(_cursor(desk), HELD))
        for desk in (twin, back, south)
    }
    await _held_by(central.app, 3)
    await _listening(watch)
    rc.raise_referral(north.store, ADV, cid, {**REFERRAL_CHOICES, "story": "Eviction notice."})
    await north.sync()
    for device in ("D-N2", "D-BO"):
        news = await asyncio.wait_for(held[device], 10)
        assert news.live and news.news
    await _heard(watch, watch.head)
    assert watch.woken["D-S"] == 0 and not held["D-S"].done()
    held["D-S"].cancel()
    await back.sync()
    kinds = [r[0] for r in peek.query(back.store, "SELECT kind FROM events")]
    assert "ReferralRaised" in kinds and "CustomerRegistered" in kinds  # with its backfill


@pytest.mark.postgres
async def test_a_push_through_another_process_wakes_only_its_audience(pg_url, tmp_path):
    """Two apps on one database, each with its own listener (two API processes)."""
    engine = open_database(pg_url)
    one = create_app(engine=engine, marks_dir=tmp_path / "marks-one")
    other_engine = open_database(pg_url)
    two = create_app(engine=other_engine, marks_dir=tmp_path / "marks-two")
    central = Central(engine, one, tmp_path)
    try:
        central.define_location("HUB-B")
        a, a2, b = central.desk("D-A"), central.desk("D-A2"), central.desk("D-B", "HUB-B")
        for desk in (a, a2, b):
            await desk.sync()
        watch = one.state.feed_watch
        at_a = asyncio.create_task(a2.client.wait_for_feed(_cursor(a2), HELD))
        at_b = asyncio.create_task(b.client.wait_for_feed(_cursor(b), HELD))
        await _held_by(one, 2)
        await _listening(watch)
        a.record_failed_signin()
        transport = httpx.ASGITransport(app=two)
        async with AsyncSyncClient("http://two", a.token, transport=transport) as through_two:
            await sync_round(a.store, through_two)
        news = await asyncio.wait_for(at_a, 10)
        assert news.live and news.news
        top = two.state.feed_watch.head  # the push's own head, on the process that took it
        await _heard(watch, top)
        assert watch.woken["D-B"] == 0 and not at_b.done()
        at_b.cancel()
    finally:
        one.state.feed_watch.close()
        two.state.feed_watch.close()
        _close_stores(central)
        engine.dispose()
        other_engine.dispose()


def test_a_notice_names_its_audiences_or_wakes_everyone():
    assert parse_notice(notice(42, frozenset({"CSC", "*"}))) == (42, frozenset({"CSC", "*"}))
    assert parse_notice(notice(42, None)) == (42, None)
    many = frozenset(f"LOCATION-{n:05}" for n in range(2000))
    assert len(notice(7, many).encode()) <= PAYLOAD_BYTES
    assert parse_notice(notice(7, many)) == (7, None)  # too many for a NOTIFY: wake all
    assert parse_notice("9") == (9, None)  # an older server's notice


async def test_a_move_heard_before_a_pull_waits_counts_only_if_it_reaches_it(central):
    """A pull whose page predates moves already heard reads again only for one that
    reaches it (or one too old to remember)."""
    watch = FeedWatch(central.engine)
    try:
        seen = 10_000  # far above this database's head: the listener's first read wakes nobody
        watch.moved(seen + 1, frozenset({"HUB-B"}))
        assert not await watch.wait_past(seen, 0.05, ["CSC", "*"], "D-A")
        watch.moved(seen + 2, frozenset({"*"}))
        assert await watch.wait_past(seen, 0.05, ["CSC", "*"], "D-A")
        for n in range(RECENT_MOVES):  # the first two moves are forgotten
            watch.moved(seen + 3 + n, frozenset({"HUB-B"}))
        assert await watch.wait_past(seen, 0.05, ["CSC", "*"], "D-A")  # forgotten: unsure
        assert not await watch.wait_past(seen + 2, 0.05, ["CSC", "*"], "D-A")
    finally:
        watch.close()
