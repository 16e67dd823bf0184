"""Opening hours: the text form, and open or closed across nights, holidays and clock changes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cxdesk.domain.hours import (
    OpeningHours,
    is_bank_holiday,
    is_open,
    next_change,
    status_text,
)
from cxdesk.errors import ValidationError

OFFICE = OpeningHours.parse("Mon-Fri 09:00-17:00; Sat 10:00-13:00")


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


# --- the text form -------------------------------------------------------------


def test_parse_gives_canonical_intervals_per_day():
    assert OFFICE.mon == ("09:00-17:00",)
    assert OFFICE.fri == ("09:00-17:00",)
    assert OFFICE.sat == ("10:00-13:00",)
    assert OFFICE.sun == ()
    assert not OFFICE.always_open and not OFFICE.open_bank_holidays
    assert str(OFFICE) == "Mon-Fri 09:00-17:00; Sat 10:00-13:00"


def test_parse_accepts_the_ways_people_write_hours():
    hours = OpeningHours.parse(
        "monday to thursday 8:30 to 17:00\nFriday 08:30–16:30; Sat, Sun closed; bank holidays open"
    )
    assert hours.mon == hours.thu == ("08:30-17:00",)
    assert hours.fri == ("08:30-16:30",)
    assert hours.sat == hours.sun == ()
    assert hours.open_bank_holidays


def test_later_closed_clause_clears_a_day_and_ranges_wrap_over_the_weekend():
    hours = OpeningHours.parse("Daily 09:00-17:00; Sun closed")
    assert hours.sat == ("09:00-17:00",) and hours.sun == ()
    wrapped = OpeningHours.parse("Fri-Mon 10:00-14:00")
    assert [bool(day) for day in wrapped.week] == [True, False, False, False, True, True, True]


def test_several_intervals_a_day_and_all_day():
    hours = OpeningHours.parse("Weekdays 13:30-17:00, 09:00-12:30; Weekends all day")
    assert hours.tue == ("09:00-12:30", "13:30-17:00")
    assert hours.sun == ("00:00-24:00",)
    assert str(hours) == "Mon-Fri 09:00-12:30, 13:30-17:00; Sat, Sun 00:00-24:00"


def test_midnight_end_is_24_00():
    assert OpeningHours.parse("Fri 18:00-00:00").fri == ("18:00-24:00",)


def test_24_7_and_unknown():
    always = OpeningHours.parse("24/7")
    assert always.always_open and str(always) == "24/7"
    unknown = OpeningHours.parse("unknown")
    assert not unknown.known and str(unknown) == "unknown"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("Mnd 09:00-17:00", "Unknown day 'mnd'"),
        ("Mon 25:00-26:00", "'25:00' is not a real time of day"),
        ("Mon 09:60-17:00", "'09:60' is not a real time of day"),
        ("Mon 09:00-09:00", "opens and closes at the same time"),
        ("Mon 9am-5pm", "has no times"),
        ("Mon 24:00-02:00", "cannot be 24:00"),
        ("Mon 09:00-17:00, 12:00-13:00", "Mon: 09:00-17:00 overlaps 12:00-13:00"),
        ("24/7; Mon 09:00-10:00", "cannot be mixed"),
        ("", "Opening hours are empty"),
        ("Mon 09:00", "is not an interval"),
        ("bank holidays maybe", "bank holidays open"),
    ],
)
def test_parse_errors_say_what_is_wrong(text, message):
    with pytest.raises(ValidationError) as caught:
        OpeningHours.parse(text)
    assert message in caught.value.message
    assert caught.value.field in (None, "hours")


def test_model_checks_intervals_given_as_data():
    with pytest.raises(ValidationError, match="Tue: '7:00-' is not an interval"):
        OpeningHours(tue=["7:00-"])
    # A stored text column validates straight into the model.
    assert OpeningHours.model_validate("Mon-Fri 09:00-17:00") == OpeningHours.parse(
        "Mon-Fri 09:00-17:00"
    )
    assert OpeningHours.model_validate(OFFICE.model_dump(mode="json")) == OFFICE


def test_describe_gives_readable_lines():
    assert OFFICE.describe() == [
        "Mon–Fri: 09:00–17:00",
        "Sat: 10:00–13:00",
        "Sun: closed",
        "Closed on bank holidays",
    ]
    night = OpeningHours.parse("Fri-Sat 22:00-02:00; Sun 18:00-24:00; bank holidays open")
    assert night.describe() == [
        "Mon–Thu: closed",
        "Fri–Sat: 22:00–02:00 next day",
        "Sun: 18:00–midnight",
        "Open on bank holidays",
    ]
    assert OpeningHours.parse("24/7").describe() == [
        "Open 24 hours, every day, including bank holidays"
    ]


_interval = st.tuples(st.integers(0, 23), st.sampled_from([0, 15, 30, 45]), st.integers(1, 12))


@given(
    week=st.lists(st.lists(_interval, max_size=2), min_size=7, max_size=7),
    bank=st.booleans(),
)
def test_text_form_round_trips(week, bank):
    days = {}
    for name, intervals in zip(
        ("mon", "tue", "wed", "thu", "fri", "sat", "sun"), week, strict=True
    ):
        chosen = []
        for hour, minute, length in intervals[:1] if len(intervals) == 2 else intervals:
            start = hour * 60 + minute
            end = min(start + length * 60, 24 * 60)
            chosen.append(f"{start // 60:02d}:{start % 60:02d}-{end // 60:02d}:{end % 60:02d}")
        days[name] = chosen
    hours = OpeningHours(open_bank_holidays=bank, **days)
    if hours.known:
        assert OpeningHours.parse(str(hours)) == hours


# --- open or closed ------------------------------------------------------------


def test_weekday_hours_in_summer_time():
    # 1 June 2026 is a Monday; London is on BST (UTC+1).
    assert not is_open(OFFICE, utc("2026-06-01T07:59"))
    assert is_open(OFFICE, utc("2026-06-01T08:00"))  # 09:00 BST
    assert is_open(OFFICE, utc("2026-06-01T15:59"))
    assert not is_open(OFFICE, utc("2026-06-01T16:00"))  # 17:00 BST
    assert next_change(OFFICE, utc("2026-06-01T12:00")) == utc("2026-06-01T16:00")
    assert next_change(OFFICE, utc("2026-06-01T17:00")) == utc("2026-06-02T08:00")


def test_accepts_any_aware_time_and_refuses_naive():
    paris = timezone(timedelta(hours=2))
    assert is_open(OFFICE, datetime(2026, 6, 1, 14, 0, tzinfo=paris))  # 13:00 BST
    with pytest.raises(ValueError, match="timezone-aware"):
        is_open(OFFICE, datetime(2026, 6, 1, 12, 0))


def test_next_change_is_utc():
    change = next_change(OFFICE, utc("2026-06-01T12:00"))
    assert change is not None and change.utcoffset() == timedelta(0)


def test_overnight_interval_is_open_after_midnight_on_the_next_day():
    late = OpeningHours.parse("Fri 22:00-02:00")
    # Friday 5 June 2026 22:00 BST = 21:00Z; Saturday 02:00 BST = 01:00Z.
    assert not is_open(late, utc("2026-06-05T20:59"))
    assert is_open(late, utc("2026-06-05T21:00"))
    assert is_open(late, utc("2026-06-06T00:30"))  # 01:30 on Saturday
    assert not is_open(late, utc("2026-06-06T01:00"))
    assert next_change(late, utc("2026-06-05T23:00")) == utc("2026-06-06T01:00")
    assert next_change(late, utc("2026-06-06T01:00")) == utc("2026-06-12T21:00")


def test_back_to_back_days_join_into_one_open_period():
    weekend = OpeningHours.parse("Sat-Sun all day; Mon 00:00-09:00; bank holidays open")
    # Open from Saturday 00:00 to Monday 09:00 without a break.
    assert next_change(weekend, utc("2026-06-06T10:00")) == utc("2026-06-08T08:00")


def test_bank_holidays_close_unless_flagged():
    assert is_bank_holiday(datetime(2026, 12, 25).date())
    assert is_bank_holiday(datetime(2026, 8, 31).date())
    assert not is_bank_holiday(datetime(2026, 8, 24).date())
    # Christmas Day 2026 is a Friday.
    assert not is_open(OFFICE, utc("2026-12-25T12:00"))
    # Boxing Day falls on Saturday, observed on Monday 28th: next opening Tuesday.
    assert next_change(OFFICE, utc("2026-12-24T17:30")) == utc("2026-12-29T09:00")
    assert not is_open(OFFICE, utc("2026-08-31T10:00"))  # late summer bank holiday
    assert next_change(OFFICE, utc("2026-08-31T10:00")) == utc("2026-09-01T08:00")
    flagged = OpeningHours.parse("Mon-Fri 09:00-17:00; bank holidays open")
    assert is_open(flagged, utc("2026-12-25T12:00"))
    assert is_open(flagged, utc("2026-08-31T10:00"))


def test_bank_holiday_rule_follows_the_day_an_overnight_interval_starts():
    nights = OpeningHours.parse("Thu-Fri 22:00-02:00")
    # Started on Thursday 24 December (not a holiday): still open into Christmas Day.
    assert is_open(nights, utc("2026-12-25T01:00"))
    # Would start on Christmas Day itself: stays shut that night.
    assert not is_open(nights, utc("2026-12-25T23:00"))
    assert not is_open(nights, utc("2026-12-26T01:00"))


def test_spring_forward_2026_03_29():
    # Clocks go forward at 01:00 UTC on Sunday 29 March 2026.
    sunday = OpeningHours.parse("Sat-Sun 09:00-17:00")
    assert next_change(sunday, utc("2026-03-28T12:00")) == utc("2026-03-28T17:00")  # GMT
    assert next_change(sunday, utc("2026-03-28T20:00")) == utc("2026-03-29T08:00")  # BST
    assert next_change(sunday, utc("2026-03-29T08:00")) == utc("2026-03-29T16:00")
    night = OpeningHours.parse("Sat 22:00-02:00")
    # 22:00 GMT to 02:00 BST is only three hours.
    assert next_change(night, utc("2026-03-28T21:00")) == utc("2026-03-28T22:00")
    assert next_change(night, utc("2026-03-28T22:00")) == utc("2026-03-29T01:00")
    assert is_open(night, utc("2026-03-29T00:59"))
    assert not is_open(night, utc("2026-03-29T01:00"))


def test_fall_back_2026_10_25():
    # Clocks go back at 01:00 UTC on Sunday 25 October 2026.
    daily = OpeningHours.parse("Daily 09:00-17:00")
    assert next_change(daily, utc("2026-10-24T10:00")) == utc("2026-10-24T16:00")  # BST
    assert next_change(daily, utc("2026-10-24T20:00")) == utc("2026-10-25T09:00")  # GMT
    night = OpeningHours.parse("Sat 22:00-02:00")
    # 22:00 BST to 02:00 GMT is five hours.
    assert next_change(night, utc("2026-10-24T20:00")) == utc("2026-10-24T21:00")
    assert next_change(night, utc("2026-10-24T21:00")) == utc("2026-10-25T02:00")
    assert is_open(night, utc("2026-10-25T01:30"))
    assert not is_open(night, utc("2026-10-25T02:00"))


def test_always_open_and_unknown_never_change():
    always = OpeningHours.parse("24/7")
    assert is_open(always, utc("2026-12-25T03:00"))
    assert next_change(always, utc("2026-12-25T03:00")) is None
    all_days = OpeningHours.parse("Daily all day; bank holidays open")
    assert next_change(all_days, utc("2026-06-01T12:00")) is None
    unknown = OpeningHours()
    assert not is_open(unknown, utc("2026-06-01T12:00"))
    assert next_change(unknown, utc("2026-06-01T12:00")) is None


def test_all_day_schedule_closes_for_the_next_bank_holiday():
    days = OpeningHours.parse("Daily all day")
    # Open until the start of the late summer bank holiday, Monday 31 August (BST).
    assert next_change(days, utc("2026-08-20T12:00")) == utc("2026-08-30T23:00")


# --- the status line -----------------------------------------------------------


@pytest.mark.parametrize(
    ("hours", "at", "text"),
    [
        (OFFICE, "2026-06-01T12:00", "Open now · closes 17:00"),
        (OFFICE, "2026-06-01T17:00", "Closed · opens tomorrow 09:00"),
        (OFFICE, "2026-06-05T17:30", "Closed · opens tomorrow 10:00"),
        (OFFICE, "2026-06-06T20:00", "Closed · opens Mon 09:00"),
        (OFFICE, "2026-06-01T06:00", "Closed · opens 09:00"),
        (OFFICE, "2026-08-31T10:00", "Closed for bank holiday · opens tomorrow 09:00"),
        (OFFICE, "2026-12-24T18:00", "Closed · opens Tue 09:00"),
        ("Fri 22:00-02:00", "2026-06-05T21:30", "Open now · closes tomorrow 02:00"),
        ("Fri 22:00-02:00", "2026-06-05T23:30", "Open now · closes 02:00"),
        ("Daily 18:00-24:00", "2026-06-01T18:00", "Open now · closes midnight"),
        ("Mon 09:00-10:00", "2026-06-01T10:00", "Closed · opens Mon 8 Jun 09:00"),
        ("24/7", "2026-06-01T12:00", "Open 24 hours"),
        ("Daily all day; bank holidays open", "2026-06-01T12:00", "Open 24 hours"),
        ("unknown", "2026-06-01T12:00", "Hours not known"),
    ],
)
def test_status_text(hours, at, text):
    if isinstance(hours, str):
        hours = OpeningHours.parse(hours)
    assert status_text(hours, utc(at)) == text
