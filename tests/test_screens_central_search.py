"""Search all locations (Ctrl+G) on the customer search screen at 80x24, when the central
API cannot answer: one sentence says what can be searched, and nothing typed is lost.

The search answered by the real central API is in tests/sync/test_central_search.py.
"""

from __future__ import annotations

from textual.widgets import Input, Static

from cxdesk.screens.customer_search import CustomerSearchScreen
from cxdesk.screens.form_modal import FormModal
from cxdesk.sync.client import AsyncSyncClient
from cxdesk.sync.worker import SyncWorker
from tests.deskkit import build_desk, give_keys, make_test_app, settle, shows, sign_in
from tests.sync.helpers import free_port
from tests.test_screens_customers import ADVISOR, open_area
from tests.test_tasks_and_help import palette

TYPED = "maria okafor 11/02/1984 em1 4qt"
ONLY_HERE = "only this desk's residents and the claims index can be searched."


def status_of(app) -> str:
    return str(app.screen.query_one("#customer-status", Static).render())


async def wait_for(pilot, predicate, what: str, rounds: int = 1000) -> None:
    for _ in range(rounds):
        if predicate():
            return
        await pilot.pause(0.01)
    raise AssertionError(f"not reached: {what}")


async def open_customers(pilot) -> None:
    """As ``open_area``, without waiting for every worker (the sync worker never ends)."""
    pilot.app.session = ADVISOR
    give_keys(pilot.app.store, ADVISOR.staff_id)
    await pilot.app.switch_mode("customers")
    await pilot.pause()


async def test_offline_desk_says_what_it_can_search_and_keeps_the_text(store):
    build_desk(store, with_directory=False)
    # Enrolled, but nothing listens at the central API's address: the first round fails.
    client = AsyncSyncClient(f"http://127.0.0.1:{free_port()}", "cxd_not-a-real-token")
    worker = SyncWorker(store, client, interval=0.2)
    app = make_test_app(store)
    app.sync = worker
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: worker.status.online is False, "offline")
        await open_customers(pilot)
        await pilot.press(*TYPED)
        await wait_for(pilot, lambda: "No customer found" in status_of(app), "searched")
        await pilot.press("ctrl+g")
        await pilot.pause()
        assert not isinstance(app.screen, FormModal)  # no reason asked for nothing
        assert status_of(app) == f"This desk is offline, so {ONLY_HERE}"
        assert shows(app, "This desk is offline, so only this desk's residents")
        assert app.screen.query_one("#customer-search", Input).value == TYPED
        worker.stop()


async def test_a_desk_without_a_central_api_says_so(store):
    build_desk(store, with_directory=False)
    app = make_test_app(store)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_area(pilot, ADVISOR, "customers")
        await pilot.press(*TYPED, "ctrl+g")
        await settle(pilot)
        assert status_of(app) == f"This desk is not connected to the central API, so {ONLY_HERE}"
        assert app.screen.query_one("#customer-search", Input).value == TYPED


async def test_the_search_needs_both_names_and_a_date_of_birth(store):
    build_desk(store, with_directory=False)
    app = make_test_app(store)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_area(pilot, ADVISOR, "customers")
        # Enrolled and not known to be offline (a worker that has not tried yet).
        app.sync = SyncWorker(store, AsyncSyncClient("http://127.0.0.1:9", "t"))
        await pilot.press(*"okafor", "ctrl+g")
        await settle(pilot)
        assert not isinstance(app.screen, FormModal)
        assert status_of(app).startswith("To search all locations, type the given name,")
        assert app.screen.query_one("#customer-search", Input).value == "okafor"


async def test_the_palette_offers_search_all_locations(store):
    build_desk(store, with_directory=False)
    give_keys(store, ADVISOR.staff_id)
    app = make_test_app(store)
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in(pilot, "A1001")
        await palette(pilot, "search all locations")
        assert isinstance(app.screen, CustomerSearchScreen)
        assert "not connected to the central API" in status_of(app)
