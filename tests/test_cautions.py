"""The cautionary contact register: review expiry, two-supervisor approval, protected addresses."""

from __future__ import annotations

from datetime import date

import pytest

from cxdesk.domain.cautions import address_key, default_review_date, review_state, shown_to
from cxdesk.errors import AuthError, ValidationError
from cxdesk.events import may_author
from cxdesk.session import DeskSession
from cxdesk.store import caution_commands as cmd
from cxdesk.store import caution_queries as q
from cxdesk.store import customer_commands as cc
from cxdesk.store.rebuild import verify_store
from tests import peek
from tests.customer_helpers import MARIA

S1 = DeskSession("S1", "Pat Supervisor", "supervisor", "CSC")
S2 = DeskSession("S2", "Sol Supervisor", "supervisor", "CSC")
ADVISOR = DeskSession("AB1001", "Alex Advisor", "advisor", "CSC")
TODAY = date(2026, 11, 30)


def test_review_date_defaults_to_twelve_months_and_keeps_leap_days_real():
    assert default_review_date(date(2026, 11, 30)) == date(2027, 11, 30)
    assert default_review_date(date(2028, 2, 29)) == date(2029, 2, 28)


def test_review_expiry_overdue_then_lapsed_for_advisors_only():
    due = date(2026, 10, 1)
    assert review_state(due, date(2026, 10, 1)) == "current"
    assert review_state(due, date(2026, 10, 2)) == "overdue"
    assert review_state(due, date(2026, 10, 31)) == "overdue"
    assert review_state(due, date(2026, 11, 1)) == "lapsed"
    assert shown_to("advisor", "overdue") and not shown_to("advisor", "lapsed")
    assert shown_to("supervisor", "lapsed")


def test_address_key_ignores_spelling_and_the_town():
    one = address_key("12, Mill Lane, Aylesbury", "hp20 1aa")
    assert one == address_key("12 Mill Lane", "HP20 1AA") == "HP201AA|12 mill lane"
    assert address_key("Flat 3, 12 Mere Road", "EM1 4QT") != address_key(
        "Flat 4, 12 Mere Road", "EM1 4QT"
    )
    assert address_key("anywhere", "NFA") == ""


@pytest.fixture
def resident(store):
    return cc.register_customer(store, ADVISOR, MARIA, today=TODAY)


def propose(store, cid, **kw):
    args = {
        "category": "violence",
        "precaution": "Do not meet alone; use room 2",
        "detail": "Threatened a colleague with a chair on 3 Nov.",
        "evidence_ref": "INC-77",
    }
    return cmd.propose_marker(store, S1, customer_id=cid, today=TODAY, **(args | kw))


def test_marker_is_live_only_after_a_second_supervisor_approves(store, resident):
    marker = propose(store, resident)
    assert q.markers_for(store, customer_id=resident, role="advisor", today=TODAY) == []
    assert [m.marker_id for m in q.waiting_approval(store)] == [marker]
    with pytest.raises(AuthError, match="second supervisor"):
        cmd.approve_marker(store, S1, marker)
    with pytest.raises(AuthError, match="supervisor"):
        cmd.approve_marker(store, ADVISOR, marker)
    assert not may_author("CautionApproved", "advisor", "AB1001")
    cmd.approve_marker(store, S2, marker)
    [line] = q.markers_for(store, customer_id=resident, role="advisor", today=TODAY)
    assert line.precaution == "Do not meet alone; use room 2" and line.on == "person"
    assert "Threatened" not in line.line()  # the detail is never in the line
    with pytest.raises(AuthError, match="already approved"):
        cmd.approve_marker(store, S2, marker)
    assert verify_store(store).ok


def test_self_approval_recorded_past_the_desk_counts_for_nothing(store, resident):
    marker = propose(store, resident)
    store.record(
        "CautionApproved",
        {"marker_id": marker, "customer_id": resident},
        actor="S1",
        role="supervisor",
    )
    assert q.get_marker(store, marker).status == "proposed"


def test_address_marker_reaches_everyone_at_that_address(store, resident):
    marker = cmd.propose_marker(
        store,
        S1,
        address="12 Mere Road, Flat 3",
        postcode="em1 4qt",
        category="animals",
        precaution="Dog on site; phone first",
        detail="Bitten on a visit.",
        today=TODAY,
    )
    cmd.approve_marker(store, S2, marker)
    found = q.markers_for(
        store,
        customer_id=resident,
        address="Flat 3, 12 Mere Road",
        postcode="EM1 4QT",
        role="advisor",
        today=TODAY,
    )
    assert found == []  # "12 Mere Road, Flat 3" is written the other way round: another key
    marker2 = cmd.propose_marker(
        store,
        S1,
        address="Flat 3, 12 Mere Road, Emtown",
        postcode="em1 4qt",
        category="animals",
        precaution="Dog on site; phone first",
        detail="Bitten on a visit.",
        today=TODAY,
    )
    cmd.approve_marker(store, S2, marker2)
    [line] = q.markers_for(
        store,
        customer_id=resident,
        address="Flat 3, 12 Mere Road",
        postcode="EM1 4QT",
        role="advisor",
        today=TODAY,
    )
    assert line.on == "address" and line.category_words == "Animals"


