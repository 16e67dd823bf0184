"""Failed sign-in tries and the temporary lock, as a pure function of the attempt history.

Five wrong passcodes for one staff ID lock it for 15 minutes: enough room for
honest slips, too little for guessing. The rules are a state machine replayed
over the history the store already keeps (``SignInFailed`` / ``SignInSucceeded``
events, plus ``LockoutCleared`` when a supervisor lifts a lock), with the time
passed in, so the sign-in screen, the tests and a supervisor's view all agree
and nothing here reads a clock.

Failures are counted per staff ID *as typed*, known or not: the screen says
plainly "Staff ID not recognised" (council staff need clarity more than an
attacker needs hiding from), and counting unknown IDs too still stops someone
trying ID after ID at one desk from going unchecked per ID.

Rules:

- a success, or a supervisor clearing the lock, resets the count to zero;
- failures older than ``failure_window`` are forgotten, so a slip yesterday
  does not count against today;
- reaching ``max_failures`` locks the ID for ``lockout`` from that failure;
  tries while locked neither count nor extend the lock, and the count starts
  afresh when the lock ends.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import NamedTuple
from zoneinfo import ZoneInfo

from cxdesk.errors import AuthError

LONDON = ZoneInfo("Europe/London")


class Attempt(NamedTuple):
    """One sign-in try for a staff ID: when (timezone-aware) and whether it succeeded."""

    at: datetime
    success: bool


class FailureReason(StrEnum):
    WRONG_PASSCODE = "wrong passcode"
    UNKNOWN_STAFF_ID = "staff ID not recognised"


@dataclass(frozen=True)
class SignInState:
    """Where a staff ID stands at ``as_of``."""

    as_of: datetime
    failures: int
    """Recent failures counting towards a lock (0 while locked: the lock replaced them)."""
    tries_left: int
    locked_until: datetime | None
    """When the lock ends (UTC), or None if the ID is not locked at ``as_of``."""

    @property
    def locked(self) -> bool:
        return self.locked_until is not None


def _aware(moment: datetime) -> datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"sign-in times must be timezone-aware, got {moment!r}")
    return moment


def _plural(count: int, one: str, many: str) -> str:
    return f"{count} {one if count == 1 else many}"


def _duration(span: timedelta) -> str:
    """A lock length in words: "15 minutes", "1 hour 30 minutes", "45 seconds"."""
    seconds = round(span.total_seconds())
    if seconds < 60:
        return _plural(seconds, "second", "seconds")
    hours, minutes = divmod(seconds // 60, 60)
    parts = [_plural(hours, "hour", "hours")] if hours else []
    if minutes:
        parts.append(_plural(minutes, "minute", "minutes"))
    return " ".join(parts)


def _local_until(until: datetime, as_of: datetime) -> str:
    """The end of a lock in UK time, rounded up to the minute so trying then will work."""
    local = until.astimezone(LONDON)
    if local.second or local.microsecond:
        local = (local + timedelta(minutes=1)).replace(second=0, microsecond=0)
    clock = local.strftime("%H:%M")
    today = as_of.astimezone(LONDON).date()
    if local.date() == today:
        return clock
    if local.date() == today + timedelta(days=1):
        return f"{clock} tomorrow"
    return f"{clock} on {local:%A} {local.day} {local:%B}"


@dataclass(frozen=True)
class SignInPolicy:
    """How many wrong tries lock a staff ID, for how long, and what people are told."""

    max_failures: int = 5
    lockout: timedelta = timedelta(minutes=15)
    failure_window: timedelta = timedelta(hours=1)

    def __post_init__(self) -> None:
        if self.max_failures < 1:
            raise ValueError("max_failures must be at least 1")
        if self.lockout <= timedelta(0) or self.failure_window <= timedelta(0):
            raise ValueError("lockout and failure_window must be positive")

    def state(
        self,
        attempts: Iterable[tuple[datetime, bool]],
        now: datetime,
        *,
        cleared: Iterable[datetime] = (),
    ) -> SignInState:
        """Replay one staff ID's attempts (and supervisor clearances) up to ``now``."""
        now = _aware(now)
        # A clearance acts like a success. The sort is stable, so attempts
        # recorded at the same instant keep the order they were given in.
        history = [(_aware(at), bool(success)) for at, success in attempts]
        history += [(_aware(at), True) for at in cleared]
        history.sort(key=lambda item: item[0])

        run: list[datetime] = []
        locked_until: datetime | None = None
        for at, success in history:
            if at > now:
                break
            if locked_until is not None and at >= locked_until:
                locked_until = None
            if success:
                run.clear()
                locked_until = None
            elif locked_until is None:
                run = [t for t in run if at - t < self.failure_window] + [at]
                if len(run) >= self.max_failures:
                    locked_until, run = at + self.lockout, []
        if locked_until is not None and now >= locked_until:
            locked_until = None
        run = [t for t in run if now - t < self.failure_window]
        if locked_until is not None:
            return SignInState(now, 0, 0, locked_until.astimezone(UTC))
        return SignInState(now, len(run), self.max_failures - len(run), None)

    def locked_message(
        self, state: SignInState, reason: FailureReason = FailureReason.WRONG_PASSCODE
    ) -> str:
        """What a locked-out person is told: until when (UK time) and what to do."""
        if state.locked_until is None:
            raise ValueError("locked_message needs a locked state")
        what = "wrong passcodes" if reason is FailureReason.WRONG_PASSCODE else "failed sign-ins"
        return (
            f"This staff ID is locked until {_local_until(state.locked_until, state.as_of)} "
            f"after {self.max_failures} {what}. "
            "Ask a supervisor if you need to sign in sooner."
        )

    def failure_message(
        self, state: SignInState, reason: FailureReason = FailureReason.WRONG_PASSCODE
    ) -> str:
        """What to say after a failed try, given the state with that failure included."""
        if state.locked:
            return self.locked_message(state, reason)
        first = (
            "Wrong passcode."
            if reason is FailureReason.WRONG_PASSCODE
            else "Staff ID not recognised. Check it and try again."
        )
        return (
            f"{first} {_plural(state.tries_left, 'try', 'tries')} left before this staff ID "
            f"is locked for {_duration(self.lockout)}."
        )

    def check_not_locked(
        self,
        attempts: Iterable[tuple[datetime, bool]],
        now: datetime,
        *,
        cleared: Iterable[datetime] = (),
    ) -> SignInState:
        """The state at ``now``; raises AuthError with the lock message if the ID is locked.

        Call before checking a passcode, so a locked ID is not even tried.
        """
        state = self.state(attempts, now, cleared=cleared)
        if state.locked:
            raise AuthError(self.locked_message(state), title="Staff ID locked")
        return state
