"""Which desks receive which events: the scoping rule, as plain functions.

A desk receives what its location's work needs, no more (DESIGN.md, "Who
receives what"). Every event gets *targets* when the server accepts it:

- a **place**: a location id, ``*`` (every desk) or ``@back-office`` (every
  back-office desk). Desks there always receive the event;
- a **key**: ``c:<customer id>`` or ``s:<staff id>``. Desks receive the event
  when their location holds a *grant* on that key. Grants come from the
  events themselves: working with a resident at a location (any event about
  them written there: registering, opening the record with a reason, an issue,
  a referral raised), a referral to a location's team, a crisis payment
  request (the Welfare Assistance Team's back office), and for staff the
  locations they may sign in at.

A resident also has a *home*: the location that registered them, changed by
``CustomerMoved``. A move grants the new home and withdraws the old home's
grant unless it has a *standing* reason to keep the resident (``standing``: a
referral to or from its teams, or a central search with a recorded reason);
the server then tells that location's desks to drop the resident.

The server (``cxdesk.sync.server.scope``) stores the targets and grants and
answers each desk's pull with only its share; this module is the rule itself,
with no SQL, so the tests and DESIGN.md's table can be checked against it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, NamedTuple

from cxdesk.domain.signin_policy import FailureReason
from cxdesk.session import ROLES_SIGNING_IN_ANYWHERE

if TYPE_CHECKING:
    from cxdesk.events.envelope import Event

EVERYONE = "*"
BACK_OFFICE = "@back-office"

STAFF_KINDS = frozenset(
    {"StaffEnrolled", "StaffUpdated", "StaffRemoved", "StaffRekeyed", "LockoutCleared"}
)
SIGN_IN_KINDS = frozenset({"SignInSucceeded", "SignInFailed", "SignInLockedOut", "SignedOut"})
SHARED_KINDS = frozenset(
    {
        "PolicySet",
        "DirectoryEntryUpdated",
        "DirectoryEntryRemoved",
        "LocationDefined",
        "DeviceEnrolled",
        "DeviceRevoked",
        "DeviceMoved",
        "ContactReasonsSet",
        "IssuesExported",
    }
)
ISSUE_KINDS = frozenset({"VoucherIssued", "CardIssued", "IssueVoided"})
CRISIS_PAYMENT_KINDS = frozenset(
    {"CrisisPaymentRequested", "CrisisPaymentCompleted", "CrisisPaymentDeclined"}
)
REFERRAL_TO_TEAM = frozenset({"ReferralRaised", "ReferralReassigned"})
CAUTION_KINDS = frozenset(
    {"CautionProposed", "CautionApproved", "CautionReviewed", "CautionDetailViewed"}
)
STOCK_PLACES: dict[str, tuple[str, ...]] = {
    "StockReceived": ("location",),
    "StockWrittenOff": ("location",),
    "StockCounted": ("location",),
    "StockTransferred": ("from_location", "to_location"),
    "LogSignedOff": ("location_id",),
}


class Target(NamedTuple):
    """Who receives an event: desks at ``name`` (a place), or holders of a grant on it (a key).

    A named tuple, not a frozen dataclass: the server makes one or two per event it
    accepts, and hashes them, where a dataclass's Python-level ``__init__`` and
    ``__hash__`` cost more than the rest of the rule.
    """

    name: str
    via_grant: bool


def customer_key(customer_id: str) -> str:
    return f"c:{customer_id}"


def staff_key(staff_id: str) -> str:
    return f"s:{staff_id}"


def is_unchecked_failure(event: Event) -> bool:
    """A failed sign-in for a staff ID the desk did not hold, so no passcode was tried.

    It stays at its location as a record of what was typed: sent on to where the
    person signs in, it would count towards their lock-out though no guess was made.
    """
    return (
        event.kind == "SignInFailed"
        and event.payload.get("reason") == FailureReason.UNKNOWN_STAFF_ID
    )


def is_private_advice(event: Event) -> bool:
    """A consent-refused "advice given" record: it never leaves its location."""
    return event.kind == "ReferralRaised" and bool(event.payload.get("advice_only"))


def targets(
    event: Event, location: str, private_referral: Callable[[str], str | None]
) -> list[Target]:
    """Where ``event`` (written at ``location``) goes.

    ``private_referral(referral_id)`` gives the location of an advice-only
    record (or None), so the steps of such a record stay where it is.
    """
    found = _targets(event, location, private_referral)
    if not any(t.name.startswith("c:") for t in found):
        # The desks where it was written hold it already (its author does), so a
        # fresh desk there receives it too. A resident's events follow the grants
        # instead, so that a location that loses a resident loses all of them.
        found.append(Target(location, False))
    return list(dict.fromkeys(found))


def _targets(event: Event, location: str, private_referral) -> list[Target]:
    p, kind = event.payload, event.kind
    if kind in SHARED_KINDS or (kind == "RecordsErased" and not p.get("customer_id")):
        return [Target(EVERYONE, False)]  # a retention sweep reaches every desk
    if kind in STAFF_KINDS or kind in SIGN_IN_KINDS:
        if is_unchecked_failure(event):
            return []  # kept where it was typed: it says nothing about the person's passcode
        # Sign-in attempts go where the person may sign in, so a lock-out holds at
        # every desk they could try next.
        return [Target(staff_key(p["staff_id"]), True)]
    if kind in STOCK_PLACES:
        return [Target(p[f], False) for f in STOCK_PLACES[kind]]
    if is_private_advice(event):
        return []
    if p.get("referral_id"):
        private_at = private_referral(p["referral_id"])
        if private_at is not None:
            return [Target(private_at, False)]
    if kind in CAUTION_KINDS and p.get("address_key"):
        # Any desk may meet someone at a marked address (a new resident registering, a
        # visit), so an address marker goes everywhere; one on a person alone follows them.
        found = [Target(EVERYONE, False)]
        if p.get("customer_id"):
            found.append(Target(customer_key(p["customer_id"]), True))
        return found
    if p.get("customer_id"):  # None: an anonymous contact, which stays where it happened
        found = [Target(customer_key(p["customer_id"]), True)]
        if kind in ISSUE_KINDS:
            found.append(Target(location, False))  # the location's stock counts its issues
        if kind in CRISIS_PAYMENT_KINDS:
            found.append(Target(BACK_OFFICE, False))  # the Welfare Assistance Team's queue
        return found
    return []  # a kind this rule does not know (a newer feature) stays where it was written


def grants(event: Event, location: str, is_location: Callable[[str], bool]) -> Iterator[tuple]:
    """The (key, place) grants this event gives; ``location`` is where it was written.

    The server applies them only when the writer was entitled to the resident
    (it already held them, or registered them new): a stolen token cannot reach
    a record by writing an event that names its id.
    """
    p, kind = event.payload, event.kind
    if kind in ("StaffEnrolled", "StaffUpdated"):
        key = staff_key(p["staff_id"])
        if p.get("role") in ROLES_SIGNING_IN_ANYWHERE:
            yield key, EVERYONE  # they may sign in at any desk
        for place in p.get("locations") or ():
            yield key, place
        return
    if not p.get("customer_id") or kind in STAFF_KINDS or kind == "RecordsErased":
        return
    key = customer_key(p["customer_id"])
    yield key, location  # worked with here (advice given here included: it stays here)
    if is_private_advice(event):
        return
    if kind == "CustomerMoved":
        yield key, p["to_location"]  # the new home receives the record and its history
    if kind in REFERRAL_TO_TEAM:
        team = p["to_team"]
        # A hub is a referral target by its location id; directory teams are worked
        # from the back office.
        yield key, team if is_location(team) else BACK_OFFICE
    if kind == "CrisisPaymentRequested":
        yield key, BACK_OFFICE


def standing(
    event: Event, location: str, is_location: Callable[[str], bool], *, searched: bool
) -> Iterator[tuple[str, str]]:
    """The (key, place) reasons this event gives a location to keep a resident after a move.

    Working with a resident day to day follows their home; a referral to or from
    a location's team, or a central search with a recorded reason (``searched``:
    the server itself recorded the view), is work that stands on its own.
    """
    p, kind = event.payload, event.kind
    if not p.get("customer_id") or is_private_advice(event):
        return
    key = customer_key(p["customer_id"])
    if kind in REFERRAL_TO_TEAM:
        team = p["to_team"]
        yield key, location  # referred from here
        yield key, team if is_location(team) else BACK_OFFICE  # referred to there
    if kind == "CustomerRecordViewed" and searched and p.get("reason"):
        yield key, location


def home(event: Event, location: str) -> tuple[str, str] | None:
    """(key, location) when this event sets where the resident belongs (registered, moved)."""
    if event.kind == "CustomerRegistered":
        return customer_key(event.payload["customer_id"]), location
    if event.kind == "CustomerMoved":
        return customer_key(event.payload["customer_id"]), event.payload["to_location"]
    return None


def audiences(location: str, location_kind: str | None) -> list[str]:
    """The places and grant holders a desk at ``location`` stands for."""
    found = [location, EVERYONE]
    if location_kind == "back-office":
        found.append(BACK_OFFICE)
    return found
