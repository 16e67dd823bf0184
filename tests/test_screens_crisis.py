"""Pilot tests for issuing, the supervisor's approval, the crisis queue and crisis flags,
on the desk app with an advisor (or the Welfare team) signed in."""

from __future__ import annotations

import stat

from textual.widgets import DataTable, Input, Static

from cxdesk.errors import StoreError
from cxdesk.screens.crisis_flag import CrisisFlagScreen
from cxdesk.screens.crisis_queue import CrisisQueueScreen
from cxdesk.screens.form_modal import FormModal
from cxdesk.screens.issue_item import IssueScreen
from cxdesk.session import DeskSession
from cxdesk.store import issue_commands as ic
from tests import peek
from tests.conftest import keys_for
from tests.crisis_helpers import NOT_A_SUPERVISOR, PASSCODE, register, set_up_council
from tests.deskkit import run_desk

ADVISOR = DeskSession(
    "ADV1", "Alex Advisor", "advisor", "CSC", keys=keys_for("ADV1", NOT_A_SUPERVISOR)
)
WELFARE = DeskSession("WEL1", "Wendy Welfare", "welfare", "CSC", keys=keys_for("WEL1", PASSCODE))


async def settle(pilot) -> None:
    for _ in range(5):
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()


async def fill(pilot, selector: str, text: str) -> None:
    pilot.app.screen.query_one(selector, Input).focus()
    await pilot.pause()
    await pilot.press(*text) if text else None


def text_of(screen, selector: str) -> str:
    return str(screen.query_one(selector, Static).render())


async def test_issue_a_voucher(admin_store):
    set_up_council(admin_store)
    cid = register(admin_store)
    async with run_desk(admin_store, ADVISOR) as pilot:
        app = pilot.app
        await app.push_screen(IssueScreen("food_voucher", cid, "Jo Bloggs"))
        await settle(pilot)
        assert "none found" in text_of(app.screen, "#check")
        await pilot.press(*"fv000003", "enter")  # as a scanner would
        await settle(pilot)
        assert "in stock here" in text_of(app.screen, "#err-serial")
        await fill(pilot, "#f-reason", "no food")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "CONFIRMED" in text_of(app.screen, "#result")
        slips = admin_store.path.parent / "slips"
        assert not slips.exists()  # a slip is a file only when asked for
        await pilot.press("ctrl+t")
        await settle(pilot)
    assert peek.scalar(admin_store, "SELECT serial FROM issues WHERE customer_id = ?", (cid,)) == (
        "FV000003"
    )
    [slip] = slips.glob("*FV000003.txt")
    assert stat.S_IMODE(slip.stat().st_mode) == 0o600 and "FV000003" in slip.read_text()


async def test_bad_serial_and_amount_refused_with_input_kept(admin_store):
    set_up_council(admin_store)
    cid = register(admin_store)
    async with run_desk(admin_store, ADVISOR) as pilot:
        app = pilot.app
        await app.push_screen(IssueScreen("payment_card", cid, "Jo Bloggs"))
        await settle(pilot)
        await pilot.press(*"PC000101", "enter")
        await settle(pilot)
        assert "belongs to the stock at HUB-N" in text_of(app.screen, "#err-serial")
        await fill(pilot, "#f-serial", "")
        app.screen.query_one("#f-serial", Input).value = "PC000004"
        await fill(pilot, "#f-amount", "75")
        await fill(pilot, "#f-reason", "no money for the meter")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "most allowed here is £50" in text_of(app.screen, "#err-amount")
        assert app.screen.query_one("#f-reason", Input).value == "no money for the meter"
        assert app.screen.query_one("#f-amount", Input).value == "75"
    assert peek.scalar(admin_store, "SELECT COUNT(*) FROM issues") == 0


