"""A shared terminal: focus keys, typed-ahead keys, "someone else" and quitting, at 80x24."""

from __future__ import annotations

from textual.widgets import Input

from cxdesk.screens.lock import LockScreen
from cxdesk.screens.lookup import LookupScreen
from cxdesk.screens.signin import SignInScreen
from tests import peek

from .deskkit import build_desk, make_test_app, settle, shows, sign_in, type_at_once

SIZE = (80, 24)


def field(app, selector: str) -> Input:
    return app.screen.query_one(selector, Input)


async def test_tab_and_shift_tab_move_between_staff_id_and_passcode(store):
    app = make_test_app(build_desk(store, with_directory=False))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press(*"A1001", "tab")
        assert app.focused is field(app, "#passcode")
        # Typed after Tab, the passcode is in the passcode box, never shown in clear.
        await pilot.press(*"amber")
        assert field(app, "#passcode").value == "amber"
        assert field(app, "#staff-id").value == "A1001"
        await pilot.press("shift+tab")
        assert app.focused is field(app, "#staff-id")


async def test_staff_id_and_passcode_typed_at_once(store):
    app = make_test_app(build_desk(store, with_directory=False))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        # Everything arrives before the first Enter is handled; then the search is typed ahead.
        await type_at_once(pilot, "A1001", "enter", "amber kettle forty", "enter", "housing")
        assert app.session is not None and app.session.staff_id == "A1001"
        assert isinstance(app.screen, LookupScreen)
        assert app.screen.query_one("#search", Input).value == "housing"


async def test_keys_typed_after_a_refused_passcode_are_dropped(store):
    app = make_test_app(build_desk(store, with_directory=False))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await type_at_once(pilot, "Z9999", "enter", "secret words", "enter", "more secret")
        assert app.session is None
        assert shows(app, "Staff ID not recognised")
        # Nothing typed after the refused Enter appears anywhere, least of all in clear.
        assert field(app, "#staff-id").value == "Z9999"
        assert field(app, "#passcode").value == ""


async def test_someone_else_at_the_lock_screen_is_one_key(store):
    desk = build_desk(store, with_directory=False)
    app = make_test_app(desk)
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(pilot, "A1001")
        await pilot.press("f9")
        await settle(pilot)
        assert isinstance(app.screen, LockScreen)
        assert shows(app, "Someone else? Press F12")
        await type_at_once(pilot, "f12", "A1002", "enter", "blue heron morning", "enter")
        assert app.session.staff_id == "A1002"
        assert isinstance(app.screen, LookupScreen)
    failed = peek.query(store, "SELECT payload FROM events WHERE kind = 'SignInFailed'")
    assert not failed  # the newcomer's staff id was never taken as A1001's passcode


async def test_focus_moves_on_the_lock_screen(store):
    app = make_test_app(build_desk(store, with_directory=False))
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(pilot, "A1001")
        await pilot.press("f9")
        await settle(pilot)
        assert app.focused is field(app, "#passcode")
        await pilot.press("shift+tab")
        assert app.focused is field(app, "#staff-id")
        await pilot.press("tab")
        assert app.focused is field(app, "#passcode")


async def test_quit_needs_the_session(store):
    app = make_test_app(build_desk(store, with_directory=False))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert app.check_action("quit", ()) is False  # nobody signed in
        await pilot.press("ctrl+q")
        await settle(pilot)
        assert app.is_running and isinstance(app.screen, SignInScreen)
        await sign_in(pilot, "A1001")
        assert app.check_action("quit", ()) is True
        await pilot.press("f9")
        await settle(pilot)
        await pilot.press("ctrl+q")
        await settle(pilot)
        assert app.is_running and isinstance(app.screen, LockScreen)
        assert app.check_action("quit", ()) is False


def council_with_customer(store) -> str:
    from tests.crisis_helpers import register, set_up_council

    set_up_council(store)
    return register(store)


async def open_issue_form(app, pilot, cid: str, kind: str = "food_voucher") -> None:
    from cxdesk.screens.issue_item import IssueScreen
    from cxdesk.session import DeskSession
    from tests.conftest import keys_for
    from tests.crisis_helpers import NOT_A_SUPERVISOR

    app.store.use_keys("ADV1", keys_for("ADV1", NOT_A_SUPERVISOR))  # as signing in would
    app.session = DeskSession("ADV1", "Alex Advisor", "advisor", "CSC")
    await app.switch_mode("lookup")
    await app.push_screen(IssueScreen(kind, cid, "Jo Bloggs"))
    await settle(pilot)


async def test_serial_enter_and_reason_typed_at_once(admin_store):
    cid = council_with_customer(admin_store)
    app = make_test_app(admin_store)
    async with app.run_test(size=SIZE) as pilot:
        await open_issue_form(app, pilot, cid)
        await type_at_once(pilot, "FV000003", "enter", "no food")
        assert field(app, "#f-serial").value == "FV000003"
        assert field(app, "#f-reason").value == "no food"


async def test_after_not_a_serial_the_next_scan_replaces_the_bad_text(admin_store):
    cid = council_with_customer(admin_store)
    app = make_test_app(admin_store)
    async with app.run_test(size=SIZE) as pilot:
        await open_issue_form(app, pilot, cid)
        await type_at_once(pilot, "HELLO!!", "enter")
        assert app.focused is field(app, "#f-serial")
        await type_at_once(pilot, "FV000004", "enter")
        assert field(app, "#f-serial").value == "FV000004"
        assert shows(app, "FV000004 is in stock here")


async def test_a_staff_id_typed_as_the_passcode_at_the_lock_is_someone_else(store):
    desk = build_desk(store, with_directory=False)
    app = make_test_app(desk)
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(pilot, "A1001")
        await pilot.press("f9")
        await settle(pilot)
        await type_at_once(pilot, "A1002", "enter")
        assert field(app, "#staff-id").value == "A1002"
        assert shows(app, "Signing in as A1002: now type your passcode")
        await type_at_once(pilot, "blue heron morning", "enter")
        assert app.session.staff_id == "A1002"
    assert not peek.query(store, "SELECT 1 FROM events WHERE kind = 'SignInFailed'")
