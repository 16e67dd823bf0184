"""Lost work and told twice: Escape asks first, drafts survive, checks come early, consent has
no default, a long paste says so. Driven by keys on the desk app at 80x24."""

from __future__ import annotations

from textual import events
from textual.widgets import Input, Select, TextArea

from cxdesk.screens.customer_dialogs import LikelyMatchDialog, TextPrompt
from cxdesk.screens.customer_form import CustomerFormScreen
from cxdesk.screens.customer_search import CustomerSearchScreen
from cxdesk.screens.customer_view import CustomerViewScreen
from cxdesk.screens.discard import DiscardDialog
from cxdesk.screens.referral_form import ReferralFormScreen
from cxdesk.store import customer_commands, referral_commands
from cxdesk.widgets.limited_input import fit_paste
from tests.customer_helpers import MARIA, REFERRAL_CHOICES
from tests.deskkit import build_desk, give_keys, make_test_app, run_desk, shows
from tests.test_screens_customers import ADVISOR, open_area, settle, type_into


def ready(store, **options):
    """The test desk, with A1001's signing keys as if they had signed in."""
    build_desk(store, **options)
    give_keys(store, ADVISOR.staff_id)
    return store


async def new_customer_form(pilot):
    await open_area(pilot, ADVISOR, "customers")
    await pilot.press("ctrl+n")
    await settle(pilot)
    assert isinstance(pilot.app.screen, CustomerFormScreen)
    return pilot.app.screen


async def test_escape_with_typed_text_asks_and_enter_keeps_it(store):
    ready(store, with_directory=False)
    app = make_test_app(store)
    async with app.run_test(size=(80, 24)) as pilot:
        form = await new_customer_form(pilot)
        await type_into(pilot, "#f-given_name", "Tomasz")
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, DiscardDialog)
        assert shows(app, "Discard what you typed?")
        await pilot.press("enter")
        await settle(pilot)
        assert app.screen is form
        assert form.query_one("#f-given_name", Input).value == "Tomasz"
        await pilot.press("escape", "d")
        await settle(pilot)
        assert isinstance(app.screen, CustomerSearchScreen)
        # Deliberately discarded: the next form starts empty.
        form = await new_customer_form(pilot)
        assert form.query_one("#f-given_name", Input).value == ""


async def test_escape_on_an_empty_form_just_goes_back(store):
    ready(store, with_directory=False)
    app = make_test_app(store)
    async with app.run_test(size=(80, 24)) as pilot:
        await new_customer_form(pilot)
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, CustomerSearchScreen)


async def test_a_draft_survives_a_new_person_at_the_lock_screen(store):
    ready(store, with_directory=False)
    app = make_test_app(store)
    async with app.run_test(size=(80, 24)) as pilot:
        await new_customer_form(pilot)
        await type_into(pilot, "#f-given_name", "Tomasz")
        await type_into(pilot, "#f-family_name", "Nowak")
        # Swept away with the session, as when someone else signs in at the lock screen.
        await app.end_session()
        await settle(pilot)
        form = await new_customer_form(pilot)
        assert form.query_one("#f-given_name", Input).value == "Tomasz"
        assert form.query_one("#f-family_name", Input).value == "Nowak"


async def test_likely_matches_show_as_soon_as_name_and_birth_are_typed(store):
    ready(store, with_directory=False)
    existing = customer_commands.register_customer(store, ADVISOR, MARIA)
    app = make_test_app(store)
    async with app.run_test(size=(80, 24)) as pilot:
        await new_customer_form(pilot)
        await type_into(pilot, "#f-given_name", "Maria")
        await type_into(pilot, "#f-family_name", "Okafor")
        await type_into(pilot, "#f-date_of_birth", "11/2/84")
        await settle(pilot)
        assert shows(app, "Already registered? Maria Okafor, born 1984, EM1")
        await pilot.press("ctrl+o")
        await settle(pilot)
        assert isinstance(app.screen, LikelyMatchDialog)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, CustomerViewScreen)
        assert app.screen.customer_id == existing