async def test_card_reaches_the_welfare_queue_and_is_completed(admin_store):
    set_up_council(admin_store)
    cid = register(admin_store)
    async with run_desk(admin_store, ADVISOR) as pilot:
        app = pilot.app
        await app.push_screen(IssueScreen("payment_card", cid, "Jo Bloggs"))
        await settle(pilot)
        await fill(pilot, "#f-serial", "PC000004")
        await fill(pilot, "#f-amount", "25")
        await fill(pilot, "#f-reason", "no money")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "Crisis payment due by" in text_of(app.screen, "#result")
    async with run_desk(admin_store, WELFARE) as pilot:
        app = pilot.app
        await app.push_screen(CrisisQueueScreen())
        await settle(pilot)
        table = app.screen.query_one(DataTable)
        assert table.row_count == 1 and "£25.00 on card PC000004" in str(table.row_cells(0)[2])
        assert "left" in str(table.row_cells(0)[0])
        await pilot.press("c")
        await settle(pilot)
        assert isinstance(app.screen, FormModal)
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen.query_one(DataTable).row_count == 0
    assert peek.scalar(admin_store, "SELECT status FROM crisis_payment_requests") == "completed"


async def test_repeat_claim_needs_a_supervisor_not_an_advisor(admin_store):
    set_up_council(admin_store)
    cid = register(admin_store)
    first = ic.check_repeat_claims(admin_store, "payment_card", cid)
    ic.issue_item(
        admin_store,
        actor="ADV1",
        role="advisor",
        location="CSC",
        kind="payment_card",
        customer_id=cid,
        serial_text="PC000001",
        amount_text="10",
        reason="no money",
        check=first,
    )
    async with run_desk(admin_store, ADVISOR) as pilot:
        app = pilot.app
        await app.push_screen(IssueScreen("payment_card", cid, "Jo Bloggs"))
        await settle(pilot)
        assert "REPEAT CLAIM" in text_of(app.screen, "#check")
        await fill(pilot, "#f-serial", "PC000002")
        await fill(pilot, "#f-amount", "10")
        await fill(pilot, "#f-reason", "no money")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "Write why" in text_of(app.screen, "#err-override_reason")
        await fill(pilot, "#f-override_reason", "card lost in a fire")
        await pilot.press("ctrl+s")
        await settle(pilot)
        modal = app.screen
        assert isinstance(modal, FormModal)
        await fill(pilot, "#f-staff_id", "ADV1")
        await fill(pilot, "#f-passcode", NOT_A_SUPERVISOR)
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "not a supervisor" in text_of(modal, "#err-form")
        assert peek.scalar(admin_store, "SELECT COUNT(*) FROM issues") == 1
        modal.query_one("#f-staff_id", Input).value = "SUP1"
        modal.query_one("#f-passcode", Input).value = PASSCODE
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "CONFIRMED" in text_of(app.screen, "#result")
    row = peek.query(
        admin_store,
        "SELECT approved_by, override_reason FROM issues WHERE serial = ?",
        ("PC000002",),
    )[0]
    assert tuple(row) == ("SUP1", "card lost in a fire")


async def test_crisis_flag_to_close(admin_store):
    set_up_council(admin_store, stock=False)
    cid = register(admin_store)
    async with run_desk(admin_store, ADVISOR) as pilot:
        app = pilot.app
        results: list = []
        await app.push_screen(CrisisFlagScreen(cid, "Jo Bloggs"), results.append)
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "at least one sign" in text_of(app.screen, "#err-form")
        app.screen.query_one("#signs").focus()
        await pilot.pause()
        await pilot.press("space", "down", "down", "down", "down", "space")  # no food, eviction
        await fill(pilot, "#f-actions", "rang housing options")
        await pilot.press("enter")
        await settle(pilot)
        assert results and results[0], text_of(app.screen, "#err-form")
        await app.push_screen(CrisisQueueScreen())
        await settle(pilot)
        table = app.screen.query_one(DataTable)
        assert "no food, eviction today" in str(table.row_cells(0)[2])
        await pilot.press("x")
        await settle(pilot)
        await fill(pilot, "#f-outcome", "placed in emergency housing")
        await pilot.press("enter")
        await settle(pilot)
        assert app.screen.query_one(DataTable).row_count == 0
    assert (
        peek.scalar(admin_store, "SELECT outcome FROM crisis_flags")
        == "placed in emergency housing"
    )


