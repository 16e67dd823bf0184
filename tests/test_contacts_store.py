"""The contact log in the desk store: wrap-ups, unwrapped contacts, transfers and
digital exclusion recorded through the commands, projected, and rebuilt the same."""

from __future__ import annotations

import pytest

from cxdesk.domain.contacts import parse_utc_ms
from cxdesk.errors import AuthError, ValidationError
from cxdesk.seed import seed_store
from cxdesk.store import contact_commands as cmd
from cxdesk.store import contact_queries as q
from cxdesk.store.rebuild import verify_store
from tests import peek

ADV = {"actor": "ADV1", "role": "advisor"}
PERSON = "0190b7a4-0000-7000-8000-000000000001"


@pytest.fixture
def council(store):
    seed_store(store)  # the demo council, with its list of contact reasons
    return store


def test_the_reasons_list_comes_from_the_seed(council):
    codes = [r.code for r in q.reasons(council)]
    assert len(codes) >= 30 and "council-tax-bill" in codes
    assert q.fcr_window_days(council) == 7
    assert q.reason_index(council).search("bins missed")[0].code == "bins-missed"


def test_wrap_up_is_projected_with_its_reasons_and_local_time(council):
    at = parse_utc_ms("2026-07-01T08:30:00Z")
    cmd.wrap_contact(
        council,
        **ADV,
        customer_id=PERSON,
        reasons=["bins-missed", "bulky-waste"],
        channel="phone",
        outcome="resolved",
        at_ms=at,
    )
    (row,) = q.customer_contacts(council, PERSON)  # PERSON is not in the demo history
    assert sorted(row.reasons) == ["bins-missed", "bulky-waste"]
    assert (row.channel, row.outcome, row.hour, row.week) == (
        "phone",
        "resolved",
        9,
        "2026-W27",
    )
    assert row.location == "CSC" and row.actor == "ADV1"


def test_wrap_up_refuses_what_is_not_on_the_list_or_not_allowed(council):
    wrap = dict(customer_id=None, channel="face", outcome="advice")
    before = q.contact_count(council)
    with pytest.raises(ValidationError, match="not on the council's list"):
        cmd.wrap_contact(council, **ADV, reasons=["made-up"], **wrap)
    with pytest.raises(ValidationError, match="at least one"):
        cmd.wrap_contact(council, **ADV, reasons=[], **wrap)
    with pytest.raises(ValidationError, match="channel"):
        cmd.wrap_contact(council, **ADV, reasons=["libraries"], **{**wrap, "channel": "pigeon"})
    with pytest.raises(ValidationError, match="anonymous"):
        cmd.wrap_contact(council, **ADV, reasons=["libraries"], **{**wrap, "outcome": "referred"})
    with pytest.raises(AuthError):
        cmd.wrap_contact(council, actor="W1", role="welfare", reasons=["libraries"], **wrap)
    assert q.contact_count(council) == before


def test_leaving_unwrapped_needs_a_reason(council):
    with pytest.raises(ValidationError):
        cmd.leave_unwrapped(council, **ADV, customer_id=PERSON, reason="  ")
    cmd.leave_unwrapped(council, **ADV, customer_id=PERSON, reason="Caller rang off")
    assert peek.scalar(council, "SELECT reason FROM contacts_unwrapped") == "Caller rang off"


def test_digital_exclusion_latest_wins_and_can_be_cleared(council):
    cmd.record_digital_exclusion(council, **ADV, customer_id=PERSON, reasons=["skills"])
    cmd.record_digital_exclusion(
        council, **ADV, customer_id=PERSON, reasons=["no_device", "language"]
    )
    assert q.digital_exclusion(council, PERSON) == ["no_device", "language"]
    with pytest.raises(ValidationError):
        cmd.record_digital_exclusion(council, **ADV, customer_id=PERSON, reasons=["lazy"])
    cmd.record_digital_exclusion(council, **ADV, customer_id=PERSON, reasons=[])
    assert q.digital_exclusion(council, PERSON) == []


def test_transfer_outcome_and_rebuild_equals_live(council):
    cmd.record_transfer(
        council, **ADV, entry_id="housing-options", team="Housing Options", result="refused"
    )
    with pytest.raises(ValidationError):
        cmd.record_transfer(council, **ADV, entry_id="x", team="X", result="maybe")
    cmd.record_digital_exclusion(council, **ADV, customer_id=PERSON, reasons=["skills"])
    cmd.wrap_contact(
        council, **ADV, customer_id=None, reasons=["libraries"], channel="face", outcome="advice"
    )
    assert (
        peek.scalar(
            council,
            "SELECT result FROM transfer_outcomes WHERE entry_id = 'housing-options' "
            "ORDER BY at_ms DESC LIMIT 1",
        )
        == "refused"
    )
    report = verify_store(council)
    assert report.ok, report
