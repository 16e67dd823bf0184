"""The lookup (home) screen and the directory detail, driven through the app at 80x24."""

from __future__ import annotations

import pytest
from textual.widgets import Input

from cxdesk.screens.directory_detail import DirectoryDetailScreen
from cxdesk.screens.lookup import LookupScreen

from .deskkit import build_desk, make_test_app, screen_text, settle, shows, sign_in

SIZE = (80, 24)


@pytest.fixture
def desk(store):
    return build_desk(store)


def result_names(app) -> list[str]:
    return [r.entry.name for r in app.screen.results]


async def test_typo_and_run_together_words(desk):
    app = make_test_app(desk)
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(pilot, "A1001")
        await settle(pilot)
        assert shows(app, "teams and services")  # the whole directory before typing
        await pilot.press(*"housng")
        await settle(pilot)
        assert result_names(app)[0] == "Housing Options"
        assert "Housing Options" in screen_text(app)
        assert "020 7946 0101" in screen_text(app)
        await pilot.press("escape")
        await pilot.press(*"counciltax")
        await settle(pilot)
        assert "Council Tax" in result_names(app)[0]
        assert any(word in screen_text(app) for word in ("Open now", "Closed", "Open 24"))


async def test_results_follow_every_keystroke(desk):
    app = make_test_app(desk)
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(pilot, "A1001")
        await pilot.press(*"food")
        await settle(pilot)
        food = result_names(app)
        await pilot.press("backspace", "backspace", "backspace", "backspace", *"tax council")
        await settle(pilot)
        assert result_names(app) != food
        assert "Council Tax" in result_names(app)[0]


async def test_detail_shows_staff_only_and_out_of_hours(desk):
    app = make_test_app(desk)
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(pilot, "A1001")
        await pilot.press(*"housing options")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, DirectoryDetailScreen)
        text = " ".join(screen_text(app).split())
        assert "STAFF ONLY: do not give to the public" in text
        assert "020 7946 0101" in text
        assert "Out of hours" in text and "020 7946 0190" in text
        assert "Mon–Fri: 09:00–17:00" in text
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, LookupScreen)
        assert app.screen.query_one("#search", Input).value == "housing options"


async def test_public_entry_has_no_staff_only_marking(desk):
    app = make_test_app(desk)
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(pilot, "A1001")
        await pilot.press(*"homelessness out of hours")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert "Homelessness Out of Hours" in screen_text(app)
        assert "STAFF ONLY" not in screen_text(app)


async def test_copy_number_to_clipboard(desk):
    app = make_test_app(desk)
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(pilot, "A1001")
        await pilot.press(*"housing options")
        await settle(pilot)
        await pilot.press("ctrl+y")
        await pilot.pause()
        assert app.clipboard == "020 7946 0101"
        assert any("Copied 020 7946 0101" in n.message for n in app._notifications)
        await pilot.press("escape")  # what happened on the line: not now
        await pilot.press("enter")
        await settle(pilot)
        await pilot.press("o")
        await pilot.pause()
        assert app.clipboard == "020 7946 0190"
        await pilot.press("c")
        await pilot.pause()
        assert app.clipboard == "020 7946 0101"


async def test_nothing_found_and_empty_directory(store):
    build_desk(store, with_directory=False)
    app = make_test_app(store)
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(pilot, "A1001")
        await settle(pilot)
        assert shows(app, "The directory on this desk is empty")
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, LookupScreen)


async def test_nothing_matches(desk):
    app = make_test_app(desk)
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(pilot, "A1001")
        await pilot.press(*"zzqx")
        await settle(pilot)
        assert shows(app, 'Nothing matches "zzqx"')


async def test_no_color_detail(desk, monkeypatch):
    monkeypatch.setenv("NO_COLOR", "1")
    app = make_test_app(desk)
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(pilot, "A1001")
        await pilot.press(*"housing options", "enter")
        await settle(pilot)
        assert shows(app, "STAFF ONLY: do not give to the public")
