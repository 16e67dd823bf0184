"""Customer and referral screens at 80x24, driven by keys on the desk app."""

from __future__ import annotations

import stat
from pathlib import Path

from textual.widgets import Input, Select, TextArea
from textual.worker import WorkerCancelled

from cxdesk.screens.customer_dialogs import DuplicateReferralDialog, LikelyMatchDialog
from cxdesk.screens.customer_form import CustomerFormScreen
from cxdesk.screens.customer_view import CustomerViewScreen
from cxdesk.screens.referral_form import ReferralFormScreen
from cxdesk.screens.referral_view import ConfirmationScreen, ReferralViewScreen
from cxdesk.session import DeskSession
from cxdesk.store import customer_commands, referral_commands, referral_queries
from tests import peek
from tests.customer_helpers import MARIA, REFERRAL_CHOICES
from tests.deskkit import build_desk, make_test_app, shows, start_session

ADVISOR = DeskSession("A1001", "Sam Advisor", "advisor", "CSC", "Customer Service Centre")
HOUSING = DeskSession("H2001", "Hana Hub", "hub", "HUB-NORTH", "North Hub")
TEAM_WORKER = DeskSession("S3001", "Sue Supervisor", "supervisor", "HUB-NORTH", "North Hub")
"""Who may work Housing Options' queue here: a supervisor (hub staff work only their hub's)."""


async def settle(pilot) -> None:
    """Let workers finish (a search cancelled by the next keystroke is fine) and redraw."""
    for _ in range(4):
        try:
            await pilot.app.workers.wait_for_complete()
        except WorkerCancelled:
            continue
        await pilot.pause()


async def open_area(pilot, session, mode):
    """Sign ``session`` in (the app's own way) and open the area ``mode``."""
    if pilot.app.session != session:
        await start_session(pilot, session)
    await pilot.app.switch_mode(mode)
    await settle(pilot)


async def type_into(pilot, widget_id, text):
    pilot.app.screen.query_one(widget_id).focus()
    await pilot.press(*text)


async def test_search_shows_only_name_year_and_district(store):
    build_desk(store)
    customer_commands.register_customer(store, ADVISOR, MARIA)
    app = make_test_app(store)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_area(pilot, ADVISOR, "customers")
        await pilot.press(*"mraia okafr")
        await settle(pilot)
        assert shows(app, "Maria Okafor")
        assert shows(app, "1984") and shows(app, "EM1")
        for private in ("11/02/1984", "4QT", "07700", "Mere Road"):
            assert not shows(app, private), private


async def test_no_match_says_the_desk_holds_this_locations_residents(store):
    build_desk(store)
    app = make_test_app(store)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_area(pilot, ADVISOR, "customers")
        await pilot.press(*"zed quill")
        await settle(pilot)
        assert shows(app, "No customer found among this location's residents")


async def test_find_or_create_offers_the_likely_match(store):
    build_desk(store)
    existing = customer_commands.register_customer(store, ADVISOR, MARIA)
    app = make_test_app(store)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_area(pilot, ADVISOR, "customers")
        await pilot.press(*"okafor maria 11/02/1984 em2 7hb")
        await settle(pilot)
        await pilot.press("ctrl+n")
        await settle(pilot)
        form = app.screen
        assert isinstance(form, CustomerFormScreen)
        assert form.query_one("#f-family_name", Input).value == "maria"
        await type_into(pilot, "#f-address", "44 Alder Way")
        await type_into(pilot, "#f-phone", "07700900102")
        form.query_one("#f-no_email").value = True
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, LikelyMatchDialog)
        assert shows(app, "Maria Okafor, born 1984")
        await pilot.press("enter")  # the existing record, first in the list
        await settle(pilot)
        assert isinstance(app.screen, CustomerViewScreen)
        assert app.screen.customer_id == existing
        assert peek.scalar(store, "SELECT COUNT(*) FROM customers") == 1
        viewed = peek.scalar(
            store,
            "SELECT COUNT(*) FROM events WHERE kind = 'CustomerRecordViewed' AND actor = 'A1001'",
        )
        assert viewed == 1


async def test_form_keeps_what_was_typed_after_an_error(store):
    build_desk(store)
    app = make_test_app(store)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_area(pilot, ADVISOR, "customers")
        await pilot.press("ctrl+n")
        await settle(pilot)
        form = app.screen
        await type_into(pilot, "#f-given_name", "Tomasz")
        await type_into(pilot, "#f-family_name", "Nowak")
        await type_into(pilot, "#f-date_of_birth", "01/12/2079")
        await type_into(pilot, "#f-postcode", "EM1 OQT")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, CustomerFormScreen)
        errors = {w.id: str(w.render()) for w in form.query(".field-error")}
        assert "future" in errors["e-date_of_birth"]
        assert "not a valid UK postcode" in errors["e-postcode"]
        assert form.query_one("#f-given_name", Input).value == "Tomasz"
        assert form.query_one("#f-postcode", Input).value == "EM1 OQT"
        assert peek.scalar(store, "SELECT COUNT(*) FROM customers") == 0


