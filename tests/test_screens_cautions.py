"""The cautionary register on screen at 80x24: search rows, the record's banner, the detail
asked for with a reason, two supervisors, an overdue review, a protected address."""

from __future__ import annotations

from datetime import date

from cxdesk.screens.cautions import CautionsScreen, MarkerDetailModal
from cxdesk.screens.customer_view import CustomerViewScreen
from cxdesk.screens.form_modal import FormModal
from cxdesk.session import DeskSession
from cxdesk.store import caution_commands as cmd
from cxdesk.store import caution_queries as q
from cxdesk.store import customer_commands
from cxdesk.tasks import start, tasks_for
from tests.conftest import key_fields_for, keys_for
from tests.customer_helpers import MARIA
from tests.deskkit import build_desk, give_keys, make_test_app, screen_text, shows
from tests.test_screens_customers import open_area, settle

ADVISOR = DeskSession("A1001", "Sam Advisor", "advisor", "CSC", "Customer Service Centre")
SUP = DeskSession("S3001", "Sue Supervisor", "supervisor", "CSC", "Customer Service Centre")
SUP2 = DeskSession("S3002", "Sol Second", "supervisor", "CSC", "Customer Service Centre")
LONG_AGO = date(2020, 1, 6)


def desk_with_resident(store, *, with_directory=False):
    build_desk(store, with_directory=with_directory)
    store.record(
        "StaffEnrolled",
        {
            "staff_id": "S3002",
            "name": "Sol Second",
            "role": "supervisor",
            "locations": ["CSC"],
            **key_fields_for("S3002"),
        },
        actor="ADMIN1",
        role="admin",
    )
    store.use_keys("S3002", keys_for("S3002"))
    give_keys(store, "S3001")
    return customer_commands.register_customer(store, ADVISOR, MARIA)


def live_marker(store, cid, **kw):
    args = {
        "category": "violence",
        "precaution": "Meet only in room 2 with a colleague",
        "detail": "Threw a chair at a colleague, 3 Nov.",
        "evidence_ref": "INC-77",
    }
    marker = cmd.propose_marker(store, SUP, customer_id=cid, **(args | kw))
    cmd.approve_marker(store, SUP2, marker)
    return marker


async def open_record(pilot, session, cid):
    await open_area(pilot, session, "customers")
    await pilot.press(*"maria okafor")
    await settle(pilot)
    await pilot.press("enter")
    await settle(pilot)
    assert isinstance(pilot.app.screen, CustomerViewScreen)


async def test_marker_shows_in_search_rows_and_on_the_record_without_its_detail(store):
    cid = desk_with_resident(store)
    live_marker(store, cid)
    app = make_test_app(store)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_area(pilot, ADVISOR, "customers")
        await pilot.press(*"maria okafor")
        await settle(pilot)
        row = next(line for line in screen_text(app).splitlines() if "Maria Okafor" in line)
        assert "⚠ Maria Okafor · Meet only" in row
        await pilot.press("enter")
        await settle(pilot)
        assert shows(app, "⚠ Violence or threats (person): Meet only in room 2 with a colleague")
        assert not shows(app, "Threw a chair") and not shows(app, "review overdue")


async def test_opening_the_detail_asks_a_reason_and_is_recorded(store):
    cid = desk_with_resident(store)
    marker = live_marker(store, cid)
    app = make_test_app(store)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_record(pilot, ADVISOR, cid)
        await pilot.press("k")
        await settle(pilot)
        assert isinstance(app.screen, FormModal)
        await pilot.press("enter")  # no reason: refused, nothing recorded
        await settle(pilot)
        assert isinstance(app.screen, FormModal) and q.detail_views(store, marker) == []
        await pilot.press(*"booking a visit", "enter")
        await settle(pilot)
        assert isinstance(app.screen, MarkerDetailModal)
        assert shows(app, "Threw a chair at a colleague") and shows(app, "INC-77")
        [(who, _, why)] = q.detail_views(store, marker)
        assert (who, why) == ("A1001", "booking a visit")


async def fill(pilot, *values):
    for value in values:
        await pilot.press(*value, "enter") if value else await pilot.press("enter")
    await settle(pilot)


