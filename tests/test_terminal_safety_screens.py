"""Every screen that shows a resident's name, a story or a reason, with hostile text in them.

One small council is seeded past the input rule (``tests.hostile``): a resident
whose name holds clipboard and title escapes, markup and a bidi override, with
a voucher, a payment card and its crisis request, a crisis flag and a referral
whose story, reason and notes hold the same. Each screen is opened at 80x24
in the real desk app and what Textual would send to the terminal is checked.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import uuid6

from cxdesk.screens.anomalies import AnomaliesScreen
from cxdesk.screens.crisis_flag import CrisisFlagScreen
from cxdesk.screens.customer_view import CustomerViewScreen
from cxdesk.screens.form_modal import FormField, FormModal
from cxdesk.screens.issue_item import IssueScreen
from cxdesk.screens.issue_story import IssueStoryScreen
from cxdesk.screens.manager_figures import ManagerFiguresScreen
from cxdesk.screens.reconciliation import ReconciliationScreen, SignOffDialog
from cxdesk.screens.referral_form import ReferralFormScreen
from cxdesk.screens.referral_view import ConfirmationScreen, ReferralViewScreen
from cxdesk.session import DeskSession
from cxdesk.store import customer_queries, referral_commands
from tests import hostile
from tests import supervision_helpers as h
from tests.customer_helpers import REFERRAL_CHOICES
from tests.deskkit import build_desk, give_keys, make_test_app, shows
from tests.test_screens_customers import settle

SUPERVISOR = DeskSession("S3001", "Sue Supervisor", "supervisor", "CSC", "Customer Service Centre")
WELFARE = DeskSession("S3001", "Sue Supervisor", "welfare", "CSC", "Customer Service Centre")


@pytest.fixture
def council(store, monkeypatch):
    """The hostile resident and their voucher, card, crisis request, flag and referral."""
    now = datetime.now(UTC)
    build_desk(store)
    give_keys(store, "S3001")  # opening a record is recorded, signed by who opened it
    h.set_time(store, now - timedelta(hours=2))
    h.receive(store)
    h.receive(store, first="PC000001", last="PC000010", kind="payment_card")
    cid = str(uuid6.uuid7())
    with hostile.allow_hostile(monkeypatch):
        store.record(
            "CustomerRegistered", hostile.customer_payload(cid), actor="A1001", role="advisor"
        )
        issue_id = h.voucher(
            store,
            cid,
            "FV000001",
            at=now - timedelta(hours=1),
            reason=hostile.TEXT,
            override=hostile.OSC52 + hostile.LINK,
            action="reason",
        )
        store.record(
            "PolicySet",
            {"kind": "food_voucher", "windows": [{"days": 7, "max": 1}], "action": "reason"},
            actor="S3001",
            role="supervisor",
        )
        # A repeat claim, so the anomalies screen has a finding naming the resident.
        h.voucher(
            store,
            cid,
            "FV000002",
            at=now - timedelta(minutes=30),
            reason="again",
            override=hostile.TEXT,
            action="reason",
        )
        h.card(store, cid, "PC000001", at=now - timedelta(minutes=10))
        h.set_time(store, now - timedelta(minutes=5))
        store.record(
            "CrisisFlagged",
            {
                "flag_id": f"flag-{uuid6.uuid7().hex[:12]}",
                "customer_id": cid,
                "other_signs": hostile.GIVEN,
                "actions": hostile.TEXT,
            },
            actor="A1001",
            role="advisor",
        )
        who = DeskSession("A1001", hostile.HOSTILE_NAME, "advisor", "CSC", "CSC")
        raw = {
            **REFERRAL_CHOICES,
            "story": hostile.TEXT,
            "already_told": hostile.TEXT,
            "customer_actions": f"Bring {hostile.LINK} {hostile.OSC0}",
        }
        referral_id = referral_commands.raise_referral(store, who, cid, raw)
        referral_commands.add_note(store, who, referral_id, hostile.TEXT)
    return {"customer": cid, "issue": issue_id, "referral": referral_id}


async def check(app, pilot, where: str) -> str:
    await settle(pilot)
    return hostile.assert_terminal_safe(app, where)


async def test_areas_show_hostile_names_safely(store, council):
    app = make_test_app(store)
    async with app.run_test(size=(80, 24)) as pilot:
        app.session = SUPERVISOR
        for mode in ("crisis", "queues", "log", "stock", "customers"):
            await app.switch_mode(mode)
            await check(app, pilot, mode)
        await app.switch_mode("crisis")
        assert shows(app, "[link='https")  # the name, literally, in the queue
        await app.switch_mode("queues")
        assert shows(app, "[link='https")  # the outgoing referral's customer


async def test_records_and_reports_show_hostile_text_safely(store, council):
    app = make_test_app(store)
    letter, _reference = referral_commands.confirmation_letter(store, council["referral"])
    screens = [
        CustomerViewScreen(council["customer"]),
        ReferralViewScreen(council["referral"]),
        ConfirmationScreen(letter, "R-TEST"),
        IssueStoryScreen(council["issue"]),
        AnomaliesScreen(),
        ReconciliationScreen(),
        ManagerFiguresScreen(),
    ]
    async with app.run_test(size=(80, 24)) as pilot:
        app.session = SUPERVISOR
        await app.switch_mode("log")
        for screen in screens:
            await app.push_screen(screen)
            shown = await check(app, pilot, type(screen).__name__)
            assert (
                "markup[/]" in shown.lower()
                or "[b]bold[/b]" in shown
                or isinstance(screen, ReconciliationScreen | ManagerFiguresScreen)
            ), type(screen).__name__
            await app.pop_screen()
        assert "\x1b" not in letter and "[link='https://evil.example/']" in letter


async def test_forms_and_dialogs_about_a_hostile_resident_are_safe(store, council):
    app = make_test_app(store)
    customer = customer_queries.get_customer(store, council["customer"])
    name = f"{customer.given_name} {customer.family_name}"
    modals = [
        ReferralFormScreen(customer),
        IssueScreen("food_voucher", council["customer"], name),
        IssueScreen("payment_card", council["customer"], name),
        CrisisFlagScreen(council["customer"], name),
        FormModal(
            f"Void an issue to {name}",
            [FormField("serial", name)],
            lambda v: None,
            intro=hostile.TEXT,
        ),
        SignOffDialog(hostile.GIVEN, datetime.now(UTC).date()),
    ]
    async with app.run_test(size=(80, 24)) as pilot:
        app.session = SUPERVISOR
        await app.switch_mode("customers")
        for screen in modals:
            await app.push_screen(screen)
            shown = await check(app, pilot, type(screen).__name__)
            assert "Markup[/]" in shown or "[link=" in shown, type(screen).__name__
            await app.pop_screen()
        # E on the record: the edit form's boxes hold the stored text, made safe.
        await app.push_screen(CustomerViewScreen(council["customer"]))
        await settle(pilot)
        await pilot.press("e")
        shown = await check(app, pilot, "edit form")
        assert "Markup[/]" in shown


async def test_notifications_and_errors_with_hostile_text_are_safe(store, council):
    app = make_test_app(store)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        app.session = SUPERVISOR
        await app.switch_mode("lookup")
        app.notify(hostile.TEXT, title=hostile.GIVEN)
        app.notify(f"<html>[Accept] {hostile.CLICK}</html>", severity="error")
        await pilot.press(*"[/]x")  # markup typed into a search box is text
        shown = await check(app, pilot, "lookup and toasts")
        assert "[b]bold[/b]" in shown and '"[/]x"' in shown
