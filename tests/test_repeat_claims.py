"""Repeat claims: window edges (day 6, 7, 8), the 90-day max, cards in 28 days,
a likely match at another location, and overrides recorded with who approved."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from cxdesk.domain import repeat_claims as rc
from cxdesk.errors import AuthError, ValidationError
from cxdesk.store import issue_commands as ic
from cxdesk.store.rebuild import verify_store
from cxdesk.store.sync_queries import LAST_SUCCESS
from tests import peek
from tests.crisis_helpers import PASSCODE, register, set_up_council

VOUCHERS = rc.Policy("food_voucher", (rc.Window(7, 1), rc.Window(90, 3)), "reason")
CARDS = rc.Policy("payment_card", (rc.Window(28, 1),), "supervisor", 5000)
JO = rc.Person("c1", "Jo", "Bloggs", "1980-04-02", "N1 1AA")
NOW = datetime(2026, 6, 15, 10, 0, tzinfo=UTC)  # a Monday


def past(days_ago: float, kind="food_voucher", customer="c1", person=None, hours=0) -> rc.PastIssue:
    at = NOW - timedelta(days=days_ago, hours=hours)
    return rc.PastIssue(f"i-{days_ago}-{kind}", kind, customer, "CSC", at, person)


def advisor_issues(store, **fields):
    """``issue_item`` as advisor ADV1 at the CSC (a ``location`` given overrides it)."""
    return ic.issue_item(store, **{"actor": "ADV1", "role": "advisor", "location": "CSC", **fields})


def check(policy, issues):
    return rc.check_repeat(JO, policy, issues, now=NOW, kind_name="food voucher")


@pytest.mark.parametrize(("days", "breached"), [(6, True), (7, False), (8, False)])
def test_seven_day_window_edges(days, breached):
    result = check(VOUCHERS, [past(days)])
    assert bool(result.breached) is breached
    assert result.matches  # still shown: it is inside the 90-day window


def test_edge_is_by_calendar_day_not_hours():
    # 6 days and 23 hours ago was still the previous Monday's calendar day -> day 7, clear.
    assert not check(VOUCHERS, [past(6, hours=23)]).breached
    # Late on day 6 (Tuesday 23:30 London) is still inside.
    late_tuesday = datetime(2026, 6, 9, 22, 30, tzinfo=UTC)  # 23:30 BST
    issue = rc.PastIssue("x", "food_voucher", "c1", "CSC", late_tuesday)
    assert check(VOUCHERS, [issue]).breached


def test_ninety_day_maximum():
    assert not check(VOUCHERS, [past(10), past(40)]).breached
    result = check(VOUCHERS, [past(10), past(40), past(89)])
    assert result.breached == ["at most 3 food vouchers in 90 days: 3 already"]
    assert not check(VOUCHERS, [past(10), past(40), past(90)]).breached


@pytest.mark.parametrize(("days", "breached"), [(27, True), (28, False), (29, False)])
def test_card_twenty_eight_days(days, breached):
    result = check(CARDS, [past(days, kind="payment_card")])
    assert bool(result.breached) is breached
    assert result.needs_supervisor is breached


def test_likely_match_of_a_re_registered_person():
    other = rc.Person("c2", "Joe", "Blogs", "1980-04-02", "N1 2BB")
    stranger = rc.Person("c3", "Jo", "Bloggs", "1979-11-30", "N1 1AA")
    result = check(
        VOUCHERS, [past(3, customer="c2", person=other), past(2, customer="c3", person=stranger)]
    )
    assert [(m.issue.customer_id, m.how) for m in result.matches] == [("c2", "likely match")]
    assert result.breached


def test_knowledge_age_text():
    assert "never synced" in rc.knowledge_text(None, NOW)
    two_hours = rc.knowledge_text(NOW - timedelta(hours=2), NOW)
    assert two_hours == "issues from other locations as of 2 h ago"


def test_store_check_finds_other_location_and_records_override(admin_store):
    store = admin_store
    set_up_council(store)
    jo = register(store)
    again = register(store, given="Joe", family="Bloggs", postcode="N1 9ZZ", location="HUB-N")
    first = ic.check_repeat_claims(store, "food_voucher", again)
    advisor_issues(
        store,
        location="HUB-N",
        kind="food_voucher",
        customer_id=again,
        serial_text="FV000101",
        reason="no food",
        check=first,
    )
    store.set_state(store.conn, LAST_SUCCESS, "2026-01-01T09:00:00.000000Z")
    result = ic.check_repeat_claims(store, "food_voucher", jo)
    assert [(m.issue.location, m.how) for m in result.matches] == [("HUB-N", "likely match")]
    assert result.needs_reason and result.knowledge_as_of.year == 2026
    with pytest.raises(ValidationError) as err:
        advisor_issues(
            store,
            kind="food_voucher",
            customer_id=jo,
            serial_text="FV000001",
            reason="no food",
            check=result,
        )
    assert err.value.field == "override_reason"
    advisor_issues(
        store,
        kind="food_voucher",
        customer_id=jo,
        serial_text="FV000001",
        reason="no food",
        check=result,
        override_reason="lost the first voucher",
    )
    row = peek.query(store, "SELECT * FROM issues WHERE customer_id = ?", (jo,))[0]
    assert (row["repeat_action"], row["override_reason"]) == ("reason", "lost the first voucher")
    assert row["knowledge_as_of"] == "2026-01-01T09:00:00.000Z"
    assert verify_store(store).ok


def test_card_override_needs_a_real_supervisor(admin_store):
    store = admin_store
    set_up_council(store)
    jo = register(store)
    advisor_issues(
        store,
        kind="payment_card",
        customer_id=jo,
        serial_text="PC000001",
        amount_text="20",
        reason="no money",
        check=ic.check_repeat_claims(store, "payment_card", jo),
    )
    result = ic.check_repeat_claims(store, "payment_card", jo)
    assert result.needs_supervisor
    content = ic.issue_content(
        store,
        kind="payment_card",
        customer_id=jo,
        serial_text="PC000002",
        amount_text="20",
        reason="no money",
        override_reason="fled home",
        location="CSC",
    )
    with pytest.raises(AuthError, match="not a supervisor"):
        ic.verify_approver(store, "WEL1", PASSCODE, content)
    with pytest.raises(AuthError, match="do not match"):
        ic.verify_approver(store, "SUP1", "wrong passcode here", content)
    with pytest.raises(AuthError, match="needs a supervisor"):
        advisor_issues(
            store,
            kind="payment_card",
            customer_id=jo,
            serial_text="PC000002",
            amount_text="20",
            reason="no money",
            check=result,
            override_reason="fled home",
        )
    approval = ic.verify_approver(store, "sup1", PASSCODE, content)
    advisor_issues(
        store,
        kind="payment_card",
        customer_id=jo,
        serial_text="PC000002",
        amount_text="20",
        reason="no money",
        check=result,
        override_reason="fled home",
        approval=approval,
    )
    row = peek.query(store, "SELECT * FROM issues WHERE serial = 'PC000002'")[0]
    assert (row["approved_by"], row["repeat_action"]) == ("SUP1", "supervisor")