async def test_proposed_by_one_supervisor_approved_by_another(store):
    cid = desk_with_resident(store)
    app = make_test_app(store)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_record(pilot, SUP, cid)
        await pilot.press("m")
        await settle(pilot)
        await fill(
            pilot, "b", "animals", "Dog on site; phone first", "Bitten on a visit", "INC-9", ""
        )
        assert isinstance(app.screen, CustomerViewScreen)
        assert not shows(app, "Dog on site")  # proposed, not live
        [waiting] = q.waiting_approval(store)
        # The proposer cannot approve it on the supervisors' list (from the palette's task).
        [task] = [t for t in tasks_for("supervisor") if "approve and review" in t.title]
        await start(app, task)
        await settle(pilot)
        assert isinstance(app.screen, CautionsScreen)
        assert shows(app, "Dog on site; phone first") and shows(app, "approve")
        await pilot.press("a")
        await settle(pilot)
        assert q.get_marker(store, waiting.marker_id).status == "proposed"
        assert any("second supervisor" in n.message for n in app._notifications)
        # A second supervisor approves.
        app.session = SUP2
        await pilot.press("a")
        await settle(pilot)
        assert q.get_marker(store, waiting.marker_id).status == "live"
        assert shows(app, "Nothing waiting")
        await pilot.press("escape")
        await settle(pilot)
        assert shows(app, "⚠ Animals (person): Dog on site; phone first")


async def test_overdue_review_for_supervisors_and_gone_for_advisors(store):
    cid = desk_with_resident(store)
    marker = cmd.propose_marker(
        store,
        SUP,
        customer_id=cid,
        category="weapons",
        precaution="Screened room only",
        detail="Carried a knife.",
        review_due=date(2020, 6, 1),
        today=LONG_AGO,
    )
    cmd.approve_marker(store, SUP2, marker)
    app = make_test_app(store)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_record(pilot, ADVISOR, cid)
        assert not shows(app, "Screened room only")  # lapsed 30 days after review: hidden
        await pilot.press("escape")
        await settle(pilot)
        await open_record(pilot, SUP, cid)
        assert shows(app, "Screened room only [review overdue]")
        app.push_screen(CautionsScreen())
        await settle(pilot)
        assert shows(app, "review overdue")
        await pilot.press("k")
        await settle(pilot)
        await fill(pilot, "Still a risk, seen last week", "")
        row = q.get_marker(store, marker)
        assert row.status == "live" and row.review_due > date.today()
        assert shows(app, "Nothing waiting")


async def test_protected_address_hidden_and_shown_only_with_a_reason(store):
    cid = desk_with_resident(store)
    cmd.protect_address(store, ADVISOR, cid, route="phone", reason="Fleeing abuse")
    app = make_test_app(store)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_record(pilot, ADVISOR, cid)
        assert not shows(app, "Mere Road") and shows(app, "contact by phone only")
        await pilot.press("a")
        await settle(pilot)
        await fill(pilot, "Posting a crisis card")
        assert [why for _, _, why in q.reveals(store, cid)] == ["Posting a crisis card"]


async def test_receiving_team_sees_the_marker_in_its_queue_and_on_the_referral(store):
    from textual.widgets import Select

    from cxdesk.screens.referral_view import ReferralViewScreen
    from cxdesk.store import referral_commands
    from tests.customer_helpers import REFERRAL_CHOICES

    cid = desk_with_resident(store, with_directory=True)  # the teams to refer to
    marker = live_marker(store, cid)
    referral_commands.raise_referral(store, ADVISOR, cid, {**REFERRAL_CHOICES, "story": "Rent."})
    app = make_test_app(store)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_area(pilot, SUP, "queues")
        app.screen.query_one("#queue-team", Select).value = "housing-options"
        await settle(pilot)
        assert shows(app, "⚠ Maria Okafor · Meet only")
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, ReferralViewScreen)
        assert shows(app, "⚠ Violence or threats (person): Meet only in room 2")
        await pilot.press("k")  # the detail from the referral: a reason first, recorded
        await settle(pilot)
        await fill(pilot, "Calling her back about rent")
        assert isinstance(app.screen, MarkerDetailModal) and shows(app, "Threw a chair")
        [(who, _, why)] = q.detail_views(store, marker)
        assert (who, why) == ("S3001", "Calling her back about rent")


async def test_search_by_postcode_holds_back_a_protected_resident_until_a_reason(store):
    cid = desk_with_resident(store)
    cmd.protect_address(store, ADVISOR, cid, route="phone", reason="Fleeing abuse")
    app = make_test_app(store)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_area(pilot, ADVISOR, "customers")
        await pilot.press(*"maria okafor")
        await settle(pilot)
        row = next(line for line in screen_text(app).splitlines() if "Maria Okafor" in line)
        assert "protected" in row and "EM1" not in row  # by name: found, area hidden
        await pilot.press("escape", *"em1 4qt")
        await settle(pilot)
        assert not shows(app, "Maria Okafor") and shows(app, "1 with a protected address")
        assert q.reveals(store, cid) == []
        await pilot.press("ctrl+r")
        await settle(pilot)
        await fill(pilot, "Caller gave this postcode")
        assert shows(app, "Maria Okafor")
        assert [why for _, _, why in q.reveals(store, cid)] == ["Caller gave this postcode"]
