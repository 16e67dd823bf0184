"""The supervisor's log screens at 80x24: filtering, the story, sign-off, export, refusal."""

from __future__ import annotations

import csv
from datetime import UTC, datetime, timedelta

import pytest
from textual.widgets import DataTable, Input, Static

from cxdesk.domain.validation import london_today
from cxdesk.screens.issue_log import IssueLogScreen
from cxdesk.screens.issue_story import IssueStoryScreen
from cxdesk.screens.reconciliation import ReconciliationScreen, SignOffDialog
from cxdesk.session import DeskSession
from tests import peek

from . import supervision_helpers as h
from .deskkit import run_desk

SUPERVISOR = DeskSession("S1", "Pat Supervisor", "supervisor", "CSC")
ADVISOR = DeskSession("A1", "Sam Advisor", "advisor", "CSC")


@pytest.fixture
def filled(admin_store):
    """Recent issues (within the screen's default 7 days) at two locations."""
    s = admin_store
    today = datetime.combine(london_today(), datetime.min.time(), UTC) + timedelta(hours=10)
    h.set_time(s, today - timedelta(days=3))
    h.council(s)
    h.receive(s)
    h.receive(s, first="FV000101", last="FV000200", location="HUB-N")
    zoe = h.customer(s, "Zoë", "Jones")
    kim = h.customer(s, "Kim", "Lee", dob="1975-01-01", postcode="NE1 4ST")
    h.voucher(s, zoe, "FV000001", at=today - timedelta(days=2))
    h.voucher(
        s,
        kim,
        "FV000101",
        at=today - timedelta(days=1),
        location="HUB-N",
        advisor="A2",
        override="=cmd|' /C calc'!A0",
        action="reason",
    )
    h.voucher(s, kim, "FV000002", at=today - timedelta(hours=1))
    return s, today


async def settle(pilot):
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


def table_rows(screen, table_id="#log-table"):
    """Each row's cells as the words shown (cells are ``Text``: data is never markup)."""
    table = screen.query_one(table_id, DataTable)
    if hasattr(table, "row_cells"):  # every column, including those too wide for 80 columns
        rows = [table.row_cells(i) for i in range(table.row_count)]
    else:
        rows = [table.get_row_at(i) for i in range(table.row_count)]
    return [[str(cell) for cell in row] for row in rows]


async def test_log_lists_newest_first_and_filters_combine(filled, tmp_path):
    store, _ = filled
    async with run_desk(store, SUPERVISOR, data_dir=tmp_path) as pilot:
        app = pilot.app
        await app.push_screen(IssueLogScreen())
        await settle(pilot)
        screen = app.screen
        rows = table_rows(screen)
        assert [r[5] for r in rows] == ["FV000002", "FV000101", "FV000001"]
        assert str(rows[0][3]) == "Kim Lee b.1975 NE1"
        totals = str(screen.query_one("#log-totals", Static).render())
        assert "3 issues · £15" in totals
        source = str(screen.query_one("#log-source", Static).render())
        assert source.startswith("This location's data (offline). This desk is not connected")
        # Location HUB-N and overrides only, together.
        screen.query_one("#location", Input).value = "hub-n"
        screen.query_one("#location", Input).focus()
        await pilot.press("enter")
        await settle(pilot)
        assert [r[5] for r in table_rows(screen)] == ["FV000101"]
        # Overrides only, with the location cleared: the toggle applies at once.
        screen.query_one("#location", Input).value = ""
        screen.query_one("#overrides_only").focus()
        await pilot.press("space")
        await settle(pilot)
        assert [r[5] for r in table_rows(screen)] == ["FV000101"]
        assert "▐X▌" in str(screen.query_one("#overrides_only").render())
        screen.query_one("#location", Input).value = "CSC"
        screen.action_apply()
        await settle(pilot)
        assert table_rows(screen) == []
        assert "0 issues · £0" in str(screen.query_one("#log-totals", Static).render())


async def test_a_wrong_date_is_shown_and_the_field_marked(filled, tmp_path):
    store, _ = filled
    async with run_desk(store, SUPERVISOR, data_dir=tmp_path) as pilot:
        app = pilot.app
        await app.push_screen(IssueLogScreen())
        await settle(pilot)
        field = app.screen.query_one("#date_from", Input)
        field.value = "31/02/2026"
        field.focus()
        await pilot.press("enter")
        await settle(pilot)
        assert "There is no 31 February" in str(app.screen.query_one("#log-error").render())
        assert field.has_class("-invalid") and field.value == "31/02/2026"


