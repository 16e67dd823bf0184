"""Sign-in, lock-out, idle lock and sessions, driven through the app at 80x24."""

from __future__ import annotations

import pytest
from textual.widgets import Input

from cxdesk.screens.lock import LockScreen
from cxdesk.screens.lookup import LookupScreen
from cxdesk.screens.signin import SignInScreen
from cxdesk.store.demo_mark import mark_demo_store
from tests import peek

from .deskkit import (
    FakeClock,
    build_desk,
    fixtures_with_staff,
    make_test_app,
    screen_text,
    settle,
    shows,
    sign_in,
)

SIZE = (80, 24)


@pytest.fixture
def desk(store):
    return build_desk(store)


def kinds(store, kind):
    return [
        r["payload"]
        for r in peek.query(store, "SELECT payload FROM events WHERE kind = ?", (kind,))
    ]


async def test_sign_in_shows_person_role_and_location(desk):
    app = make_test_app(desk)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, SignInScreen)
        assert shows(app, "Not signed in")
        # Typed as a person would: lower case is fine, Enter moves on to the passcode.
        await pilot.press(*"a1001", "enter", *"amber kettle forty", "enter")
        await settle(pilot)
        assert isinstance(app.screen, LookupScreen)
        assert app.session.staff_id == "A1001"
        text = screen_text(app)
        assert "Sam Advisor · Advisor · CSC" in text
        assert "Offline only" in text
    assert len(kinds(desk, "SignInSucceeded")) == 1


async def test_wrong_passcode_says_so_and_is_recorded(desk):
    app = make_test_app(desk)
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(pilot, "A1001", "not my passcode")
        assert isinstance(app.screen, SignInScreen)
        assert app.session is None
        assert shows(app, "Wrong passcode. 4 tries left")
        assert app.screen.query_one("#passcode", Input).value == ""
        assert app.screen.query_one("#staff-id", Input).value == "A1001"
    assert len(kinds(desk, "SignInFailed")) == 1


async def test_unknown_and_blank_staff_id(desk):
    app = make_test_app(desk)
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(pilot, "Z9999", "whatever passcode")
        assert shows(app, "Staff ID not recognised")
        # Back to the staff ID, selected: what is typed next replaces it, and a
        # passcode can never land readable in the staff ID box by a Tab too many.
        assert app.focused is app.screen.query_one("#staff-id", Input)
        await pilot.press(*"a1001")
        assert app.screen.query_one("#staff-id", Input).value == "a1001"
        assert app.screen.query_one("#passcode", Input).value == ""
        await sign_in(pilot, "", "")
        assert shows(app, "Please enter your staff ID")
    assert len(kinds(desk, "SignInFailed")) == 1  # a blank form is not a try


async def test_lockout_after_five_failures(desk):
    app = make_test_app(desk)
    async with app.run_test(size=SIZE) as pilot:
        for _ in range(4):
            await sign_in(pilot, "A1001", "wrong wrong wrong")
        assert shows(app, "1 try left")
        await sign_in(pilot, "A1001", "wrong wrong wrong")
        assert shows(app, "locked until")
        # Even the right passcode is refused while locked.
        await sign_in(pilot, "A1001")
        assert app.session is None
        assert shows(app, "locked until")
        # Someone else can still sign in at the desk.
        await sign_in(pilot, "A1002")
        assert app.session.staff_id == "A1002"
    assert len(kinds(desk, "SignInLockedOut")) == 1
    assert len(kinds(desk, "SignInFailed")) == 6


async def test_removed_staff_and_location_rule(desk):
    app = make_test_app(desk)
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(pilot, "GONE1")
        assert shows(app, "no longer on the staff list")
        await sign_in(pilot, "H2001")  # hub staff, not set up for the CSC
        assert shows(app, "not set up to work at Customer Service Centre")
        assert app.session is None
        await sign_in(pilot, "S3001")  # supervisors may sign in at any desk
        assert app.session.role == "supervisor"


async def test_idle_lock_keeps_typed_text_for_the_same_person(desk):
    clock = FakeClock()
    app = make_test_app(desk, clock=clock, idle_lock_minutes=5)
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(pilot, "A1001")
        await pilot.press(*"housing")
        await settle(pilot)
        assert shows(app, "Housing Options")
        clock.advance(299)
        app.check_idle()
        await pilot.pause()
        assert not app.locked
        clock.advance(2)
        app.check_idle()
        await settle(pilot)
        assert isinstance(app.screen, LockScreen)
        assert desk.keys_for("A1001") is None  # nothing can be signed while locked
        text = screen_text(app)
        assert "This desk is locked" in text and "Housing Options" not in text
        # Area keys do nothing while locked.
        await pilot.press("f2")
        assert isinstance(app.screen, LockScreen)
        # The staff id is filled in: the same person types only the passcode.
        await pilot.press(*"amber kettle forty", "enter")
        await settle(pilot)
        assert isinstance(app.screen, LookupScreen)
        assert app.screen.query_one("#search", Input).value == "housing"
        assert shows(app, "Housing Options")
        assert desk.keys_for("A1001") is app.session.keys is not None


