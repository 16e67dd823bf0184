"""QuickSelect: typed letters choose, a blank list opens on a real choice."""

from __future__ import annotations

from textual.app import App, ComposeResult
from textual.widgets import Input
from textual.widgets._select import SelectOverlay

from cxdesk.widgets.quick_select import QuickSelect, best_match

TEAMS = ["Adult Learning", "Housing Benefit", "Housing Options", "Welfare Assistance"]


def test_best_match_prefers_start_then_word_then_anywhere():
    assert best_match("hous", TEAMS) == 1
    assert best_match("housing o", TEAMS) == 2
    assert best_match("options", TEAMS) == 2
    assert best_match("ssist", TEAMS) == 3
    assert best_match("zzz", TEAMS) is None
    assert best_match("  ", TEAMS) is None


class _Form(App):
    def compose(self) -> ComposeResult:
        yield QuickSelect([(t, t.lower()) for t in TEAMS], prompt="Choose", id="team")
        yield Input(id="after")


async def test_typing_into_a_closed_select_chooses():
    app = _Form()
    async with app.run_test(size=(80, 24)) as pilot:
        select = app.query_one("#team", QuickSelect)
        select.focus()
        await pilot.press(*"housing o")
        assert select.value == "housing options"
        assert not select.expanded


async def test_blank_select_opens_on_first_real_choice():
    app = _Form()
    async with app.run_test(size=(80, 24)) as pilot:
        select = app.query_one("#team", QuickSelect)
        select.focus()
        await pilot.press("enter")
        await pilot.pause()
        assert select.expanded
        await pilot.press("enter")
        await pilot.pause()
        assert select.value == "adult learning"
        assert app.query_one(SelectOverlay).highlighted is not None
