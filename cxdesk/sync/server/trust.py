"""What the central API checks before believing a desk: where, when, who, how much.

A desk is a laptop in a library: it can be stolen, or its store edited, and
whatever it pushes arrives with a correct hash chain. So the push judge does
not take an event's word for anything it can check against the server's own
state. ``EventTrust`` is made once per push (it caches the device and the
roster rows it reads) and answers "why reject this?" in two steps:

``envelope_reason`` (before the payload is looked at)
    * the ``hlc`` is well formed and not more than ``MAX_AHEAD_MS`` ahead of
      the server's clock (a desk's clock is checked, not believed);
    * administrative kinds (roster, devices, locations, policies) come only
      from the server itself (device ``central``, written by ``cxdesk
      admin``), whatever actor or role a desk claims;
    * the event's ``location`` is its device's location, and its actor may
      work there, by the same rule the desk's sign-in applies
      (``cxdesk.session.may_sign_in_at``).

``payload_reason`` (after the payload is validated)
    * a payment card's amount is within the card limit of the *server's*
      latest policy, whatever ``limit_pence`` the desk wrote down;
    * stock and sign-off events name a location the server knows;
    * a failed sign-in recorded by a desk names someone who may sign in at
      that desk's location (ids nobody holds are accepted: they lock nobody out;
      so is an id the desk did not hold, which stays at that location)
      and at most ``MAX_FAILURES_PER_HOUR`` per person per desk, so a rogue
      desk cannot keep the council's staff locked out.

Events the server writes itself (``trusted`` pushes from ``record_central``,
including the demo seed) skip these checks: the server's operator is trusted.
"""

from __future__ import annotations

import json
import time

from sqlalchemy import Connection, text

from cxdesk.events import DESK_ACTOR
from cxdesk.events.envelope import Event, parse_hlc
from cxdesk.session import may_sign_in_at
from cxdesk.sync.scope import is_unchecked_failure
from cxdesk.sync.server.roster import RosterView
from cxdesk.sync.server_checks import push_memo

MAX_AHEAD_MS = 5 * 60 * 1000
"""How far ahead of the server's clock an event may be stamped (clock drift, a slow push)."""
EARLIEST_MS = 1_577_836_800_000
"""2020-01-01: no cxdesk event is older; an hlc before it is a broken or forged clock."""
MAX_FAILURES_PER_HOUR = 10
"""Failed sign-ins per person a desk may record in any hour (two lock-outs' worth)."""
HOUR_MS = 3_600_000

CENTRAL_ONLY_KINDS = frozenset(
    {
        "LocationDefined",
        "StaffEnrolled",
        "StaffUpdated",
        "StaffRemoved",
        "DeviceEnrolled",
        "DeviceRevoked",
        "DeviceMoved",
        "PolicySet",
        "ContactReasonsSet",
    }
)
"""Kinds only ``cxdesk admin`` on the server may record: a desk never can."""

PLACE_FIELDS = {
    "StockReceived": ("location",),
    "StockTransferred": ("from_location", "to_location"),
    "StockWrittenOff": ("location",),
    "StockCounted": ("location",),
    "LogSignedOff": ("location_id",),
    "CustomerMoved": ("to_location",),
}
"""Payload fields naming a location that must be on the server's list of locations."""


def now_ms() -> int:
    return int(time.time() * 1000)


def hlc_problem(hlc: str, device: str, server_ms: int) -> str | None:
    """Why ``hlc`` cannot be believed, or None: malformed, not this device's, too far ahead."""
    try:
        ms, _counter, owner = parse_hlc(hlc)
    except ValueError:
        return f"the clock value {hlc[:40]!r} is malformed"
    if owner != device:
        return f"the clock value names device {owner[:40]!r}, not {device}"
    if ms < EARLIEST_MS:
        return "the clock value is before 2020: the desk's clock is wrong"
    ahead = ms - server_ms
    if ahead > MAX_AHEAD_MS:
        minutes = ahead // 60_000
        return (
            f"the clock value is {minutes} minutes ahead of the server's clock "
            f"(at most {MAX_AHEAD_MS // 60_000} allowed): the desk's clock is wrong"
        )
    return None


