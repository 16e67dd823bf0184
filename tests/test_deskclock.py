"""Clocks are checked, not believed: the desk's offset, the HLC's bounds, lock-outs, windows."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest

from cxdesk.domain import deskclock
from cxdesk.domain import repeat_claims as rc
from cxdesk.errors import AuthError
from cxdesk.events.envelope import HybridClock, parse_hlc
from cxdesk.store.signin_commands import signin_state

T0 = 1_764_072_000_000  # 2025-11-25 12:00 UTC


@pytest.fixture(autouse=True)
def no_offset(monkeypatch):
    monkeypatch.setattr(deskclock, "_offset_ms", 0)


def _date(ms: int) -> str:
    return format_datetime(datetime.fromtimestamp(ms / 1000, UTC), usegmt=True)


def test_offset_from_the_date_header(monkeypatch):
    monkeypatch.setattr(deskclock, "raw_ms", lambda: T0)
    two_hours = 2 * 3_600_000
    deskclock.observe_server_date(_date(T0 + two_hours), T0 - 50, T0 + 50)
    assert abs(deskclock.offset_ms() - two_hours) <= 1000
    assert abs(deskclock.now_ms() - (T0 + two_hours)) <= 1000
    assert deskclock.skew_text() == "clock 2 h slow"
    # Rounding and latency are not an offset; a broken header is ignored.
    deskclock.observe_server_date(_date(T0), T0, T0 + 300)
    assert deskclock.offset_ms() == 0 and deskclock.skew_text() == ""
    for junk in (None, "", "yesterday", "Mon, 99 Foo 2026 25:00:00 GMT", _date(T0 * 3)):
        deskclock.observe_server_date(junk, T0, T0)
        assert deskclock.offset_ms() == 0


def test_clock_never_follows_a_value_far_ahead_or_malformed():
    clock = HybridClock("D-A", wall_ms=lambda: T0)
    for bad in ("not-a-clock-value-at-all", "9999999999999999-0000-D-X", "", "12-3-D", "x" * 120):
        assert clock.observe(bad) is False
    assert parse_hlc(clock.now())[0] == T0
    assert clock.observe(f"{T0 + 30_000:016d}-0005-D-B") is True  # a little ahead: followed
    assert parse_hlc(clock.now())[:2] == (T0 + 30_000, 6)
    with pytest.raises(ValueError):
        parse_hlc("0001764072000000-0000-")


def test_hlc_of_the_year_318857_does_not_break_sign_in(store):
    """Failures stamped far in the future count as now: they lock, and nothing crashes."""
    now = datetime.fromtimestamp(T0 / 1000, UTC)
    with store.transaction() as conn:
        for i, ms in enumerate([9_999_999_999_999_999] + [T0 + 86_400_000] * 4):
            conn.execute(
                "INSERT INTO signin_attempts (event_id, staff_id, at_ms, outcome) "
                "VALUES (?, 'S4001', ?, 'failure')",
                (f"e{i}", ms),
            )
    state = signin_state(store, "S4001", now)
    assert state.locked and state.locked_until == now + timedelta(minutes=15)
    from cxdesk.store.signin_commands import sign_in

    with pytest.raises(AuthError, match="locked"):
        sign_in(store, "S4001", "whatever passcode", now=now)


def test_repeat_window_counts_an_issue_dated_after_now():
    """A desk with a slow clock still sees another desk's issue from today."""
    now = datetime(2026, 11, 30, 10, 0, tzinfo=UTC)
    person = rc.Person("C1", "Maria", "Lopez", "1980-01-01", "E1 1AA")
    later = rc.PastIssue("I1", "food_voucher", "C1", "HUB", now + timedelta(hours=3), person)
    policy = rc.Policy("food_voucher", (rc.Window(7, 1),), "reason", None)
    result = rc.check_repeat(person, policy, [later], now=now, kind_name="food voucher")
    assert result.breached and result.action == "reason"


def test_own_event_with_a_broken_clock_value_does_not_break_the_header(store):
    """A store edited to hold a bad clock value still gives the header its numbers."""
    from cxdesk.screens.sync_status import _when
    from cxdesk.store.eventlog import _INSERT_EVENT
    from cxdesk.store.sync_queries import local_summary

    with store.transaction() as conn:
        row = (
            "e-bad",
            "SignInFailed",
            "{}",
            "0" * 64,
            "desk",
            "D-TEST",
            "CSC",
            1,
            "not-a-clock",
            "0" * 64,
            "f" * 64,
            None,
        )
        conn.execute(_INSERT_EVENT, row)
    summary = local_summary(store)
    assert summary.waiting == 1 and summary.oldest_ms is None
    assert _when("not-a-clock") == "?" and _when("9999999999999999-0000-D") == "?"