async def test_enter_opens_the_story_and_escape_returns(filled, tmp_path):
    store, _ = filled
    async with run_desk(store, SUPERVISOR, data_dir=tmp_path) as pilot:
        app = pilot.app
        await app.push_screen(IssueLogScreen())
        await settle(pilot)
        app.screen.query_one("#log-table", DataTable).focus()
        await pilot.press("down", "enter")
        await settle(pilot)
        assert isinstance(app.screen, IssueStoryScreen)
        text = str(app.screen.query_one("#story", Static).render())
        assert "FV000101" in text and "Override: =cmd" in text
        assert "Earlier issues to this customer, everywhere (0)" in text
        await pilot.press("escape")
        assert isinstance(app.screen, IssueLogScreen)


async def test_export_writes_the_filtered_log_and_shows_the_path(filled, tmp_path):
    store, _ = filled
    async with run_desk(store, SUPERVISOR, data_dir=tmp_path) as pilot:
        app = pilot.app
        await app.push_screen(IssueLogScreen())
        await settle(pilot)
        app.screen.query_one("#log-table", DataTable).focus()
        await pilot.press("ctrl+t")
        await settle(pilot)
        line = str(app.screen.query_one("#log-error", Static).render())
    [path] = list((tmp_path / "exports").glob("issues-*.csv"))
    assert f"Exported 3 issues to {path}" in line
    rows = list(csv.DictReader(path.open(encoding="utf-8-sig")))
    assert [r["serial"] for r in rows] == ["FV000002", "FV000101", "FV000001"]
    assert rows[1]["override_reason"].startswith("'=cmd")


async def test_sign_off_from_reconciliation_and_late_arrival_is_highlighted(filled, tmp_path):
    store, today = filled
    async with run_desk(store, SUPERVISOR, data_dir=tmp_path) as pilot:
        app = pilot.app
        await app.push_screen(ReconciliationScreen("CSC"))
        await settle(pilot)
        screen = app.screen
        rows = table_rows(screen, "#recon-table")
        day_two = (today - timedelta(days=2)).strftime("%d/%m")
        index = next(i for i, r in enumerate(rows) if r[0] == day_two)
        table = screen.query_one("#recon-table", DataTable)
        table.focus()
        table.move_cursor(row=index)
        await pilot.press("ctrl+o")
        await settle(pilot)
        assert isinstance(app.screen, SignOffDialog)
        await pilot.press(*"1 voucher, count ok")
        await pilot.press("enter")
        await settle(pilot)
        assert table_rows(screen, "#recon-table")[index][-1] == "S1"
        # A voucher for that day reaches the desk after the sign-off (as from the feed:
        # the advisor who issued it is not signed in here).
        store.require_signatures = False
        h.voucher(
            store,
            h.customer(store, "Al", "Late"),
            "FV000050",
            at=today - timedelta(days=2, hours=-1),
        )
        store.require_signatures = True
        screen.action_apply()
        await settle(pilot)
        assert table_rows(screen, "#recon-table")[index][-1] == "S1 +1 late"
    signed = peek.query(store, "SELECT signed_by, day, note FROM signoffs")
    assert [tuple(r) for r in signed] == [
        ("S1", (today - timedelta(days=2)).date().isoformat(), "1 voucher, count ok")
    ]
    async with run_desk(store, SUPERVISOR, data_dir=tmp_path) as pilot:
        app = pilot.app
        await app.push_screen(IssueLogScreen())
        await settle(pilot)
        statuses = {r[5]: r[10] for r in table_rows(app.screen)}
        assert statuses["FV000050"] == "issued, after sign-off"
        assert statuses["FV000001"] == "issued"


@pytest.mark.parametrize("session", [ADVISOR, None])
async def test_non_supervisors_are_refused(filled, tmp_path, session):
    store, _ = filled
    async with run_desk(store, session, data_dir=tmp_path) as pilot:
        app = pilot.app
        await app.push_screen(IssueLogScreen())
        await settle(pilot)
        screen = app.screen
        refusal = str(screen.query_one("#refusal", Static).render())
        assert "for supervisors only" in refusal
        assert not screen.query_one("#log-table", DataTable).display
        assert screen.query_one("#log-table", DataTable).row_count == 0
        assert screen.check_action("export", ()) is False
        await pilot.press("ctrl+t")
        await settle(pilot)
    assert not (tmp_path / "exports").exists()
