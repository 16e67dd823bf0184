"""Nothing from the data reaches the terminal raw: hostile names on every screen that shows one.

Each test stores text no desk accepts today (escape sequences that would set
the clipboard or the window title, C1 controls, bidi overrides, Rich markup
that would become a link, an action or a crash), opens the screen at 80x24
through the real app, and checks what Textual would send to the terminal.
"""

from __future__ import annotations

import httpx
import uuid6
from textual import events
from textual.widgets import DataTable, Input

from cxdesk.app import CxDeskApp
from cxdesk.config import load_settings
from cxdesk.screens.customer_view import CustomerViewScreen
from cxdesk.screens.sync_status import SyncStatusScreen
from cxdesk.session import DeskSession
from cxdesk.sync.client import AsyncSyncClient
from cxdesk.sync.worker import SyncWorker
from tests import hostile
from tests.deskkit import FakeClock, build_desk, give_keys, make_test_app, shows
from tests.test_screens_customers import open_area, settle

ADVISOR = DeskSession("A1001", "Sam Advisor", "advisor", "CSC", "Customer Service Centre")


def seed_customer(store, monkeypatch) -> str:
    build_desk(store)
    give_keys(store, "A1001")
    customer_id = str(uuid6.uuid7())
    hostile.record(store, monkeypatch, "CustomerRegistered", hostile.customer_payload(customer_id))
    note = {"customer_id": customer_id, "note": hostile.TEXT}
    hostile.record(store, monkeypatch, "CustomerNoteAdded", note)
    return customer_id


def shows_literally(app, *, escapes: bool = True) -> None:
    """The markup in the name is shown as typed, and escapes as visible symbols."""
    assert shows(app, "[link='https://evil.example/']Quill")
    assert not escapes or "␛" in hostile.terminal_output(app)


async def test_search_list_shows_a_hostile_name_safely(store, monkeypatch):
    seed_customer(store, monkeypatch)
    app = make_test_app(store)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_area(pilot, ADVISOR, "customers")
        await pilot.press(*hostile.SEARCH_WORD)
        await settle(pilot)
        assert app.screen.query_one("#customer-results", DataTable).row_count == 1
        hostile.assert_terminal_safe(app)
        shows_literally(app, escapes=False)  # the name column ends before the first escape


async def test_customer_record_shows_hostile_details_and_history_safely(store, monkeypatch):
    customer_id = seed_customer(store, monkeypatch)
    app = make_test_app(store)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_area(pilot, ADVISOR, "customers")
        await app.push_screen(CustomerViewScreen(customer_id))
        await settle(pilot)
        assert shows(app, "Markup[/]")
        hostile.assert_terminal_safe(app)
        shows_literally(app)
        await pilot.press("down")  # the note's line, shown whole under the table
        await settle(pilot)
        assert shows(app, "Story [b]bold[/b]")
        hostile.assert_terminal_safe(app)


async def test_a_hostile_staff_name_in_the_header_is_shown_safely(store):
    build_desk(store)
    app = make_test_app(store)
    who = DeskSession("A1001", hostile.HOSTILE_NAME, "advisor", "CSC", "CSC")
    async with app.run_test(size=(80, 24)) as pilot:
        await open_area(pilot, who, "customers")
        hostile.assert_terminal_safe(app)
        assert "Quill" in hostile.terminal_output(app)


CAPTIVE_PORTAL = (
    "<html><head><title>Sign in to FreeWiFi</title></head><body>"
    "<p>[Accept] the [b]terms[/b] Markup[/] [@click=app.quit]go[/]</p>"
    f"<script>var a = '{hostile.OSC52}';</script></body></html>"
)


def portal_worker(store, status: int) -> SyncWorker:
    """A sync worker whose network is a hotel Wi-Fi login page answering every request."""

    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(status, html=CAPTIVE_PORTAL)

    client = AsyncSyncClient(
        "http://central.invalid", "token", transport=httpx.MockTransport(answer)
    )
    return SyncWorker(store, client, interval=60)


async def _f8_with_portal(store, status: int) -> None:
    build_desk(store)
    worker = portal_worker(store, status)
    app = CxDeskApp(load_settings(), store, worker, clock=FakeClock())
    async with app.run_test(size=(80, 24)) as pilot:
        for _ in range(200):
            if worker.status.last_error:
                break
            await pilot.pause(0.01)
        assert worker.status.last_error
        app.session = ADVISOR
        await app.switch_mode("sync")  # F8
        assert isinstance(app.screen, SyncStatusScreen)
        # Not ``settle``: the sync worker never completes. The screen's own load may not
        # have started yet, so wait (bounded) for what it shows.
        for _ in range(400):
            if shows(app, "Last problem:"):
                break
            await pilot.pause(0.01)
        assert shows(app, "Last problem:")
        hostile.assert_terminal_safe(app)
        worker.stop()


async def test_f8_shows_a_captive_portal_page_safely(store):
    await _f8_with_portal(store, 200)


async def test_f8_shows_a_captive_portal_refusal_safely(store):
    await _f8_with_portal(store, 403)


async def test_a_pasted_escape_sequence_is_typed_as_visible_symbols(store):
    build_desk(store)
    app = make_test_app(store)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_area(pilot, ADVISOR, "customers")
        app.post_message(events.Paste(f"quill{hostile.OSC0}{hostile.BIDI}"))
        await settle(pilot)
        box = app.screen.query_one("#customer-search", Input)
        assert box.value.startswith("quill␛]0;pwned␇")
        hostile.assert_terminal_safe(app)