async def fill_referral(pilot, story):
    form = pilot.app.screen
    assert isinstance(form, ReferralFormScreen)
    for name, value in REFERRAL_CHOICES.items():
        form.query_one(f"#f-{name}", Select).value = value
    form.query_one("#f-story", TextArea).text = story
    await pilot.press("ctrl+s")
    await settle(pilot)


async def test_raise_then_duplicate_becomes_a_note(store, tmp_path):
    build_desk(store)
    cid = customer_commands.register_customer(store, ADVISOR, MARIA)
    app = make_test_app(store)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_area(pilot, ADVISOR, "customers")
        await pilot.press(*"okafor")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        await pilot.press("r")
        await settle(pilot)
        await fill_referral(pilot, "My landlord gave me notice to leave by Friday.")
        assert isinstance(app.screen, ConfirmationScreen)
        referral = referral_queries.open_referral_to(store, cid, "housing-options")
        assert shows(app, f"Your reference: {referral.reference}")
        assert shows(app, "Passed to: Housing Options")
        assert app.screen.path is None  # a letter is a file only when asked for
        await pilot.press("ctrl+t")
        await settle(pilot)
        path = Path(app.screen.path)
        assert path.exists() and referral.reference in path.read_text()
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, CustomerViewScreen)
        assert shows(app, "Referred to Housing Options (urgent)")
        # the same again: the open referral is offered, and the story becomes a note
        await pilot.press("r")
        await settle(pilot)
        await fill_referral(pilot, "She now also has rent arrears.")
        assert isinstance(app.screen, DuplicateReferralDialog)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, ReferralViewScreen)
        assert peek.scalar(store, "SELECT COUNT(*) FROM referrals") == 1
        assert referral_queries.get_referral(store, referral.referral_id).note_count == 1


async def test_receiving_team_accepts_and_completes_from_the_queue(store):
    build_desk(store)
    cid = customer_commands.register_customer(store, ADVISOR, MARIA)
    rid = referral_commands.raise_referral(
        store, ADVISOR, cid, {**REFERRAL_CHOICES, "story": "Notice to leave by Friday."}
    )
    app = make_test_app(store)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_area(pilot, TEAM_WORKER, "queues")
        assert shows(app, "choose a team")
        app.screen.query_one("#queue-team", Select).value = "housing-options"
        await settle(pilot)
        assert referral_queries.queue_team(store) == "housing-options"
        assert shows(app, "Incoming 1")
        assert shows(app, "Maria Okafor")
        await pilot.press("u")  # sort by urgency
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, ReferralViewScreen)
        # Opening the story is recorded like opening the customer's record, once.
        views = "SELECT actor, payload FROM events WHERE kind = 'CustomerRecordViewed'"
        [(who, payload)] = [tuple(r) for r in peek.query(store, views)]
        assert who == "S3001" and f'"customer_id":"{cid}"' in payload and "referral" in payload
        await pilot.press("a")
        await settle(pilot)
        assert referral_queries.get_referral(store, rid).status == "accepted"
        await pilot.press("c")
        await settle(pilot)
        await pilot.press(*"Prevention duty accepted", "enter")
        await settle(pilot)
        referral = referral_queries.get_referral(store, rid)
        assert referral.status == "completed"
        assert referral.outcome == "Prevention duty accepted"
        steps = "SELECT actor FROM events WHERE kind IN ('ReferralAccepted', 'ReferralCompleted')"
        actors = {r[0] for r in peek.query(store, steps)}
        assert actors == {"S3001"}
        assert len(peek.query(store, views)) == 1  # steps reload the story; one view recorded
        await pilot.press("escape")
        await settle(pilot)
        assert shows(app, "Incoming 0")


async def test_o_on_the_record_records_that_the_resident_moved_away(store):
    from cxdesk.screens.customer_dialogs import MovePrompt
    from tests.peek import query

    build_desk(store)
    cid = customer_commands.register_customer(store, ADVISOR, MARIA)
    app = make_test_app(store)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_area(pilot, ADVISOR, "customers")
        await pilot.press(*"okafor")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        await pilot.press("o")
        await settle(pilot)
        assert isinstance(app.screen, MovePrompt)
        assert shows(app, "Maria Okafor now belongs to another location")
        await type_into(pilot, "#move-reason", "Moved house")
        await pilot.press("enter")  # no location chosen yet: said beside the box
        await pilot.pause()
        assert shows(app, "Choose the location first.")
        choice = app.screen.query_one("#move-choice", Select)
        assert "CSC" not in {value for _label, value in choice._options}  # not its own
        choice.value = "HUB-NORTH"
        app.screen.query_one("#move-reason").focus()
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, CustomerViewScreen)
        moved = query(store, "SELECT payload FROM events WHERE kind = 'CustomerMoved'")
        assert len(moved) == 1 and '"to_location":"HUB-NORTH"' in moved[0]["payload"]
        assert cid in moved[0]["payload"]
        assert any("now belongs to North Hub" in n.message for n in app._notifications)
