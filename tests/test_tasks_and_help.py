"""Every task from every screen through the palette, and F1 in words for this role."""

from __future__ import annotations

from cxdesk.screens.customer_form import CustomerFormScreen
from cxdesk.screens.customer_search import CustomerSearchScreen
from cxdesk.screens.issue_item import IssueScreen
from cxdesk.store import customer_commands
from cxdesk.tasks import tasks_for
from tests.customer_helpers import MARIA
from tests.deskkit import build_desk, give_keys, make_test_app, settle, shows, sign_in
from tests.test_screens_customers import ADVISOR


def test_tasks_follow_the_role():
    advisor = {t.title for t in tasks_for("advisor")}
    assert "task: issue food voucher" in advisor
    assert not any("log" in title for title in advisor)
    welfare = {t.title for t in tasks_for("welfare")}
    assert (
        "task: issue food voucher" not in welfare and "task: find a number (directory)" in welfare
    )


def test_area_keys_and_tasks_name_areas_the_app_has():
    from cxdesk.app import CxDeskApp
    from cxdesk.screens.area import AREA_SCREENS, Area
    from cxdesk.tasks import TASKS

    assert set(AREA_SCREENS) == set(Area) and set(Area) <= set(CxDeskApp.MODES)
    area_keys = {b.action for b in CxDeskApp.BINDINGS if b.action.startswith("switch_mode")}
    assert area_keys == {f"switch_mode('{area}')" for area in Area}
    assert all(isinstance(t.mode, Area) for t in TASKS if t.mode is not None)


async def palette(pilot, words: str) -> None:
    await pilot.press("ctrl+p")
    await settle(pilot)
    await pilot.press(*words)
    await settle(pilot)
    await pilot.press("enter")
    await settle(pilot)


async def test_voucher_from_the_lookup_screen_goes_through_customer_search(store):
    build_desk(store, with_directory=False)
    give_keys(store, ADVISOR.staff_id)
    customer_commands.register_customer(store, ADVISOR, MARIA)
    app = make_test_app(store)
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in(pilot, "A1001")
        await palette(pilot, "food voucher")
        assert isinstance(app.screen, CustomerSearchScreen)
        assert any("Find the resident" in n.message for n in app._notifications)
        await pilot.press(*"okafor")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, IssueScreen) and app.screen.kind == "food_voucher"


async def test_new_customer_from_the_lookup_screen(store):
    build_desk(store, with_directory=False)
    app = make_test_app(store)
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in(pilot, "A1001")
        await palette(pilot, "new customer")
        assert isinstance(app.screen, CustomerFormScreen)


async def test_help_explains_the_screen_and_hides_what_the_role_cannot_do(store):
    build_desk(store, with_directory=False)
    app = make_test_app(store)
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in(pilot, "A1001")
        await pilot.press("f1")
        await settle(pilot)
        assert shows(app, "Find a number: just type a team")
        assert not shows(app, "F7")
        assert app.check_action("switch_mode", ("log",)) is False