class EventTrust:
    """Per-push checks of a device's events against the server's own state."""

    def __init__(
        self,
        conn: Connection,
        device: str,
        *,
        trusted: bool,
        roster: RosterView | None = None,
        place: tuple[str | None, str | None] | None = None,
    ) -> None:
        """``place``: the device's (location, moved_from), if the caller read them already."""
        self.conn, self.device, self.trusted = conn, device, trusted
        self.roster = roster if roster is not None else RosterView(conn)
        self.server_ms = now_ms()
        if place is None:
            row = conn.execute(
                text("SELECT location, moved_from FROM devices WHERE id = :d"), {"d": device}
            ).first()
            place = (row[0], row[1]) if row else (None, None)
        self.location: str | None = place[0]
        self.moved_from: str | None = place[1]
        """Its location before an administrator moved it, until it writes at the new one."""
        self._locations: set[str] | None = None
        self._failures: dict[str, list[int]] = {}

    # -- reads, cached for the push --------------------------------------------
    def person(self, staff_id: str) -> tuple[str, list[str], bool] | None:
        """(role, locations, active) from the server's roster, or None if never enrolled."""
        row = self.roster.row(staff_id)
        return None if row is None else (row.role, row.locations, row.active)

    def forget(self) -> None:
        """The push placed a location: read the list afresh."""
        self._locations = None

    def known_locations(self) -> set[str]:
        """Every location a ``LocationDefined`` event in the feed has defined."""
        if self._locations is None:
            rows = self.conn.execute(
                text("SELECT payload FROM events WHERE kind = 'LocationDefined'")
            )
            self._locations = {json.loads(r[0]).get("location_id") for r in rows}
        return self._locations

    def card_limit(self) -> int | None:
        """The card limit of the latest payment card policy in feed order, if any."""
        return push_memo(self.conn, "card_limit", self._read_card_limit)

    def _read_card_limit(self) -> int | None:
        row = self.conn.execute(
            text(
                "SELECT payload FROM events WHERE kind = 'PolicySet' AND subject = 'payment_card' "
                "ORDER BY server_seq DESC LIMIT 1"
            )
        ).first()
        return json.loads(row[0]).get("card_limit_pence") if row else None

    # -- the checks --------------------------------------------------------------
    def envelope_reason(self, event: Event) -> str | None:
        """Clock, origin and place: checked before the payload is looked at."""
        problem = hlc_problem(event.hlc, event.device, self.server_ms)
        if problem or self.trusted:
            return problem
        if event.kind in CENTRAL_ONLY_KINDS:
            return f"{event.kind} is accepted only from the central API (cxdesk admin), not a desk"
        place = self.place_of(event)
        if place is None:
            return (
                f"the event says it happened at {event.location[:40]}, "
                f"but device {self.device} is at {self.location}"
            )
        if event.actor == DESK_ACTOR:
            return None
        found = self.person(event.actor)
        if found is not None and not may_sign_in_at(found[0], found[1], place):
            return f"{event.actor} does not work at {place}"
        return None  # unknown or removed actors: the role check says so

    def place_of(self, event: Event) -> str | None:
        """Where the event happened, if the server agrees it could have happened there.

        A desk moved by the administrator keeps writing at its old location until it
        learns of the move (its next pull); that work is accepted until the first
        event it writes at the new location, after which only the new one is.
        """
        if event.location == self.location:
            if self.moved_from is not None:
                self.conn.execute(
                    text("UPDATE devices SET moved_from = NULL WHERE id = :d"), {"d": self.device}
                )
                self.moved_from = None
            return self.location
        if self.moved_from is not None and event.location == self.moved_from:
            return self.moved_from
        return None

    def payload_reason(self, event: Event) -> str | None:
        """What the payload claims, checked against the server's state."""
        if self.trusted:
            return None
        if event.kind == "CardIssued":
            return self._card_reason(event)
        if event.kind in PLACE_FIELDS:
            known = self.known_locations()
            for name in PLACE_FIELDS[event.kind]:
                place = event.payload.get(name)
                if place not in known:
                    return f"{name} {str(place)[:40]!r} is not a location the server knows"
        if event.kind == "SignInFailed":
            return self._failure_reason(event)
        if event.kind == "CustomerMoved":
            return self._move_reason(event)
        return None

    def _move_reason(self, event: Event) -> str | None:
        """Only a location that holds the resident may move them (scope bookkeeping).

        A resident registered earlier in this same push has no grant yet; the scope
        bookkeeping, run in feed order after the judging, still gives a move by a
        writer without the resident no effect.
        """
        from cxdesk.sync.server.scope import location_holds

        held = location_holds(self.conn, event.payload["customer_id"], event.location)
        if held is False:
            return (
                f"{event.location[:40]} does not hold this resident, so a desk there "
                "cannot move them"
            )
        return None

    def _card_reason(self, event: Event) -> str | None:
        limit = self.card_limit()
        if limit is None:
            return "the server has no payment card policy, so no card limit to check against"
        value = int(event.payload["value_pence"])
        if value > limit:
            return (
                f"the card amount £{value / 100:.2f} is over the council's limit of "
                f"£{limit / 100:.2f} (the server's policy, not the desk's)"
            )
        return None

    def _failure_reason(self, event: Event) -> str | None:
        staff_id = str(event.payload["staff_id"])
        found = self.person(staff_id)
        if found is None or not found[2]:
            return None  # an id nobody holds (any more): locking it out harms no one
        if not is_unchecked_failure(event) and not may_sign_in_at(
            found[0], found[1], self.location
        ):
            return (
                f"{staff_id} cannot sign in at {self.location}, so a failed sign-in there "
                "cannot count against them"
            )
        at = parse_hlc(event.hlc)[0]
        recent = self._failures.get(staff_id)
        if recent is None:
            recent = self._failures[staff_id] = self._stored_failures(staff_id, at)
        in_hour = [t for t in recent if abs(t - at) < HOUR_MS]
        if len(in_hour) >= MAX_FAILURES_PER_HOUR:
            return (
                f"more than {MAX_FAILURES_PER_HOUR} failed sign-ins for {staff_id} within an "
                f"hour from {self.device}"
            )
        recent.append(at)  # this one is accepted (no later check applies to SignInFailed)
        return None

    def _stored_failures(self, staff_id: str, at: int) -> list[int]:
        """Times of this device's accepted failed sign-ins within an hour either side of ``at``."""
        low = f"{max(at - HOUR_MS, 0):016d}"
        high = f"{at + HOUR_MS:016d}~"
        rows = self.conn.execute(
            text(
                "SELECT payload, hlc FROM events WHERE device = :d AND kind = 'SignInFailed' "
                "AND hlc >= :lo AND hlc <= :hi"
            ),
            {"d": self.device, "lo": low, "hi": high},
        )
        return [
            parse_hlc(hlc)[0]
            for payload, hlc in rows
            if json.loads(payload)["staff_id"] == staff_id
        ]
