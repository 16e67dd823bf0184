"""The issued-voucher log's store queries: filters combine, keyset pages, totals, the story."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from cxdesk.domain.issue_log import IssueFilter
from cxdesk.errors import ValidationError
from cxdesk.store.issue_log_queries import issue_story, iter_log, log_page
from cxdesk.store.rebuild import verify_store
from cxdesk.store.supervisor_reports import find_anomalies, manager_figures, reconciliation

from . import supervision_helpers as h


def at(day, hour, minute=0):
    return datetime(2026, 11, day, hour, minute, tzinfo=UTC)


@pytest.fixture
def log(admin_store):
    """Two customers, vouchers at two locations by two advisors, a card with a late request."""
    s = admin_store
    h.set_time(s, at(2, 8))
    h.council(s)
    h.receive(s)
    h.receive(s, first="FV000101", last="FV000200", location="HUB-N")
    h.receive(s, first="PC000001", last="PC000010", kind="payment_card")
    zoe = h.customer(s, "Zoë", "Jones")
    kim = h.customer(s, "Kim", "Lee", dob="1975-01-01", postcode="NE1 4ST")
    ids = {
        "v1": h.voucher(s, zoe, "FV000001", at=at(2, 10)),
        "v2": h.voucher(
            s,
            zoe,
            "FV000101",
            at=at(4, 11),
            location="HUB-N",
            advisor="A2",
            override="baby due",
            action="reason",
        ),
        "v3": h.voucher(s, kim, "FV000002", at=at(5, 9, 30), advisor="A2"),
        "v4": h.voucher(s, kim, "FV000003", at=at(6, 14)),
    }
    ids["c1"], ids["r1"] = h.card(s, zoe, "PC000001", at=at(5, 12), pence=4000)
    h.complete(s, ids["r1"], zoe, at=at(5, 13, 30))  # 90 minutes: late
    ids["c2"], ids["r2"] = h.card(s, kim, "PC000002", at=at(6, 9), pence=2500)
    h.complete(s, ids["r2"], kim, at=at(6, 9, 40))  # on time
    h.void(s, ids["v4"], kim, "FV000003", at=at(6, 15))
    return s, ids, zoe, kim


NOW = int(at(20, 12).timestamp() * 1000)


def ids_of(page):
    return [r.issue_id for r in page.rows]


def test_newest_first_with_totals(log):
    s, ids, *_ = log
    page = log_page(s, IssueFilter(), now_ms=NOW)
    assert ids_of(page) == [ids["v4"], ids["c2"], ids["c1"], ids["v3"], ids["v2"], ids["v1"]]
    assert page.total_count == 6 and page.total_pence == 4 * 500 + 4000 + 2500


def test_filters_combine(log):
    s, ids, zoe, kim = log
    f = IssueFilter(date_from=date(2026, 11, 4), date_to=date(2026, 11, 5), advisor="A2")
    assert ids_of(log_page(s, f, now_ms=NOW)) == [ids["v3"], ids["v2"]]
    f = IssueFilter(location="HUB-N", overrides_only=True)
    assert ids_of(log_page(s, f, now_ms=NOW)) == [ids["v2"]]
    f = IssueFilter(kind="payment_card", late_only=True)
    page = log_page(s, f, now_ms=NOW)
    assert ids_of(page) == [ids["c1"]] and page.total_pence == 4000
    assert page.rows[0].status == "request late"
    assert ids_of(log_page(s, IssueFilter(voided=True), now_ms=NOW)) == [ids["v4"]]
    assert ids["v4"] not in ids_of(log_page(s, IssueFilter(voided=False), now_ms=NOW))
    assert ids_of(log_page(s, IssueFilter(customer="lee", kind="food_voucher"), now_ms=NOW)) == [
        ids["v4"],
        ids["v3"],
    ]
    assert ids_of(log_page(s, IssueFilter(customer=zoe, repeats_only=True), now_ms=NOW)) == [
        ids["v2"]
    ]
    empty = log_page(s, IssueFilter(location="HUB-N", kind="payment_card"), now_ms=NOW)
    assert empty.rows == [] and empty.total_count == 0 and empty.total_pence == 0


def test_row_shows_only_what_the_log_needs(log):
    s, ids, *_ = log
    [row] = log_page(s, IssueFilter(location="HUB-N"), now_ms=NOW).rows
    assert row.customer_label == "Zoë Jones b.1980 SW1A"
    assert row.override_text == "baby due" and row.repeat_result == "reason given"
    assert row.london_time == "04/11/2026 11:00" and row.amount == "£5"


def test_dates_are_uk_days(log):
    s, ids, *_ = log
    # 5 Nov 09:30 UTC is 5 Nov in the UK; nothing from 4 Nov leaks in.
    f = IssueFilter(date_from=date(2026, 11, 5), date_to=date(2026, 11, 5))
    assert set(ids_of(log_page(s, f, now_ms=NOW))) == {ids["v3"], ids["c1"]}
    with pytest.raises(ValidationError):
        IssueFilter(date_from=date(2026, 11, 5), date_to=date(2026, 11, 4))


def test_keyset_pages_cover_everything_once(log):
    s, ids, *_ = log
    seen, after = [], None
    while True:
        page = log_page(s, IssueFilter(), after=after, limit=4, now_ms=NOW)
        seen += ids_of(page)
        assert page.total_count == 6
        if page.next_cursor is None:
            break
        after = page.next_cursor
    assert seen == ids_of(log_page(s, IssueFilter(), now_ms=NOW)) and len(seen) == 6
    assert [r.issue_id for r in iter_log(s, IssueFilter(), now_ms=NOW)] == seen


def test_story_has_earlier_issues_override_and_request(log):
    s, ids, zoe, _ = log
    story = issue_story(s, ids["c1"], now_ms=NOW)
    assert [r.issue_id for r in story.earlier] == [ids["v2"], ids["v1"]]
    assert {r.location for r in story.earlier} == {"CSC", "HUB-N"}
    assert story.request.status == "completed" and story.request_minutes == 90
    assert story.advisor_name == "Sam Advisor"
    v2 = issue_story(s, ids["v2"], now_ms=NOW)
    assert v2.row.override_reason == "baby due" and v2.repeat_check["action"] == "reason"
    voided = issue_story(s, ids["v4"], now_ms=NOW)
    assert voided.row.status == "voided" and voided.voids[0].reason == "wrong customer"
    assert issue_story(s, "no-such-issue") is None


def test_open_request_past_due_is_late_only_once_due(log):
    s, ids, zoe, _ = log
    c3, _ = h.card(s, zoe, "PC000003", at=at(7, 10))
    before_due = int((at(7, 10) + timedelta(minutes=30)).timestamp() * 1000)
    f = IssueFilter(late_only=True, date_from=date(2026, 11, 7))
    assert ids_of(log_page(s, f, now_ms=before_due)) == []
    assert (
        log_page(s, IssueFilter(date_from=date(2026, 11, 7)), now_ms=before_due).rows[0].status
        == "request open"
    )
    assert ids_of(log_page(s, f, now_ms=NOW)) == [c3]


def test_reports_read_the_same_store(log):
    s, ids, *_ = log
    weeks = manager_figures(s, date(2026, 11, 1), date(2026, 11, 8), now_ms=NOW)
    w45 = {w.location: w for w in weeks if w.week == "2026-W45"}
    assert w45["CSC"].requests == 2 and w45["CSC"].on_time == 1
    assert [late["issue_id"] for late in w45["CSC"].late] == [ids["c1"]]
    assert w45["CSC"].on_time_percent == 50.0 and w45["HUB-N"].overrides == 1
    assert w45["CSC"].issues == 4  # the voided voucher does not count
    rows = {
        (d.row.location, d.row.stock_kind, d.row.day): d.row
        for d in reconciliation(s, date(2026, 11, 6), date(2026, 11, 6))
    }
    fv = rows[("CSC", "food_voucher", date(2026, 11, 6))]
    assert (fv.opening, fv.issued, fv.voided, fv.expected) == (98, 1, 1, 98)
    rules = {f.rule for f in find_anomalies(s, date(2026, 11, 1), date(2026, 11, 8))}
    assert "repeat-claim" not in rules  # no policy set yet


def test_verify_store_ok(log):
    s, *_ = log
    assert verify_store(s).ok