async def test_different_person_at_lock_gets_fresh_session(desk):
    app = make_test_app(desk)
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(pilot, "A1001")
        await pilot.press(*"council tax")
        await pilot.press("f9")
        await settle(pilot)
        assert isinstance(app.screen, LockScreen)
        await sign_in(pilot, "A1002")
        assert app.session.staff_id == "A1002"
        assert isinstance(app.screen, LookupScreen)
        assert app.screen.query_one("#search", Input).value == ""
        assert shows(app, "Pat Second")
    signed_out = kinds(desk, "SignedOut")
    assert len(signed_out) == 1 and "A1001" in signed_out[0]


async def test_sign_out_from_lock_screen(desk):
    app = make_test_app(desk)
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(pilot, "A1001")
        await pilot.press("f9")
        await settle(pilot)
        await pilot.press("f10")
        await settle(pilot)
        assert isinstance(app.screen, SignInScreen)
        assert app.session is None
        assert desk.keys_for("A1001") is None
        assert app.screen.query_one("#staff-id", Input).value == ""
        assert shows(app, "Not signed in")


async def test_keymap_override_and_palette(desk):
    app = make_test_app(desk, keymap={"lock": "ctrl+l"})
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(pilot, "A1001")
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*"desk: lock")
        await settle(pilot)
        assert shows(app, "desk: lock")
        await pilot.press("escape")
        await pilot.pause()
        await pilot.press("ctrl+l")
        await settle(pilot)
        assert isinstance(app.screen, LockScreen)


async def test_help_lists_keys(desk):
    app = make_test_app(desk)
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(pilot, "A1001")
        await pilot.press("f1")
        await pilot.pause()
        text = screen_text(app)
        assert "F9" in text and "Lock" in text and "Copy number" in text
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, LookupScreen)


async def test_demo_lists_demo_accounts(desk, tmp_path, monkeypatch):
    monkeypatch.setenv("CXDESK_FIXTURES_DIR", str(fixtures_with_staff(tmp_path)))
    mark_demo_store(desk)  # only a store made by `cxdesk demo` lists the accounts
    app = make_test_app(desk, demo=True)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        text = screen_text(app)
        assert "DEMO COUNCIL" in text
        assert "A1001" in text and "amber kettle forty" in text
        assert "S3001" in text and "Supervisor" in text


async def test_no_color(desk, monkeypatch):
    monkeypatch.setenv("NO_COLOR", "1")
    app = make_test_app(desk)
    async with app.run_test(size=SIZE) as pilot:
        assert app.no_color
        await sign_in(pilot, "A1001")
        await pilot.press(*"housng")
        await settle(pilot)
        assert shows(app, "Housing Options")


async def test_supervisor_lifts_a_lockout(desk):
    app = make_test_app(desk)
    async with app.run_test(size=SIZE) as pilot:
        for _ in range(5):
            await sign_in(pilot, "A1001", "wrong wrong wrong")
        assert shows(app, "locked until")
        await sign_in(pilot, "A1002")  # an advisor may not lift it
        assert app.check_action("lift_lockout", ()) is False
        await app.action_sign_out()
        await sign_in(pilot, "S3001")
        assert app.check_action("lift_lockout", ()) is True
        await pilot.press("ctrl+l")
        await pilot.pause()
        await pilot.press(*"a1002", "ctrl+s")  # not locked: refused beside the field
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert shows(app, "A1002 is not locked out")
        app.screen.query_one("#f-staff_id").value = "A1001"
        await pilot.press("ctrl+s")
        await app.workers.wait_for_complete()
        await pilot.pause()
        await app.action_sign_out()
        await sign_in(pilot, "A1001")
        assert app.session.staff_id == "A1001"
    cleared = [
        e for e in peek.query(desk, "SELECT actor, payload FROM events WHERE kind='LockoutCleared'")
    ]
    assert [(r["actor"], r["payload"]) for r in cleared] == [("S3001", '{"staff_id":"A1001"}')]


async def _roster_change_arrives(app, desk, kind, payload) -> None:
    """A roster change reaches the desk (as a pull would bring it), then the sync news."""
    from cxdesk.sync.app_bridge import SyncStateChanged
    from cxdesk.sync.status import SyncStatus

    desk.require_signatures = False  # ADMIN1 is not signed in here: stands in for the feed
    desk.record(kind, payload, actor="ADMIN1", role="admin")
    desk.require_signatures = True
    app.post_message(SyncStateChanged(SyncStatus(configured=True, online=True)))


@pytest.mark.parametrize(
    ("kind", "change", "message"),
    [
        ("StaffRemoved", {}, "taken off the staff list"),
        ("StaffUpdated", "new key", "passcode for A1001 was changed"),
    ],
)
async def test_removed_or_rekeyed_person_loses_the_session_at_next_sync(
    desk, kind, change, message
):
    from tests.conftest import key_fields_for

    app = make_test_app(desk)
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(pilot, "A1001")
        # A sync that changes nothing for A1001 leaves them signed in.
        await _roster_change_arrives(app, desk, "StaffRemoved", {"staff_id": "A1002"})
        await settle(pilot)
        assert app.session is not None and app.session.staff_id == "A1001"
        payload = {"staff_id": "A1001"}
        if change == "new key":
            payload |= key_fields_for("A1001", "an entirely new passcode")
        await _roster_change_arrives(app, desk, kind, payload)
        await settle(pilot)
        assert app.session is None
        assert isinstance(app.screen, SignInScreen)
        assert desk.keys_for("A1001") is None
        assert any(message in str(n.message) for n in app._notifications)
    assert any("roster changed" in p for p in kinds(desk, "SignedOut"))
