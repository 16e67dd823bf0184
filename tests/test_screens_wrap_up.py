"""The wrap-up at 80x24: offered on leaving a record, F12 from anywhere, an anonymous hub
visit in three keys, and leaving unwrapped only with a reason."""

from __future__ import annotations

from textual.worker import WorkerCancelled

from cxdesk import locations
from cxdesk.screens.customer_view import CustomerViewScreen
from cxdesk.screens.wrap_up import WrapUpScreen
from cxdesk.seed.contacts import reasons_payload
from cxdesk.session import DeskSession
from cxdesk.store import customer_commands
from tests import peek
from tests.customer_helpers import MARIA
from tests.deskkit import build_desk, give_keys, make_test_app, shows, start_session

ADVISOR = DeskSession("A1001", "Sam Advisor", "advisor", "CSC", "Customer Service Centre")
SIZE = (80, 24)


async def settle(pilot) -> None:
    """Let workers finish (one cancelled by the next keystroke is fine) and redraw."""
    for _ in range(4):
        try:
            await pilot.app.workers.wait_for_complete()
        except WorkerCancelled:
            continue
        await pilot.pause()


def council(store):
    build_desk(store)
    payload = reasons_payload(locations.fixtures_dir() / "contact_reasons.json")
    store.record("ContactReasonsSet", payload, actor="ADMIN1", role="admin")
    return store


async def start(pilot, mode="lookup"):
    await start_session(pilot, ADVISOR)
    await pilot.app.switch_mode(mode)
    await settle(pilot)


def contacts(store):
    return [dict(r) for r in peek.query(store, "SELECT * FROM contacts")]


def reasons_of(store, contact_id):
    rows = peek.query(
        store, "SELECT reason FROM contact_reason_links WHERE contact_id = ?", (contact_id,)
    )
    return sorted(r["reason"] for r in rows)


async def test_leaving_a_record_offers_the_wrap_up(store):
    council(store)
    cid = customer_commands.register_customer(store, ADVISOR, MARIA)
    app = make_test_app(store)
    async with app.run_test(size=SIZE) as pilot:
        await start(pilot, "customers")
        await app.push_screen(CustomerViewScreen(cid))
        await settle(pilot)
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, WrapUpScreen)
        assert shows(app, "Wrap up the contact with Maria Okafor")
        await pilot.press(*"bins misd", "enter")  # a typo, as the resident talks
        await settle(pilot)
        assert shows(app, "Reasons: Missed bin collection")
        await pilot.press("+", *"counsil tax bill", "enter", "w", "1")
        await settle(pilot)
        assert not isinstance(app.screen, (WrapUpScreen, CustomerViewScreen))
        [row] = contacts(store)
        assert (row["customer_id"], row["channel"], row["outcome"]) == (cid, "webchat", "resolved")
        assert reasons_of(store, row["contact_id"]) == ["bins-missed", "council-tax-bill"]


async def test_anonymous_hub_visit_in_three_keys_from_any_screen(store):
    council(store)
    app = make_test_app(store)
    async with app.run_test(size=SIZE) as pilot:
        await start(pilot)
        await pilot.press("f12")
        await settle(pilot)
        assert shows(app, "anonymous contact")
        assert not shows(app, "Referred")  # nobody to refer
        await pilot.press("enter", "6")
        await settle(pilot)
        assert not isinstance(app.screen, WrapUpScreen)
        [row] = contacts(store)
        assert row["customer_id"] is None
        assert (row["channel"], row["outcome"]) == ("face", "advice")
        assert reasons_of(store, row["contact_id"]) == ["council-tax-bill"]  # top of the list


async def test_leaving_unwrapped_needs_a_reason_and_f12_can_just_close(store):
    council(store)
    cid = customer_commands.register_customer(store, ADVISOR, MARIA)
    app = make_test_app(store)
    async with app.run_test(size=SIZE) as pilot:
        await start(pilot, "customers")
        await pilot.press("f12", "escape")  # opened by choice: closes, nothing recorded
        await settle(pilot)
        assert not isinstance(app.screen, WrapUpScreen)
        await app.push_screen(CustomerViewScreen(cid))
        await settle(pilot)
        await pilot.press("escape")
        await settle(pilot)
        await pilot.press("escape")  # offered on leaving: asks why
        await settle(pilot)
        assert shows(app, "Leave this contact without a wrap-up")
        await pilot.press("enter")  # blank is refused
        await settle(pilot)
        assert shows(app, "Please write something first")
        await pilot.press(*"Resident left before we finished", "enter")
        await settle(pilot)
        assert not isinstance(app.screen, (WrapUpScreen, CustomerViewScreen))
        assert contacts(store) == []
        why = peek.scalar(
            store, "SELECT reason FROM contacts_unwrapped WHERE customer_id = ?", (cid,)
        )
        assert why == "Resident left before we finished"


