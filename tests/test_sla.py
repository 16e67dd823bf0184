"""The one-hour promise: due times and countdowns right across both clock changes."""

from __future__ import annotations

from datetime import UTC, datetime

from cxdesk.domain.sla import (
    age_text,
    countdown_text,
    due_at,
    from_iso,
    is_late,
    london_time,
    to_iso,
)


def test_due_one_real_hour_when_clocks_go_back():
    issued = datetime(2026, 10, 25, 0, 30, tzinfo=UTC)  # 01:30 BST
    due = due_at(issued)
    assert due == datetime(2026, 10, 25, 1, 30, tzinfo=UTC)
    assert london_time(issued) == "01:30 BST"
    assert london_time(due) == "01:30 GMT"  # same wall clock, one hour later
    assert countdown_text(due, datetime(2026, 10, 25, 1, 0, tzinfo=UTC)) == "30 min left"


def test_due_one_real_hour_when_clocks_go_forward():
    issued = datetime(2026, 3, 29, 0, 30, tzinfo=UTC)  # 00:30 GMT
    due = due_at(issued)
    assert london_time(issued) == "00:30 GMT"
    assert london_time(due) == "02:30 BST"  # 01:00-02:00 does not exist that night
    assert countdown_text(due, issued) == "1 h 00 min left"


def test_countdown_and_late():
    due = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
    assert countdown_text(due, datetime(2026, 6, 1, 11, 59, 30, tzinfo=UTC)) == "30 s left"
    assert countdown_text(due, due) == "due now"
    late = datetime(2026, 6, 1, 12, 5, tzinfo=UTC)
    assert countdown_text(due, late) == "LATE by 5 min" and is_late(due, late)
    assert not is_late(due, due)


def test_iso_round_trip_and_ages():
    moment = datetime(2026, 10, 25, 0, 30, 5, 250000, tzinfo=UTC)
    assert to_iso(moment) == "2026-10-25T00:30:05.250Z"
    assert from_iso(to_iso(moment)) == moment
    assert london_time(moment, with_date=True) == "Sun 25 Oct 01:30 BST"
    assert age_text(datetime(2026, 1, 1, 8, tzinfo=UTC), datetime(2026, 1, 1, 10, tzinfo=UTC)) == (
        "2 h ago"
    )