async def open_referral_form(pilot, store):
    cid = customer_commands.register_customer(store, ADVISOR, MARIA)
    await open_area(pilot, ADVISOR, "customers")
    await pilot.press(*"okafor")
    await settle(pilot)
    await pilot.press("enter")
    await settle(pilot)
    await pilot.press("r")
    await settle(pilot)
    assert isinstance(pilot.app.screen, ReferralFormScreen)
    return cid


async def test_open_referral_named_as_soon_as_the_team_is_chosen(store):
    ready(store)
    app = make_test_app(store)
    async with app.run_test(size=(80, 24)) as pilot:
        cid = await open_referral_form(pilot, store)
        raw = dict(REFERRAL_CHOICES, story="Notice to leave on Friday.")
        referral_commands.raise_referral(store, ADVISOR, cid, raw)
        await pilot.press(*"housing o")
        await settle(pilot)
        assert shows(app, "Already open:") and shows(app, "to Housing Options")


async def test_consent_has_no_default_and_opens_on_its_prompt(store):
    ready(store)
    app = make_test_app(store)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_referral_form(pilot, store)
        consent = app.screen.query_one("#f-consent", Select)
        assert consent.is_blank()
        consent.focus()
        await pilot.press("enter", "down", "enter")  # open, one down, choose
        await settle(pilot)
        assert consent.value == "given"  # never "Refused" by a stray Down-Enter


async def test_referral_escape_closes_the_dropdown_first_then_asks(store):
    ready(store)
    app = make_test_app(store)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_referral_form(pilot, store)
        form = app.screen
        form.query_one("#f-story", TextArea).text = "They said their landlord changed the locks."
        await settle(pilot)
        team = form.query_one("#f-to_team", Select)
        team.focus()
        await pilot.press("enter")
        await settle(pilot)
        assert team.expanded
        await pilot.press("escape")
        await settle(pilot)
        assert app.screen is form and not team.expanded
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, DiscardDialog)


def test_fit_paste_keeps_what_fits():
    assert fit_paste("a\nb", 10) == ("a b", 0)
    assert fit_paste("x" * 600, 500) == ("x" * 500, 100)


async def test_a_long_paste_into_a_note_keeps_1000_and_says_so(store):
    ready(store, with_directory=False)
    customer_commands.register_customer(store, ADVISOR, MARIA)
    app = make_test_app(store)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_area(pilot, ADVISOR, "customers")
        await pilot.press(*"okafor")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        await pilot.press("n")
        await settle(pilot)
        assert isinstance(app.screen, TextPrompt)
        box = app.screen.query_one("#prompt-text", Input)
        app._driver.send_message(events.Paste("y" * 600))
        await settle(pilot)
        assert len(box.value) == 600  # the rule allows 1,000, and so does the box
        app._driver.send_message(events.Paste("z" * 10_000))
        await settle(pilot)
        assert len(box.value) == 1000
        assert any("left out" in n.message for n in app._notifications)


async def test_escape_on_a_half_typed_issue_asks_first(admin_store):
    from cxdesk.screens.issue_item import IssueScreen
    from tests.crisis_helpers import register, set_up_council
    from tests.test_screens_crisis import ADVISOR as ADV
    from tests.test_screens_crisis import settle as settle_crisis

    set_up_council(admin_store)
    cid = register(admin_store)
    async with run_desk(admin_store, ADV) as pilot:
        app = pilot.app
        await app.push_screen(IssueScreen("food_voucher", cid, "Jo Bloggs"))
        await settle_crisis(pilot)
        form = app.screen
        await pilot.press(*"FV000003")
        await pilot.press("escape")
        await settle_crisis(pilot)
        assert isinstance(app.screen, DiscardDialog)
        await pilot.press("enter")
        await settle_crisis(pilot)
        assert app.screen is form
        assert form.query_one("#f-serial", Input).value == "FV000003"
