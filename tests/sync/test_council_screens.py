"""The supervisor's screens ask the real central API when online, and say so; offline they
show the desk's own data, labelled, with the reason. 80x24, SQLite and PostgreSQL."""

from __future__ import annotations

import csv
from dataclasses import replace

from textual.widgets import Static

from cxdesk.screens.issue_log import IssueLogScreen
from cxdesk.screens.manager_figures import ManagerFiguresScreen
from cxdesk.screens.reconciliation import ReconciliationScreen
from cxdesk.session import DeskSession
from cxdesk.sync.client import AsyncSyncClient
from cxdesk.sync.worker import SyncWorker
from tests import peek

from ..conftest import keys_for
from ..deskkit import run_desk
from ..test_screens_issue_log import settle, table_rows
from .test_council_reports import council_with_issues

SUPERVISOR = DeskSession("SUP1", "Sam Super", "supervisor", "HUB-S", keys=keys_for("SUP1"))


def shown(screen, selector: str) -> str:
    return str(screen.query_one(selector, Static).render())


async def test_online_the_log_is_council_wide(central, tmp_path):
    _north, south, _cid, voucher, card = await council_with_issues(central)
    async with run_desk(south.store, SUPERVISOR, data_dir=tmp_path) as pilot:
        app = pilot.app
        app.sync = SyncWorker(south.store, south.client)  # not running: its client asks
        await app.push_screen(IssueLogScreen())
        await settle(pilot)
        screen = app.screen
        assert shown(screen, "#log-source").startswith("Council-wide (central, as of ")
        rows = table_rows(screen)
        assert sorted(r[5] for r in rows) == ["FV000101", "FV000102", "PC000101"]  # at HUB-N
        assert all(r[1] == "HUB-N" for r in rows)
        assert "Maria Okafor" in rows[0][3]
        assert shown(screen, "#log-totals").startswith("3 issues · £30 · showing 1-3")

        # A row from another location has no story here, and the screen says so.
        await pilot.press("enter")
        await settle(pilot)
        assert "made at another location" in shown(app.screen, "#story")
        await pilot.press("escape")
        await settle(pilot)

        # Filters still work, centrally: only the voided card.
        await pilot.click("#voided")
        await settle(pilot)
        assert [r[5] for r in table_rows(screen)] == ["PC000101"]

        # Ctrl+T exports what is shown: the council-wide rows.
        await pilot.press("ctrl+t")
        await settle(pilot)
        [path] = (tmp_path / "exports").glob("issues-*.csv")
        with path.open(newline="") as handle:
            exported = list(csv.DictReader(handle))
        assert [row["issue_id"] for row in exported] == [card.issue_id]

        await app.push_screen(ReconciliationScreen())
        await settle(pilot)
        assert shown(app.screen, "#recon-source").startswith("Council-wide (central, as of ")
        assert {r[1] for r in table_rows(app.screen, "#recon-table")} == {"HUB-N"}
        await app.push_screen(ManagerFiguresScreen())
        await settle(pilot)
        assert shown(app.screen, "#figures-source").startswith("Council-wide (central")
        assert [r[1] for r in table_rows(app.screen, "#figures-table")] == ["HUB-N"]
    assert voucher.issue_id not in {
        r[0] for r in peek.query(south.store, "SELECT issue_id FROM issues")
    }


async def test_offline_the_log_is_this_locations_labelled(central, tmp_path):
    north, _south, *_ = await council_with_issues(central)
    # The hub's own desk, with its central API out of reach (nothing listens on port 9).
    async with run_desk(north.store, SUPERVISOR, data_dir=tmp_path) as pilot:
        app = pilot.app
        app.sync = SyncWorker(north.store, AsyncSyncClient("http://127.0.0.1:9", north.token))
        await app.push_screen(IssueLogScreen())
        await settle(pilot)
        screen = app.screen
        source = shown(screen, "#log-source")
        assert source.startswith("This location's data (offline). The central API cannot")
        assert sorted(r[5] for r in table_rows(screen)) == ["FV000101", "FV000102", "PC000101"]

        # Known offline: the desk does not even ask, and says so.
        app.sync.status = replace(app.sync.status, online=False)
        await pilot.press("ctrl+r")
        await settle(pilot)
        assert shown(screen, "#log-source") == (
            "This location's data (offline). The desk is offline, so the central API "
            "cannot be asked."
        )
        await app.push_screen(ManagerFiguresScreen())
        await settle(pilot)
        assert shown(app.screen, "#figures-source").startswith("This location's data (offline)")


async def test_an_advisor_key_is_refused_and_the_screen_says_why(central, tmp_path):
    """A desk that thinks someone is a supervisor cannot talk the server into it."""
    _north, south, *_ = await council_with_issues(central)
    posing = DeskSession("ADV1", "Alex Advisor", "supervisor", "HUB-S", keys=keys_for("ADV1"))
    async with run_desk(south.store, posing, data_dir=tmp_path) as pilot:
        app = pilot.app
        app.sync = SyncWorker(south.store, south.client)
        await app.push_screen(IssueLogScreen())
        await settle(pilot)
        source = shown(app.screen, "#log-source")
        assert source.startswith("This location's data (offline). The central API refused")
        assert "not a supervisor" in source and "(403)" in source
        assert table_rows(app.screen) == []
