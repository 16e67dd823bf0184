"""Each anomaly rule finds what is there and stays quiet where nothing is wrong."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from cxdesk.domain.anomalies import (
    CustomerContact,
    IssueFact,
    advisor_outliers,
    duplicate_serials,
    normalise_address,
    normalise_phone,
    outside_hours,
    repeat_claims,
    shared_contacts,
    stock_count_differences,
)
from cxdesk.domain.hours import OpeningHours
from cxdesk.domain.reconciliation import ReconciliationRow

# Tuesday 3 November 2026, 10:00 UK time (GMT, so also 10:00 UTC).
T0 = datetime(2026, 11, 3, 10, 0, tzinfo=UTC)


def issue(
    n,
    *,
    customer="C1",
    kind="food_voucher",
    at=T0,
    location="CSC",
    advisor="A1",
    serial=None,
    override="",
    voided=False,
    name="Sam Jones",
):
    return IssueFact(
        issue_id=f"issue-{n:04d}",
        kind=kind,
        serial=serial or f"FV{n:06d}",
        location=location,
        advisor=advisor,
        at=at,
        customer_id=customer,
        customer_name=name,
        override_reason=override,
        voided=voided,
    )


WINDOWS = {"food_voucher": [(7, 1), (90, 3)], "payment_card": [(28, 1)]}


def test_repeat_claim_inside_window_is_found_and_explained():
    found = repeat_claims(
        [issue(1), issue(2, at=T0 + timedelta(days=4), location="HUB-N", override="new baby")],
        WINDOWS,
    )
    assert len(found) == 1
    f = found[0]
    assert f.rule == "repeat-claim" and f.issue_ids == ("issue-0001", "issue-0002")
    assert "4 days after one at CSC" in f.detail and "allows one every 7 days" in f.detail
    assert "new baby" in f.detail and f.location == "HUB-N"


def test_longer_window_with_a_larger_maximum_is_checked_too():
    claims = [issue(n, at=T0 + timedelta(days=10 * n)) for n in range(4)]
    found = repeat_claims(claims, WINDOWS)
    assert len(found) == 1 and "allows 3 every 90 days" in found[0].detail
    assert found[0].issue_ids[-1] == "issue-0003" and len(found[0].issue_ids) == 4


def test_repeat_claim_outside_window_other_kind_or_voided_is_not_found():
    assert not repeat_claims([issue(1), issue(2, at=T0 + timedelta(days=7))], WINDOWS)
    assert not repeat_claims([issue(1), issue(2, kind="payment_card")], WINDOWS)
    assert not repeat_claims([issue(1, voided=True), issue(2)], WINDOWS)
    assert not repeat_claims([issue(1), issue(2, customer="C2")], WINDOWS)


def test_shared_phone_between_claiming_customers_is_found():
    customers = [
        CustomerContact("C1", "Sam Jones", phone="07700 900123", address="1 High St"),
        CustomerContact("C2", "Alex Jones", phone="+447700900123", address="9 Low Rd"),
        CustomerContact("C3", "Kim Lee", phone="07700 900999", address="5 Elm Way"),
    ]
    issues = [issue(1, customer="C1"), issue(2, customer="C2"), issue(3, customer="C3")]
    found = shared_contacts(issues, customers)
    assert len(found) == 1
    assert "phone number" in found[0].detail and "Sam Jones (1)" in found[0].detail
    assert set(found[0].issue_ids) == {"issue-0001", "issue-0002"}


def test_shared_address_found_but_not_when_only_one_claimed():
    customers = [
        CustomerContact("C1", "Sam Jones", address="12, High St."),
        CustomerContact("C2", "Alex Jones", address="12 high st"),
    ]
    assert normalise_address("12, High St.") == normalise_address("12 high st")
    both = shared_contacts([issue(1, customer="C1"), issue(2, customer="C2")], customers)
    assert len(both) == 1 and "address" in both[0].detail
    assert not shared_contacts([issue(1, customer="C1")], customers)
    assert normalise_phone("+44 7700 900123") == "07700900123"


def test_same_serial_twice_is_found_unless_one_is_voided():
    a = issue(1, serial="FV000777", location="HUB-N", advisor="A1")
    b = issue(2, serial="FV000777", location="HUB-N", advisor="A2", at=T0 + timedelta(minutes=5))
    found = duplicate_serials([a, b, issue(3)])
    assert len(found) == 1 and "FV000777" in found[0].detail and "2 times" in found[0].detail
    assert not duplicate_serials([a, issue(2, serial="FV000777", voided=True)])


def test_issue_outside_opening_hours_is_found():
    hours = {
        "CSC": OpeningHours.parse("Mon-Fri 09:00-17:00"),
        "HUB-X": OpeningHours.parse("unknown"),
    }
    evening = issue(1, at=datetime(2026, 11, 3, 19, 30, tzinfo=UTC))
    saturday = issue(2, at=datetime(2026, 11, 7, 11, 0, tzinfo=UTC))
    inside = issue(3, at=T0)
    unknown = issue(4, location="HUB-X", at=datetime(2026, 11, 3, 23, 0, tzinfo=UTC))
    found = outside_hours([evening, saturday, inside, unknown], hours)
    assert [f.issue_ids for f in found] == [("issue-0001",), ("issue-0002",)]
    assert "when it is closed" in found[0].detail and "Tue 3 Nov 19:30" in found[0].detail


def test_summer_time_is_respected_for_opening_hours():
    hours = {"CSC": OpeningHours.parse("Mon-Fri 09:00-17:00")}
    # 08:30 UTC on a July weekday is 09:30 BST: open.
    assert not outside_hours([issue(1, at=datetime(2026, 7, 7, 8, 30, tzinfo=UTC))], hours)
    # 16:30 UTC is 17:30 BST: closed.
    assert outside_hours([issue(2, at=datetime(2026, 7, 7, 16, 30, tzinfo=UTC))], hours)


def _batch(advisor, count, overrides=0, start=0, location="CSC"):
    return [
        issue(
            start + i,
            advisor=advisor,
            location=location,
            customer=f"C{start + i}",
            override="repeat ok" if i < overrides else "",
        )
        for i in range(count)
    ]


def test_advisor_with_far_more_issues_than_location_is_found():
    issues = _batch("A1", 30, start=0) + _batch("A2", 10, start=100) + _batch("A3", 8, start=200)
    found = advisor_outliers(issues)
    assert len(found) == 1
    assert found[0].detail.startswith("A1 issued 30 at CSC") and "9.0 each" in found[0].detail


def test_advisor_override_rate_far_above_location_is_found():
    issues = _batch("A1", 12, overrides=6, start=0) + _batch("A2", 12, overrides=1, start=100)
    found = advisor_outliers(issues)
    assert len(found) == 1 and "overrode the repeat-claim check on 6 of 12" in found[0].detail


def test_advisor_outlier_needs_enough_issues_and_a_comparison():
    # 9 issues against 1: below MIN_ISSUES, so one busy morning is not flagged.
    assert not advisor_outliers(_batch("A1", 9, overrides=5) + _batch("A2", 1, start=100))
    # Alone at a location: nobody to compare with.
    assert not advisor_outliers(_batch("A1", 50, overrides=20))
    # Busy, but not far above (less than double).
    assert not advisor_outliers(_batch("A1", 15) + _batch("A2", 10, start=100))
    # Other locations do not count.
    assert not advisor_outliers(_batch("A1", 30) + _batch("A2", 10, start=100, location="HUB"))


def test_stock_count_difference_is_found_only_when_it_differs():
    short = ReconciliationRow(
        "CSC", "food_voucher", date(2026, 11, 3), counted=48, expected_at_count=50, counted_at=T0
    )
    right = ReconciliationRow(
        "CSC", "food_voucher", date(2026, 11, 4), counted=50, expected_at_count=50, counted_at=T0
    )
    uncounted = ReconciliationRow("CSC", "food_voucher", date(2026, 11, 5), expected=50)
    found = stock_count_differences([short, right, uncounted])
    assert len(found) == 1 and "2 short" in found[0].detail and "counted 48" in found[0].detail
