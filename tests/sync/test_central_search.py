"""Search all locations: a hub desk finds a resident registered at the CSC.

The desk app at 80x24 runs its sync worker against the real central API
(SQLite and PostgreSQL); the advisor types the resident, presses Ctrl+G, gives a
reason; the view is recorded centrally with the reason at the hub, and the
resident's record arrives on the hub desk and is listed. Then what the server
refuses (hidden characters, over-long or blank reasons, impossible dates), what
it answers (ids and "how", nothing else), its rate limit, and the desk's words
when the central API goes away mid-search.
"""

from __future__ import annotations

import asyncio
import json

import httpx
import pytest
from sqlalchemy import text
from textual.widgets import DataTable, Input, Static

from cxdesk.config import load_settings
from cxdesk.screens.customer_view import CustomerViewScreen
from cxdesk.screens.form_modal import FormModal
from cxdesk.seed.staff import demo_key_fields
from cxdesk.session import DeskSession
from cxdesk.store import customer_commands as cc
from cxdesk.store import open_store
from cxdesk.sync.desk import enrol_desk, make_worker
from cxdesk.sync.server import admin
from cxdesk.sync.server.access import Limit
from cxdesk.sync.server.app import create_app
from cxdesk.sync.worker import SyncWorker
from tests import peek
from tests.customer_helpers import MARIA
from tests.deskkit import PASSCODES, FakeClock, give_keys, shows

from ..conftest import key_fields_for
from .helpers import ThreadServer

CSC_ADVISOR = DeskSession("ADV1", "Alex Advisor", "advisor", "CSC")
HUB = DeskSession("H2001", "Hana Hub", "hub", "HUB-NORTH", "North Hub")
REASON = "At the hub asking about her voucher"
ASK = {
    "given_name": "Maria",
    "family_name": "Okafor",
    "date_of_birth": "1984-02-11",
    "postcode": "EM1 4QT",
    "reason": REASON,
}


def council(central) -> None:
    """The CSC and a hub; an advisor at the CSC, a hub worker who signs in with a passcode."""
    central.define_location("CSC", "csc")
    central.define_location("HUB-NORTH", "hub")
    admin.add_staff(
        central.engine,
        "ADV1",
        name="Alex Advisor",
        role="advisor",
        locations=["CSC"],
        key_fields=key_fields_for("ADV1"),
    )
    admin.add_staff(
        central.engine,
        "H2001",
        name="Hana Hub",
        role="hub",
        locations=["HUB-NORTH"],
        key_fields=demo_key_fields("H2001", PASSCODES["H2001"]),
    )


async def maria_at_the_csc(central) -> str:
    council(central)
    csc = central.desk("D-CSC", "CSC")
    await csc.sync()
    maria = cc.register_customer(csc.store, CSC_ADVISOR, dict(MARIA))
    await csc.sync()
    return maria


async def wait_for(pilot, predicate, what: str, rounds: int = 1500) -> None:
    for _ in range(rounds):
        if predicate():
            return
        await pilot.pause(0.01)
    raise AssertionError(f"not reached: {what}")


def hub_app(central, tmp_path):
    """The desk app at the hub, enrolled, its sync worker talking to the central API."""
    from cxdesk.app import CxDeskApp

    hub = central.desk("D-HUB", "HUB-NORTH", signed=False)
    worker = SyncWorker(hub.store, hub.client, interval=0.2)
    settings = load_settings(data_dir=tmp_path / "hub")
    return hub, CxDeskApp(settings, hub.store, worker, clock=FakeClock())


async def sign_in_at_customers(pilot, app, store) -> None:
    await wait_for(pilot, lambda: app.sync_text.startswith("Online"), "online")
    roster = "SELECT COUNT(*) FROM staff WHERE staff_id = 'H2001'"
    await wait_for(pilot, lambda: peek.scalar(store, roster) == 1, "the roster")
    app.session = HUB
    give_keys(store, "H2001")
    await app.switch_mode("customers")
    await pilot.pause()


def central_views(central) -> list[tuple[str, str, dict]]:
    with central.engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT location, subject, payload FROM events "
                "WHERE kind = 'CustomerRecordViewed' ORDER BY server_seq"
            )
        ).all()
    return [(loc, subject, json.loads(payload)) for loc, subject, payload in rows]


async def test_a_hub_desk_finds_a_csc_resident_through_the_central_search(central, tmp_path):
    maria = await maria_at_the_csc(central)
    hub, app = hub_app(central, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in_at_customers(pilot, app, hub.store)
        await pilot.press(*"maria okafor 11/02/1984 em1 4qt")
        await wait_for(
            pilot, lambda: shows(app, "Ctrl+G to search all locations"), "no local match"
        )
        assert peek.scalar(hub.store, "SELECT COUNT(*) FROM customers") == 0
        await pilot.press("ctrl+g")
        await wait_for(pilot, lambda: isinstance(app.screen, FormModal), "the reason form")
        await wait_for(pilot, lambda: shows(app, "maria okafor, born 11/02/1984, postcode"), "ask")
        await pilot.press(*REASON, "enter")
        await wait_for(
            pilot, lambda: shows(app, "Fetched 1 record held at another location"), "fetched"
        )
        table = app.screen.query_one("#customer-results", DataTable)
        assert table.row_count == 1 and "Maria Okafor" in str(table.get_row_at(0)[0])
        # Recorded centrally at the hub, with the reason; and now held on the hub desk.
        [(location, subject, payload)] = central_views(central)
        assert (location, subject) == ("HUB-NORTH", maria)
        assert payload["reason"].endswith(REASON)
        held = peek.query(hub.store, "SELECT customer_id, family_name FROM customers")
        assert [tuple(r) for r in held] == [(maria, "Okafor")]
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, CustomerViewScreen), "the record")
        app.sync.stop()


