"""Snapshots of the main screens at 80x24, with long names and long opening hours, and one
run without colour. A change to any of them fails until a person has looked at the new
picture and accepted it (``pytest --snapshot-update``, then review the SVG in git).

Time is frozen at Monday 30 November 2026, 19:10 GMT (the Welfare Assistance Team closed),
so open-now words, countdowns and due times are the same on every run.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import time_machine

from cxdesk import locations
from cxdesk.store import customer_commands
from cxdesk.store.directory_commands import import_directory
from tests.customer_helpers import MARIA
from tests.deskkit import build_desk, give_keys, make_test_app, settle, sign_in
from tests.test_screens_customers import ADVISOR

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