async def test_void_an_issue_from_the_customer_record(admin_store):
    from cxdesk.screens.customer_view import CustomerViewScreen
    from tests.test_issuing_store import issue

    set_up_council(admin_store)
    cid = register(admin_store)
    issue(admin_store, cid, "FV000004")
    async with run_desk(admin_store, ADVISOR) as pilot:
        app = pilot.app
        await app.push_screen(CustomerViewScreen(cid))
        await settle(pilot)
        await pilot.press("x")
        await settle(pilot)
        assert isinstance(app.screen, FormModal)
        await fill(pilot, "#f-serial", "fv000009")
        await fill(pilot, "#f-reason", "typed the wrong serial")
        await fill(pilot, "#f-item", "b")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, FormModal)  # not this customer's serial: refused, kept
        assert app.screen.query_one("#f-reason", Input).value == "typed the wrong serial"
        assert "not issued to this customer" in " ".join(
            str(s.render()) for s in app.screen.query(Static)
        )
        app.screen.query_one("#f-serial", Input).value = "FV000004"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, CustomerViewScreen)
    status, item = peek.query(
        admin_store,
        "SELECT i.status, s.status FROM issues i JOIN stock_items s ON s.serial = i.serial",
    )[0]
    assert status == "voided" and item == "voided_back"  # back in the drawer, issuable again


async def test_enter_on_the_last_field_does_not_go_back_to_the_serial(admin_store):
    set_up_council(admin_store)
    cid = register(admin_store)
    async with run_desk(admin_store, ADVISOR) as pilot:
        app = pilot.app
        await app.push_screen(IssueScreen("food_voucher", cid, "Jo Bloggs"))
        await settle(pilot)
        await pilot.press(*"fv000003", "enter")
        await settle(pilot)
        await pilot.press(*"no food", "enter")
        await settle(pilot)
        assert app.focused.id == "f-reason"
        assert app.screen.query_one("#f-serial", Input).value == "fv000003"
        assert "Ctrl+S confirms" in text_of(app.screen, "#err-form")


async def test_approval_is_void_after_a_failed_save_or_a_change(admin_store, monkeypatch):
    """The approval does not survive a failed save: what is saved next is approved afresh."""
    set_up_council(admin_store)
    cid = register(admin_store)
    ic.issue_item(
        admin_store,
        actor="ADV1",
        role="advisor",
        location="CSC",
        kind="payment_card",
        customer_id=cid,
        serial_text="PC000001",
        amount_text="10",
        reason="no money",
        check=ic.check_repeat_claims(admin_store, "payment_card", cid),
    )
    real_issue, failures = ic.issue_item, []

    def failing_once(*args, **kwargs):
        if not failures:
            failures.append(kwargs["approval"])
            raise StoreError("The disk is full: nothing was saved.")
        return real_issue(*args, **kwargs)

    monkeypatch.setattr(ic, "issue_item", failing_once)
    async with run_desk(admin_store, ADVISOR) as pilot:
        app = pilot.app
        await app.push_screen(IssueScreen("payment_card", cid, "Jo Bloggs"))
        await settle(pilot)
        for selector, text in (
            ("#f-serial", "PC000002"),
            ("#f-amount", "10"),
            ("#f-reason", "no money"),
            ("#f-override_reason", "fire"),
        ):
            await fill(pilot, selector, text)
        await pilot.press("ctrl+s")
        await settle(pilot)
        modal = app.screen
        assert isinstance(modal, FormModal)
        modal.query_one("#f-staff_id", Input).value = "SUP1"
        modal.query_one("#f-passcode", Input).value = PASSCODE
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert failures and failures[0].content["value_pence"] == 1000
        assert "disk is full" in text_of(app.screen, "#err-form")
        assert app.screen.approval is None  # void: the save failed
        # The advisor raises the amount: Ctrl+S asks a supervisor again, nothing is saved.
        app.screen.query_one("#f-amount", Input).value = "40"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, FormModal)
    assert peek.scalar(admin_store, "SELECT COUNT(*) FROM issues") == 1
