"""Tests for cxdesk.domain.signin_policy: wrong tries, the lock, and what people are told."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cxdesk.domain.signin_policy import Attempt, FailureReason, SignInPolicy
from cxdesk.errors import AuthError

POLICY = SignInPolicy()
SUMMER = datetime(2025, 6, 2, 12, 46, tzinfo=UTC)  # 13:46 in London (BST)
WINTER = datetime(2025, 1, 14, 13, 46, tzinfo=UTC)  # 13:46 in London (GMT)
LOCKED_AT_1405 = (
    "This staff ID is locked until 14:05 after 5 wrong passcodes. "
    "Ask a supervisor if you need to sign in sooner."
)


def failures(start: datetime, count: int, every: timedelta = timedelta(minutes=1)) -> list:
    return [Attempt(start + every * n, False) for n in range(count)]


def test_no_history_means_all_tries_left():
    state = POLICY.state([], SUMMER)
    assert (state.locked, state.failures, state.tries_left) == (False, 0, 5)


@pytest.mark.parametrize(
    ("count", "message"),
    [
        (1, "Wrong passcode. 4 tries left before this staff ID is locked for 15 minutes."),
        (2, "Wrong passcode. 3 tries left before this staff ID is locked for 15 minutes."),
        (4, "Wrong passcode. 1 try left before this staff ID is locked for 15 minutes."),
    ],
)
def test_each_wrong_passcode_says_how_many_tries_are_left(count, message):
    history = failures(SUMMER, count)
    state = POLICY.state(history, history[-1].at)
    assert not state.locked
    assert (state.failures, state.tries_left) == (count, 5 - count)
    assert POLICY.failure_message(state) == message


@pytest.mark.parametrize("start", [SUMMER, WINTER])
def test_five_failures_lock_until_local_time(start):
    history = failures(start, 5)  # the fifth at 13:50 London time
    state = POLICY.state(history, history[-1].at)
    assert state.locked
    assert state.tries_left == 0
    assert state.locked_until == history[-1].at + timedelta(minutes=15)
    assert state.locked_until.utcoffset() == timedelta(0)
    assert POLICY.failure_message(state) == LOCKED_AT_1405
    assert POLICY.locked_message(state) == LOCKED_AT_1405


def test_lock_time_is_rounded_up_to_the_minute():
    history = failures(SUMMER + timedelta(seconds=20), 5)
    state = POLICY.state(history, history[-1].at)
    assert "locked until 14:06 " in POLICY.locked_message(state)


def test_lock_expires_and_the_count_starts_afresh():
    history = failures(SUMMER, 5)
    until = history[-1].at + timedelta(minutes=15)
    assert POLICY.state(history, until - timedelta(seconds=1)).locked
    after = POLICY.state(history, until)
    assert (after.locked, after.tries_left) == (False, 5)

    history += failures(until + timedelta(minutes=1), 4)
    assert POLICY.state(history, history[-1].at).tries_left == 1
    history += failures(history[-1].at + timedelta(seconds=10), 1)
    assert POLICY.state(history, history[-1].at).locked


def test_tries_while_locked_do_not_extend_the_lock():
    history = failures(SUMMER, 5)
    until = history[-1].at + timedelta(minutes=15)
    history += failures(history[-1].at + timedelta(minutes=1), 10)
    state = POLICY.state(history, until - timedelta(seconds=1))
    assert state.locked_until == until
    assert not POLICY.state(history, until).locked


def test_success_resets_the_count():
    history = failures(SUMMER, 4)
    history.append(Attempt(SUMMER + timedelta(minutes=5), True))
    history += failures(SUMMER + timedelta(minutes=6), 1)
    state = POLICY.state(history, SUMMER + timedelta(minutes=6))
    assert (state.locked, state.failures, state.tries_left) == (False, 1, 4)


def test_plain_tuples_are_accepted_and_order_does_not_matter():
    history = [(at, success) for at, success in failures(SUMMER, 5)]
    state = POLICY.state(list(reversed(history)), SUMMER + timedelta(minutes=5))
    assert state.locked


def test_old_failures_are_forgotten():
    history = failures(SUMMER - timedelta(hours=3), 4)
    history += failures(SUMMER, 1)
    state = POLICY.state(history, SUMMER)
    assert (state.locked, state.failures, state.tries_left) == (False, 1, 4)


def test_failures_spread_past_the_window_do_not_lock():
    history = failures(SUMMER, 5, every=timedelta(minutes=16))  # first to last: 64 minutes
    state = POLICY.state(history, history[-1].at)
    assert not state.locked
    assert state.failures == 4


def test_supervisor_clearing_lifts_the_lock():
    history = failures(SUMMER, 5)
    cleared = [SUMMER + timedelta(minutes=6)]
    state = POLICY.state(history, SUMMER + timedelta(minutes=7), cleared=cleared)
    assert (state.locked, state.tries_left) == (False, 5)
    assert POLICY.state(history, SUMMER + timedelta(minutes=7)).locked


def test_attempts_after_now_are_ignored():
    history = failures(SUMMER, 5)
    state = POLICY.state(history, SUMMER + timedelta(minutes=2))
    assert (state.locked, state.failures) == (False, 3)


def test_unknown_staff_id_is_said_plainly_and_still_counted():
    history = failures(SUMMER, 1)
    state = POLICY.state(history, SUMMER)
    assert POLICY.failure_message(state, FailureReason.UNKNOWN_STAFF_ID) == (
        "Staff ID not recognised. Check it and try again. "
        "4 tries left before this staff ID is locked for 15 minutes."
    )
    history = failures(SUMMER, 5)
    locked = POLICY.state(history, history[-1].at)
    message = POLICY.failure_message(locked, FailureReason.UNKNOWN_STAFF_ID)
    assert message.startswith("This staff ID is locked until 14:05 after 5 failed sign-ins.")


def test_lock_over_midnight_and_over_days_names_the_day():
    late = datetime(2025, 6, 2, 22, 50, tzinfo=UTC)  # 23:50 in London
    state = POLICY.state(failures(late, 5), late + timedelta(minutes=4))
    assert "locked until 00:09 tomorrow after" in POLICY.locked_message(state)

    long_lock = SignInPolicy(lockout=timedelta(days=2))
    state = long_lock.state(failures(SUMMER, 5), SUMMER + timedelta(minutes=4))
    assert "locked until 13:50 on Wednesday 4 June after" in long_lock.locked_message(state)


def test_lock_across_the_clock_change_shows_the_new_time():
    before_change = datetime(2025, 3, 30, 0, 46, tzinfo=UTC)  # 00:46 GMT; 01:00 GMT is 02:00 BST
    state = POLICY.state(failures(before_change, 5), before_change + timedelta(minutes=4))
    assert "locked until 02:05 after" in POLICY.locked_message(state)


def test_times_in_other_zones_are_compared_as_instants():
    paris = timezone(timedelta(hours=2))
    history = failures(SUMMER.astimezone(paris), 5)
    state = POLICY.state(history, SUMMER + timedelta(minutes=4))
    assert state.locked
    assert POLICY.locked_message(state) == LOCKED_AT_1405


@pytest.mark.parametrize(
    ("policy", "message"),
    [
        (
            SignInPolicy(max_failures=3, lockout=timedelta(hours=1, minutes=30)),
            "Wrong passcode. 2 tries left before this staff ID is locked for 1 hour 30 minutes.",
        ),
        (
            SignInPolicy(max_failures=2, lockout=timedelta(minutes=1)),
            "Wrong passcode. 1 try left before this staff ID is locked for 1 minute.",
        ),
        (
            SignInPolicy(lockout=timedelta(hours=2)),
            "Wrong passcode. 4 tries left before this staff ID is locked for 2 hours.",
        ),
        (
            SignInPolicy(lockout=timedelta(seconds=45)),
            "Wrong passcode. 4 tries left before this staff ID is locked for 45 seconds.",
        ),
    ],
)
def test_messages_follow_the_policy(policy, message):
    state = policy.state(failures(SUMMER, 1), SUMMER)
    assert policy.failure_message(state) == message


def test_check_not_locked_raises_with_the_message():
    assert (
        POLICY.check_not_locked(failures(SUMMER, 4), SUMMER + timedelta(minutes=4)).tries_left == 1
    )
    with pytest.raises(AuthError) as info:
        POLICY.check_not_locked(failures(SUMMER, 5), SUMMER + timedelta(minutes=5))
    assert info.value.message == LOCKED_AT_1405
    assert info.value.title == "Staff ID locked"


def test_naive_times_are_a_programming_error():
    with pytest.raises(ValueError, match="timezone-aware"):
        POLICY.state([(datetime(2025, 6, 2, 12, 0), False)], SUMMER)
    with pytest.raises(ValueError, match="timezone-aware"):
        POLICY.state([], datetime(2025, 6, 2, 12, 0))


def test_locked_message_needs_a_locked_state():
    with pytest.raises(ValueError):
        POLICY.locked_message(POLICY.state([], SUMMER))


@pytest.mark.parametrize(
    "kwargs",
    [
        {"max_failures": 0},
        {"lockout": timedelta(0)},
        {"failure_window": timedelta(seconds=-1)},
    ],
)
def test_policy_refuses_nonsense_settings(kwargs):
    with pytest.raises(ValueError):
        SignInPolicy(**kwargs)


@given(
    steps=st.lists(st.tuples(st.integers(min_value=0, max_value=1800), st.booleans()), max_size=40),
    later=st.integers(min_value=0, max_value=7200),
)
def test_state_is_always_consistent(steps, later):
    at = SUMMER
    history = []
    for gap, success in steps:
        at += timedelta(seconds=gap)
        history.append(Attempt(at, success))
    now = at + timedelta(seconds=later)
    state = POLICY.state(history, now)
    if state.locked:
        assert now < state.locked_until <= now + POLICY.lockout
        assert (state.failures, state.tries_left) == (0, 0)
    else:
        assert 0 <= state.failures < POLICY.max_failures
        assert state.failures + state.tries_left == POLICY.max_failures
    if history and history[-1].success:
        assert not state.locked and state.failures == 0