def test_overdue_review_shows_to_supervisors_and_lapses_for_advisors(store, resident):
    marker = propose(store, resident, review_due=date(2026, 12, 31))
    cmd.approve_marker(store, S2, marker)
    overdue = date(2027, 1, 15)
    [sup] = q.markers_for(store, customer_id=resident, role="supervisor", today=overdue)
    [adv] = q.markers_for(store, customer_id=resident, role="advisor", today=overdue)
    assert sup.note == "review overdue" and adv.note == ""
    lapsed = date(2027, 2, 1)
    assert q.markers_for(store, customer_id=resident, role="advisor", today=lapsed) == []
    assert [m.marker_id for m in q.reviews_due(store, lapsed)] == [marker]
    with pytest.raises(ValidationError, match="reason"):
        cmd.review_marker(store, S1, marker, outcome="keep", reason=" ", today=lapsed)
    cmd.review_marker(
        store, S1, marker, outcome="keep", reason="Still threatening staff", today=lapsed
    )
    [kept] = q.markers_for(store, customer_id=resident, role="advisor", today=lapsed)
    assert kept.review_due == date(2028, 2, 1) and q.reviews_due(store, lapsed) == []
    cmd.review_marker(store, S2, marker, outcome="remove", reason="Moved away", today=lapsed)
    assert q.markers_for(store, customer_id=resident, role="supervisor", today=lapsed) == []


def test_detail_asks_a_reason_and_the_view_is_recorded(store, resident):
    marker = propose(store, resident)
    cmd.approve_marker(store, S2, marker)
    with pytest.raises(ValidationError, match="reason"):
        cmd.view_detail(store, ADVISOR, marker, "")
    detail = cmd.view_detail(store, ADVISOR, marker, "Booking a home visit")
    assert detail.detail.startswith("Threatened")
    [(who, _, why)] = q.detail_views(store, marker)
    assert (who, why) == ("AB1001", "Booking a home visit")


def test_protected_address_is_hidden_until_revealed_with_a_reason(store, resident):
    assert q.protection_of(store, resident) is None
    with pytest.raises(ValidationError, match="route"):
        cmd.protect_address(store, ADVISOR, resident, route="pigeon", reason="Fleeing abuse")
    cmd.protect_address(store, ADVISOR, resident, route="phone", reason="Fleeing abuse")
    assert q.protection_of(store, resident) == "phone"
    assert q.protected_among(store, [resident, "other"]) == {resident}
    with pytest.raises(ValidationError, match="reason"):
        cmd.reveal_address(store, ADVISOR, resident, "  ")
    assert q.reveals(store, resident) == []
    shown = cmd.reveal_address(store, ADVISOR, resident, "Posting a crisis card")
    assert "12 Mere Road" in shown and "EM1 4QT" in shown
    assert [why for _, _, why in q.reveals(store, resident)] == ["Posting a crisis card"]
    with pytest.raises(AuthError):
        cmd.lift_protection(store, ADVISOR, resident, reason="Safe now")
    cmd.lift_protection(store, S1, resident, reason="Safe now")
    assert q.protection_of(store, resident) is None
    assert verify_store(store).ok


def test_demo_council_has_markers_an_overdue_review_and_a_protected_address(store):
    from cxdesk.seed import seed_store

    seed_store(store)
    today = date.today()
    live = peek.query(store, "SELECT * FROM caution_markers WHERE status = 'live'")
    assert len(live) == 3 and {r["proposed_by"] for r in live} != {r["approved_by"] for r in live}
    assert sum(1 for r in live if r["customer_id"] is None) == 1  # the address marker
    [overdue] = q.reviews_due(store, today)
    [line] = q.markers_for(store, customer_id=overdue.customer_id, role="supervisor", today=today)
    assert line.note == "review overdue"
    assert peek.scalar(store, "SELECT COUNT(*) FROM protected_addresses") == 1
    assert verify_store(store).ok


def test_letter_to_a_protected_resident_names_only_the_chosen_route(store):
    from cxdesk.store import referral_commands as rc
    from tests.customer_helpers import REFERRAL_CHOICES
    from tests.test_customers_store import add_team

    add_team(store)
    cid = cc.register_customer(
        store, ADVISOR, {**MARIA, "preferred_contact": "letter"}, today=TODAY
    )
    rid = rc.raise_referral(store, ADVISOR, cid, REFERRAL_CHOICES | {"story": "Rent arrears."})
    assert "by letter to your address" in rc.confirmation_letter(store, rid)[0]
    cmd.protect_address(store, ADVISOR, cid, route="phone", reason="Fleeing abuse")
    text = rc.confirmation_letter(store, rid)[0]
    assert "your address" not in text and "by phone on 07700 900101" in text
    assert "Mere Road" not in text and "EM1" not in text


def test_letters_and_slips_never_read_the_register():
    """The person is never told through cxdesk: the modules that build printouts do not
    import the register's queries (so no future edit shows a marker there by accident)."""
    import inspect

    from cxdesk.domain import letters, slip

    for module in (letters, slip):
        source = inspect.getsource(module)
        assert "caution" not in source and "marker" not in source.lower()


def test_banner_shows_a_precaution_as_text_never_markup_or_escapes():
    from cxdesk.domain.cautions import MarkerLine
    from cxdesk.screens.cautions import banner_text

    hostile = "[link=https://x.invalid]Meet[/] in [@click=app.quit]room 2\x1b]52;c;x\x07"
    text = banner_text([MarkerLine("m1", "person", "other", hostile, TODAY, "")])
    assert "[link=https://x.invalid]Meet[/]" in text.plain and "\x1b" not in text.plain
    assert not text.spans  # no style came from the stored words
