"""Snapshots of the main screens at 80x24, with long names and long opening hours, and one
run without colour. A change to any of them fails until a person has looked at the new
picture and accepted it (``pytest --snapshot-update``, then review the SVG in git).

Time is frozen at Monday 30 November 2026, 19:10 GMT (the Welfare Assistance Team closed),
so open-now words, countdowns and due times are the same on every run.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from unittest import mock

import pytest
import time_machine

from cxdesk import locations
from cxdesk.store import customer_commands, referral_commands
from cxdesk.store.directory_commands import import_directory
from tests import peek
from tests.customer_helpers import MARIA
from tests.deskkit import build_desk, give_keys, make_test_app, settle, sign_in
from tests.test_screens_customers import ADVISOR, TEAM_WORKER

SIZE = (80, 24)
FROZEN = datetime(2026, 11, 30, 19, 10, tzinfo=UTC)
LONG_NAME = dict(
    MARIA,
    given_name="Bartholomew-Alexander Maximilian",
    family_name="Featherstonehaugh-Montgomery",
    date_of_birth="29/02/1988",
    postcode="EM2 7DN",
)
LONG_ENTRY = (
    "riverside-family-support,Riverside Children's Centre and Family Support Partnership "
    "Outreach Service,Children,Family support,family support; outreach,020 7946 0777,"
    '"Mon 09:00-12:30, 13:30-17:00; Tue-Thu 08:00-12:00, 13:00-20:00; Fri 09:00-16:30; '
    'Sat 10:00-13:00",Out of hours ring the Emergency Duty Team,020 7946 0999,,no,\n'
)


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(FROZEN, tick=False):
        yield


@pytest.fixture
def desk(store, tmp_path):
    build_desk(store, with_directory=False)
    directory = tmp_path / "directory.csv"
    text = (locations.fixtures_dir() / "directory.csv").read_text(encoding="utf-8")
    directory.write_text(text.rstrip("\n") + "\n" + LONG_ENTRY, encoding="utf-8")
    import_directory(store, directory, actor="ADMIN1", role="admin")
    give_keys(store, ADVISOR.staff_id)
    customer_commands.register_customer(store, ADVISOR, LONG_NAME)
    customer_commands.register_customer(store, ADVISOR, MARIA)
    store.forget_keys()
    return store


def signed_in(*keys: str):
    async def run(pilot) -> None:
        await sign_in(pilot, "A1001")
        for key in keys:
            await pilot.press(key)
        await settle(pilot)

    return run


def typed(text: str, *then: str) -> tuple[str, ...]:
    return (*text, *then)


def test_sign_in(desk, snap_compare):
    assert snap_compare(make_test_app(desk), terminal_size=SIZE)


def test_lock_screen(desk, snap_compare):
    assert snap_compare(make_test_app(desk), run_before=signed_in("f9"), terminal_size=SIZE)


def test_lookup_long_names_and_hours(desk, snap_compare):
    run = signed_in(*typed("family support"))
    assert snap_compare(make_test_app(desk), run_before=run, terminal_size=SIZE)


def test_lookup_without_colour(desk, snap_compare, monkeypatch):
    monkeypatch.setenv("NO_COLOR", "1")
    run = signed_in(*typed("emergency"), "down")
    assert snap_compare(make_test_app(desk), run_before=run, terminal_size=SIZE)


def test_directory_entry_with_long_hours(desk, snap_compare):
    run = signed_in(*typed("riverside children"), "enter")
    assert snap_compare(make_test_app(desk), run_before=run, terminal_size=SIZE)


def test_help_on_lookup(desk, snap_compare):
    assert snap_compare(make_test_app(desk), run_before=signed_in("f1"), terminal_size=SIZE)


def test_customer_search_long_name(desk, snap_compare):
    run = signed_in("f3", *typed("featherstonehaugh"))
    assert snap_compare(make_test_app(desk), run_before=run, terminal_size=SIZE)


def test_search_all_locations_asks_why(desk, snap_compare):
    """Ctrl+G on a search that found nobody here: the reason form, naming who is asked for."""
    from cxdesk.sync.client import AsyncSyncClient
    from cxdesk.sync.worker import SyncWorker

    async def run(pilot) -> None:
        await sign_in(pilot, "A1001")
        # Enrolled (a worker that has not tried the network yet, so not known offline).
        pilot.app.sync = SyncWorker(desk, AsyncSyncClient("http://127.0.0.1:9", "t"))
        for key in ("f3", *typed("zed quill 01/02/1990 em2 7dn"), "ctrl+g", *typed("At desk")):
            await pilot.press(key)
        await settle(pilot)

    assert snap_compare(make_test_app(desk), run_before=run, terminal_size=SIZE)


def test_customer_record_long_name(desk, snap_compare):
    run = signed_in("f3", *typed("featherstonehaugh"), "enter")
    assert snap_compare(make_test_app(desk), run_before=run, terminal_size=SIZE)


def test_new_customer_form_with_likely_match(desk, snap_compare):
    keys = ("f3", "ctrl+n", *typed("Maria", "tab"), *typed("Okafor", "tab"), *typed("11/2/84"))
    assert snap_compare(make_test_app(desk), run_before=signed_in(*keys), terminal_size=SIZE)


def test_discard_what_you_typed(desk, snap_compare):
    keys = ("f3", "ctrl+n", *typed("Maria"), "escape")
    assert snap_compare(make_test_app(desk), run_before=signed_in(*keys), terminal_size=SIZE)


def test_referral_form_long_name(desk, snap_compare):
    run = signed_in("f3", *typed("featherstonehaugh"), "enter", "r")
    assert snap_compare(make_test_app(desk), run_before=run, terminal_size=SIZE)


def test_payment_card_out_of_hours_and_offline(desk, snap_compare):
    from tests.crisis_helpers import POLICIES

    for policy in POLICIES:
        desk.record("PolicySet", policy, actor="ADMIN1", role="admin")
    run = signed_in("f3", *typed("featherstonehaugh"), "enter", "c")
    assert snap_compare(make_test_app(desk), run_before=run, terminal_size=SIZE)


# The rest of the desk's screens. ``as_staff`` opens an area as someone already signed in
# (their keys handed over as sign-in would), so each run is one screen and its keys.


def as_staff(session, mode: str, *keys: str, push=None):
    async def run(pilot) -> None:
        from tests.test_screens_customers import open_area

        await open_area(pilot, session, mode)
        if push is not None:
            await pilot.app.push_screen(push())
            await settle(pilot)
        for key in keys:
            await pilot.press(key)
        await settle(pilot)

    return run


def long_customer(store) -> str:
    [row] = peek.query(store, "SELECT customer_id FROM customers WHERE family_name LIKE 'Feather%'")
    return row[0]


def refer_long_customer(store) -> str:
    from tests.customer_helpers import REFERRAL_CHOICES

    story = "Notice to leave by Friday; three children; the landlord has changed the locks."
    give_keys(store, ADVISOR.staff_id)
    fixed = uuid.UUID("0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b")  # the reference shown comes from it
    with mock.patch.object(referral_commands.uuid6, "uuid7", return_value=fixed):
        rid = referral_commands.raise_referral(
            store, ADVISOR, long_customer(store), {**REFERRAL_CHOICES, "story": story}
        )
    store.forget_keys()
    return rid


def test_referral_queue_incoming(desk, snap_compare):
    from cxdesk.store.referral_queries import set_queue_team

    refer_long_customer(desk)
    set_queue_team(desk, "housing-options")  # the team this desk last worked for
    run = as_staff(TEAM_WORKER, "queues")
    assert snap_compare(make_test_app(desk), run_before=run, terminal_size=SIZE)


def test_referral_queue_outgoing(desk, snap_compare):
    refer_long_customer(desk)
    run = as_staff(ADVISOR, "queues")
    assert snap_compare(make_test_app(desk), run_before=run, terminal_size=SIZE)


def test_referral_view(desk, snap_compare):
    from cxdesk.screens.referral_view import ReferralViewScreen

    rid = refer_long_customer(desk)
    run = as_staff(TEAM_WORKER, "queues", push=lambda: ReferralViewScreen(rid))
    assert snap_compare(make_test_app(desk), run_before=run, terminal_size=SIZE)


def test_issue_voucher_form(desk, snap_compare):
    from tests.crisis_helpers import POLICIES

    for policy in POLICIES:
        desk.record("PolicySet", policy, actor="ADMIN1", role="admin")
    run = signed_in("f3", *typed("featherstonehaugh"), "enter", "i")
    assert snap_compare(make_test_app(desk), run_before=run, terminal_size=SIZE)


def test_crisis_flag_dialog(desk, snap_compare):
    run = signed_in("f3", *typed("featherstonehaugh"), "enter", "f")
    assert snap_compare(make_test_app(desk), run_before=run, terminal_size=SIZE)


def test_digital_exclusion(desk, snap_compare):
    run = signed_in("f3", *typed("featherstonehaugh"), "enter", "d")
    assert snap_compare(make_test_app(desk), run_before=run, terminal_size=SIZE)


def test_wrap_up(desk, snap_compare):
    run = signed_in("f3", *typed("featherstonehaugh"), "enter", "f12")
    assert snap_compare(make_test_app(desk), run_before=run, terminal_size=SIZE)


def test_transfer_outcome(desk, snap_compare):
    async def run(pilot) -> None:
        await signed_in(*typed("riverside children"), "ctrl+y")(pilot)
        pilot.app.clear_notifications()  # "Number copied" would cover the question
        await settle(pilot)

    assert snap_compare(make_test_app(desk), run_before=run, terminal_size=SIZE)


def test_enrol_screen(desk, snap_compare):
    from cxdesk.screens.enrol import EnrolScreen

    notice = "This desk is not enrolled yet: ask your administrator for a one-time code."

    async def run(pilot) -> None:
        await pilot.app.push_screen(EnrolScreen(notice, "https://cxdesk.riverside-council.example"))
        await settle(pilot)

    assert snap_compare(make_test_app(desk), run_before=run, terminal_size=SIZE)


def test_cautions_list(desk, snap_compare):
    from cxdesk.store import caution_commands

    give_keys(desk, TEAM_WORKER.staff_id)
    caution_commands.propose_marker(
        desk,
        TEAM_WORKER,
        customer_id=long_customer(desk),
        category="violence",
        precaution="Meet only in room 2 with a colleague; never alone at home visits",
        detail="Threw a chair at a colleague, 3 Nov.",
        evidence_ref="INC-77",
    )
    desk.forget_keys()

    async def run(pilot) -> None:
        from cxdesk.screens.cautions import CautionsScreen

        await as_staff(TEAM_WORKER, "customers", push=CautionsScreen)(pilot)

    assert snap_compare(make_test_app(desk), run_before=run, terminal_size=SIZE)