async def test_nobody_anywhere_is_said_plainly_and_nothing_is_recorded(central, tmp_path):
    await maria_at_the_csc(central)
    hub, app = hub_app(central, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in_at_customers(pilot, app, hub.store)
        await pilot.press(*"maria okafor 01/01/1990", "ctrl+g")
        await wait_for(pilot, lambda: isinstance(app.screen, FormModal), "the reason form")
        await pilot.press(*REASON, "enter")
        await wait_for(
            pilot,
            lambda: shows(app, "Nobody matching maria okafor, born 01/01/1990 is held at any"),
            "no match anywhere",
        )
        assert central_views(central) == []
        assert app.screen.query_one("#customer-search", Input).value == "maria okafor 01/01/1990"
        app.sync.stop()


@pytest.mark.parametrize("server_url", ["sqlite"], indirect=True)
async def test_the_central_api_gone_mid_search_keeps_everything_typed(central, tmp_path):
    """The server stops between opening the form and sending: one sentence, nothing lost."""
    from cxdesk.app import make_app

    council(central)
    _, token = admin.add_device(central.engine, "HUB-NORTH", device_id="D-GONE")
    settings = load_settings(data_dir=tmp_path / "desk", sync_interval_seconds=0.2)
    server = ThreadServer(central.app).__enter__()
    try:
        store = await asyncio.to_thread(open_store, settings.store_path)
        await asyncio.to_thread(enrol_desk, settings, store, server.url, token)
        # Polling, not holding pulls open: the server is stopped mid-test.
        app = make_app(settings, store=store, sync=make_worker(settings, store, live_wait=None))
        async with app.run_test(size=(80, 24)) as pilot:
            await sign_in_at_customers(pilot, app, store)
            await pilot.press(*"maria okafor 11/02/1984", "ctrl+g")
            await wait_for(pilot, lambda: isinstance(app.screen, FormModal), "the reason form")
            await pilot.press(*REASON)
            await asyncio.to_thread(server.__exit__, None, None, None)
            await pilot.press("enter")
            said = app.screen.query_one("#err-form", Static)
            await wait_for(pilot, lambda: "cannot be reached now" in str(said.render()), "said")
            assert str(said.render()).startswith("The central API cannot be reached now (")
            assert str(said.render()).endswith(
                "so only this desk's residents and the claims index can be searched."
            )
            assert app.screen.query_one("#f-reason", Input).value == REASON
            app.screen.dismiss(None)
            await pilot.pause()
            assert app.screen.query_one("#customer-search", Input).value.startswith("maria")
            app.sync.stop()
        store.close()
    finally:
        server.server.should_exit = True


# -- the route itself -----------------------------------------------------------------


async def post(central, token: str, body: dict, app=None) -> httpx.Response:
    transport = httpx.ASGITransport(app=app or central.app)
    async with httpx.AsyncClient(transport=transport, base_url="http://c") as http:
        return await http.post(
            "/v1/customers/search", json=body, headers={"Authorization": f"Bearer {token}"}
        )


@pytest.mark.parametrize(
    "change",
    [
        {"reason": "Asked at the desk \u202e reversed"},
        {"reason": "Asked at the desk \x1b]52;c;Y3VybA==\x07"},
        {"reason": "x" * 81},
        {"reason": "   "},
        {"given_name": "Maria\u2066"},
        {"family_name": "Oka\x85for"},
        {"given_name": "  "},
        {"date_of_birth": "1984-02-30"},
        {"postcode": "EM1\n4QT"},
    ],
)
async def test_the_server_refuses_a_bad_ask_with_a_reason_and_records_nothing(central, change):
    await maria_at_the_csc(central)
    hub = central.desk("D-HUB", "HUB-NORTH")
    answer = await post(central, hub.token, {**ASK, **change})
    assert answer.status_code == 422, answer.text
    assert answer.json()["detail"]
    assert central_views(central) == []


async def test_the_answer_names_ids_and_how_and_nothing_else(central):
    maria = await maria_at_the_csc(central)
    hub = central.desk("D-HUB", "HUB-NORTH")
    answer = await post(central, hub.token, {**ASK, "date_of_birth": "1984-11-02"})
    assert answer.status_code == 200
    assert answer.json() == {
        "matches": [{"customer_id": maria, "how": "date of birth nearly the same"}]
    }
    for private in ("Maria", "Okafor", "EM1", "07700", "Mere"):
        assert private not in answer.text


@pytest.mark.parametrize("server_url", ["sqlite"], indirect=True)
async def test_the_central_search_has_its_own_small_rate_limit_per_token(central, tmp_path):
    await maria_at_the_csc(central)
    hub = central.desk("D-HUB", "HUB-NORTH")
    other = central.desk("D-HUB2", "HUB-NORTH")
    limited = create_app(
        engine=central.engine,
        marks_dir=tmp_path / "marks2",
        limits={"per_token_search": Limit(rate=0.01, burst=2)},
    )
    codes = [(await post(central, hub.token, ASK, limited)).status_code for _ in range(3)]
    assert codes == [200, 200, 429]
    assert (await post(central, other.token, ASK, limited)).status_code == 200
    transport = httpx.ASGITransport(app=limited)
    async with httpx.AsyncClient(transport=transport, base_url="http://c") as http:
        pull = await http.get("/v1/sync/pull", headers={"Authorization": f"Bearer {hub.token}"})
    assert pull.status_code == 200  # a desk that searched too much still syncs