async def test_reason_labels_show_as_text_not_markup(store):
    council(store)
    hostile = {"reasons": [{"code": "odd", "label": "[bold]Odd[/] [@click=app.quit]x[/]"}]}
    store.record("ContactReasonsSet", hostile, actor="ADMIN1", role="admin")
    app = make_test_app(store)
    async with app.run_test(size=SIZE) as pilot:
        await start(pilot)
        await pilot.press("f12")
        await settle(pilot)
        assert shows(app, "[bold]Odd[/] [@click=app.quit]x[/]")


async def test_a_referral_raised_from_the_record_offers_a_wrap_up_linked_to_it(store):
    from cxdesk.store import referral_commands
    from tests.customer_helpers import REFERRAL_CHOICES

    council(store)
    cid = customer_commands.register_customer(store, ADVISOR, MARIA)
    app = make_test_app(store)
    async with app.run_test(size=SIZE) as pilot:
        await start(pilot, "customers")
        await app.push_screen(CustomerViewScreen(cid))
        await settle(pilot)
        rid = referral_commands.raise_referral(
            store, ADVISOR, cid, {**REFERRAL_CHOICES, "story": "Notice to leave by Friday."}
        )
        await pilot.press("f1")  # away and back, as the referral form does
        await settle(pilot)
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, WrapUpScreen)
        await pilot.press(*"homeless", "enter", "2")
        await settle(pilot)
        assert isinstance(app.screen, CustomerViewScreen)  # offered mid-visit: still there
        [row] = contacts(store)
        assert (row["outcome"], row["referral_id"]) == ("referred", rid)
        await pilot.press("escape")  # already wrapped up: leaving asks nothing more
        await settle(pilot)
        assert not isinstance(app.screen, (WrapUpScreen, CustomerViewScreen))


async def test_supervisor_sees_contact_figures_from_the_log(store):
    from cxdesk.screens.contact_figures import ContactFiguresScreen
    from cxdesk.store import contact_commands

    council(store)
    for outcome in ("resolved", "advice"):
        contact_commands.wrap_contact(
            store,
            actor="A1001",
            role="advisor",
            customer_id=None,
            reasons=["bulky-waste"],
            channel="face",
            outcome=outcome,
        )
    supervisor = DeskSession("S3001", "Sue Supervisor", "supervisor", "HUB-NORTH", "North Hub")
    app = make_test_app(store)
    async with app.run_test(size=SIZE) as pilot:
        pilot.app.session = supervisor
        give_keys(store, "S3001")
        await pilot.app.switch_mode("log")
        await settle(pilot)
        await pilot.press("ctrl+k")
        await settle(pilot)
        assert isinstance(app.screen, ContactFiguresScreen)
        assert shows(app, "Contacts by reason (1/11")
        assert shows(app, "Bulky waste collection") and shows(app, "100.0%")
        await pilot.press("ctrl+n")
        await settle(pilot)
        assert shows(app, "Contacts by channel") and shows(app, "Face to face")
        for _ in range(6):
            await pilot.press("ctrl+n")
        await settle(pilot)
        assert shows(app, "Anonymous footfall") and shows(app, "CSC")


async def test_digital_exclusion_recorded_once_on_the_record_and_shown(store):
    from cxdesk.screens.digital_exclusion import DigitalExclusionScreen
    from cxdesk.store import contact_queries

    council(store)
    cid = customer_commands.register_customer(store, ADVISOR, MARIA)
    app = make_test_app(store)
    async with app.run_test(size=SIZE) as pilot:
        await start(pilot, "customers")
        await app.push_screen(CustomerViewScreen(cid))
        await settle(pilot)
        assert not shows(app, "cannot use online services")
        await pilot.press("d")
        await settle(pilot)
        assert isinstance(app.screen, DigitalExclusionScreen)
        await pilot.press("space", "down", "down", "down", "space", "enter")
        await settle(pilot)
        assert isinstance(app.screen, CustomerViewScreen)
        assert contact_queries.digital_exclusion(store, cid) == ["no_device", "skills"]
        assert shows(app, "Online: cannot use online services (no device, skills or confidence)")
        await pilot.press("d")  # opens as recorded: untick both, and it is cleared
        await settle(pilot)
        await pilot.press("space", "down", "down", "down", "space", "ctrl+s")
        await settle(pilot)
        assert contact_queries.digital_exclusion(store, cid) == []
        assert not shows(app, "cannot use online services")
