"""Snapshots of the supervisor's screens at 80x24 (log, story, anomalies, reconciliation,
manager figures, stock, F8 sync status) with long names and a long location id, and the
log without colour. Accept a change with ``pytest --snapshot-update`` after looking at it.

Time is frozen at Monday 30 November 2026, 19:10 GMT; the issues are in the days before,
so every date, countdown and "late" is the same on every run.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from cxdesk.session import DeskSession
from cxdesk.store.eventlog import record_ack
from tests import supervision_helpers as h
from tests.deskkit import make_test_app, settle

SIZE = (80, 24)
FROZEN = datetime(2026, 11, 30, 19, 10, tzinfo=UTC)
SUPERVISOR = DeskSession("S1", "Pat Supervisor", "supervisor", "CSC", "Customer Service Centre")
LONG_PLACE = ("RIVERSIDE-NORTH", "Riverside North Community Hub and Family Support Library")


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(FROZEN, tick=False):
        yield


@pytest.fixture
def office(admin_store):
    """Two locations and one with a long id and name; vouchers, a late card, a count."""
    s = admin_store
    morning = FROZEN.replace(hour=10, minute=0)
    h.set_time(s, morning - timedelta(days=4))
    h.council(s)
    loc, name = LONG_PLACE
    s.record(
        "LocationDefined",
        {"location_id": loc, "name": name, "kind": "hub"},
        actor="ADMIN1",
        role="admin",
    )
    h.receive(s)
    h.receive(s, first="FV000101", last="FV000200", location=loc)
    h.receive(s, first="PC000001", last="PC000050", kind="payment_card")
    long = h.customer(
        s,
        "Bartholomew-Alexander Maximilian",
        "Featherstonehaugh-Montgomery",
        dob="1988-02-29",
        postcode="EM2 7DN",
    )
    kim = h.customer(s, "Kim", "Lee", dob="1975-01-01", postcode="NE1 4ST")
    h.voucher(
        s,
        long,
        "FV000001",
        at=morning - timedelta(days=2),
        reason="no food until payday; benefit sanction appeal still outstanding",
    )
    h.voucher(s, kim, "FV000101", at=morning - timedelta(days=1), location=loc, advisor="A2")
    h.voucher(
        s,
        long,
        "FV000102",
        at=morning - timedelta(hours=2),
        location=loc,
        override="second voucher this week: children at home, cupboard empty",
        action="reason",
    )
    h.card(s, long, "PC000001", at=morning - timedelta(days=1, hours=-2))
    h.count(s, 97, at=morning - timedelta(hours=1), expected=98)
    return s


def as_supervisor(mode: str, *keys: str):
    async def run(pilot) -> None:
        pilot.app.session = SUPERVISOR
        await pilot.app.switch_mode(mode)
        await settle(pilot)
        for key in keys:
            await pilot.press(key)
        await settle(pilot)

    return run


def test_issue_log(office, snap_compare):
    assert snap_compare(make_test_app(office), run_before=as_supervisor("log"), terminal_size=SIZE)


def test_issue_log_without_colour(office, snap_compare, monkeypatch):
    monkeypatch.setenv("NO_COLOR", "1")
    run = as_supervisor("log", "down")
    assert snap_compare(make_test_app(office), run_before=run, terminal_size=SIZE)


def test_issue_story(office, snap_compare):
    run = as_supervisor("log", "enter")
    assert snap_compare(make_test_app(office), run_before=run, terminal_size=SIZE)


def test_stock_long_location(office, snap_compare):
    run = as_supervisor("stock", "down")
    assert snap_compare(make_test_app(office), run_before=run, terminal_size=SIZE)


def test_sync_status_with_a_rejected_event(office, snap_compare):
    event = office.record(
        "SignInFailed", {"staff_id": "A2", "reason": "wrong"}, actor="desk", role=None
    )
    why = "Staff A2 is not on the roster at RIVERSIDE-NORTH on the day this was recorded"
    with office.transaction() as conn:
        record_ack(conn, event, status="rejected", reason=why)
    run = as_supervisor("sync")
    assert snap_compare(make_test_app(office), run_before=run, terminal_size=SIZE)


def test_anomalies(office, snap_compare):
    run = as_supervisor("log", "ctrl+g")
    assert snap_compare(make_test_app(office), run_before=run, terminal_size=SIZE)


def test_reconciliation(office, snap_compare):
    run = as_supervisor("log", "ctrl+o")
    assert snap_compare(make_test_app(office), run_before=run, terminal_size=SIZE)


def test_manager_figures(office, snap_compare):
    run = as_supervisor("log", "ctrl+f")
    assert snap_compare(make_test_app(office), run_before=run, terminal_size=SIZE)


def test_contact_figures(office, snap_compare):
    run = as_supervisor("log", "ctrl+k")
    assert snap_compare(make_test_app(office), run_before=run, terminal_size=SIZE)


def test_crisis_queue_with_a_late_request(office, snap_compare):
    run = as_supervisor("crisis")
    assert snap_compare(make_test_app(office), run_before=run, terminal_size=SIZE)


def test_crisis_queue_without_colour(office, snap_compare, monkeypatch):
    monkeypatch.setenv("NO_COLOR", "1")
    run = as_supervisor("crisis")
    assert snap_compare(make_test_app(office), run_before=run, terminal_size=SIZE)
