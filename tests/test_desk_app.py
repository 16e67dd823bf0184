"""The typed seams of the desk app: `signed_in` on desk screens; areas rebuilt at sign-out."""

from __future__ import annotations

import pytest

from cxdesk.errors import CxDeskError
from cxdesk.screens.customer_search import CustomerSearchScreen
from cxdesk.screens.lookup import LookupScreen
from cxdesk.screens.signin import SignInScreen

from .deskkit import build_desk, make_test_app, settle, sign_in

SIZE = (80, 24)


async def test_signed_in_is_the_session_and_refuses_once_nobody_is(store):
    app = make_test_app(build_desk(store, with_directory=False))
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(pilot, "A1001")
        lookup = app.screen
        assert isinstance(lookup, LookupScreen)
        assert lookup.signed_in is app.session and lookup.signed_in.staff_id == "A1001"
        await pilot.press("f10")
        await settle(pilot)
        assert isinstance(app.screen, SignInScreen)
        with pytest.raises(CxDeskError, match="Nobody is signed in"):
            lookup.signed_in  # noqa: B018 - reading it is the test


async def test_sign_out_rebuilds_every_area_the_last_person_used(store):
    app = make_test_app(build_desk(store, with_directory=False))
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(pilot, "A1001")
        await pilot.press("f3")
        await settle(pilot)
        first = app.screen
        assert isinstance(first, CustomerSearchScreen)
        await pilot.press("f10")
        await settle(pilot)
        await sign_in(pilot, "A1002", "blue heron morning")
        await pilot.press("f3")
        await settle(pilot)
        assert isinstance(app.screen, CustomerSearchScreen) and app.screen is not first
