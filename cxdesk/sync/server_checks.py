"""Per-kind checks the central API makes before accepting an event.

A check is ``@server_check("KindName") def check(session, event, history) ->
str | None``: ``session`` is the SQLAlchemy connection inside the push
transaction (read-only use, please), ``event`` the ``Event`` being judged, and
``history`` the earlier accepted events with the same subject, in feed order
(earlier events of the same push included). Return a reason to reject, or None.

Pushes are serialised on the feed counter before any check runs, so the
history a check sees is exactly the feed order the event will take its place
in. Keep the rule itself a pure function in the feature's domain module (for
example ``referral_transition_allowed``) and plug it in here with a few lines.
A check that reads the same thing from the feed for every event (the latest
policy, the reasons list) wraps the read in ``push_memo``, so a push of 500
events reads it once.
Remember that facts are accepted and conflicts flagged (DESIGN.md): reject only
what is invalid, never a voucher that was really handed over.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import Connection, text

from cxdesk.domain.referrals import REFERRAL_KINDS, check_referral_event
from cxdesk.events.envelope import Event

Check = Callable[[Connection, Event, list[Event]], str | None]
CHECKS: dict[str, list[Check]] = {}


def server_check(kind: str) -> Callable[[Check], Check]:
    """Register ``func`` as an extra server-side rule for events of ``kind``."""

    def register(func: Check) -> Check:
        CHECKS.setdefault(kind, []).append(func)
        return func

    return register


def checks_for(kind: str) -> list[Check]:
    return CHECKS.get(kind, [])


_MEMO = "cxdesk.push_memo"
T = TypeVar("T")


def start_memo(conn: Connection) -> None:
    """Remember reads for the push now judging on ``conn`` (``apply_push`` calls it)."""
    conn.info[_MEMO] = {}


def forget_memo(conn: Connection) -> None:
    """The push accepted an event that changes what was read: read afresh."""
    if _MEMO in conn.info:
        conn.info[_MEMO] = {}


def stop_memo(conn: Connection) -> None:
    conn.info.pop(_MEMO, None)


def push_memo(conn: Connection, key: Any, read: Callable[[], T]) -> T:
    """``read()``, once per push for each ``key`` (every time outside a push)."""
    memo = conn.info.get(_MEMO)
    if memo is None:
        return read()
    if key not in memo:
        memo[key] = read()
    return memo[key]


@dataclass(frozen=True)
class MemoRead:
    """A ``push_memo`` read given as one query, so that a push whose events' checks
    will make it can send it with its other reads under the feed lock (one round
    trip); ``parse`` turns its rows into the remembered value."""

    key: Any
    query: str
    params: Mapping[str, Any]
    parse: Callable[[list[tuple]], Any]

    def value(self, conn: Connection) -> Any:
        """The value, read now unless remembered for the push."""
        return push_memo(conn, self.key, lambda: self.parse(self._rows(conn)))

    def _rows(self, conn: Connection) -> list[tuple]:
        return [tuple(row) for row in conn.execute(text(self.query), dict(self.params))]


MEMO_READS: dict[str, list[MemoRead]] = {}


def memo_read(kinds: Iterable[str], read: MemoRead) -> MemoRead:
    """Declare that checks of ``kinds`` make ``read`` (see ``MemoRead``)."""
    for kind in kinds:
        MEMO_READS.setdefault(kind, []).append(read)
    return read


def memo_reads_for(kinds: Iterable[str]) -> list[MemoRead]:
    """The declared reads the checks of ``kinds`` will make, each once."""
    found: dict[Any, MemoRead] = {}
    for kind in kinds:
        for read in MEMO_READS.get(kind, ()):
            found.setdefault(read.key, read)
    return list(found.values())


def remember(conn: Connection, read: MemoRead, rows: list[tuple]) -> None:
    """Remember ``read``'s value for the push now judging on ``conn``, from its rows."""
    memo = conn.info.get(_MEMO)
    if memo is not None:
        memo[read.key] = read.parse(rows)


# -- checks -------------------------------------------------------------------


@server_check("StaffUpdated")
def _staff_must_exist(session: Connection, event: Event, history: list[Event]) -> str | None:
    """An update to someone never enrolled would leave desks with nothing to update."""
    staff_id = event.payload["staff_id"]
    found = session.execute(
        text("SELECT 1 FROM roster WHERE staff_id = :s"), {"s": staff_id}
    ).first()
    return None if found else f"staff {staff_id} is not on the roster"


def _referral_rule(session: Connection, event: Event, history: list[Event]) -> str | None:
    """The referral lifecycle (raised, accepted, ...): the same rule the desk projection uses."""
    return check_referral_event(event.kind, event.payload, history)


for _kind in REFERRAL_KINDS:
    server_check(_kind)(_referral_rule)


# Stock and issue checks (known locations, canonical serials), the contact log's
# checks (reasons on the council's list) and the cautionary register's (a second
# supervisor) live in their own modules; importing them registers them.
from cxdesk.sync import (  # noqa: E402, F401
    server_caution_checks,
    server_contact_checks,
    server_stock_checks,
)
