"""Things in the issued-voucher log a supervisor should look at, each explained in words.

Every rule is a plain function over small facts (``IssueFact``,
``CustomerContact``, reconciliation rows) and returns ``Finding``s whose
``detail`` reads as a sentence a supervisor can act on ("Sam Jones had a food
voucher at Northgate Hub on Tue 3 Nov, 4 days after one at the CSC; the policy
allows one every 7 days"). A finding is a prompt to look, never a verdict:
frontline staff are trusted to make the call and overrides carry their reason.

The rules:

- **repeat claim**: the same customer had the same kind again inside the policy
  window (voided issues do not count);
- **shared contact**: two or more customers with the same phone number or the
  same address each had something issued (one household claiming twice, or a
  made-up customer);
- **duplicate serial**: one serial handed over twice and neither voided (two
  desks offline at once, or a typo);
- **outside hours**: an issue recorded while its location was closed;
- **advisor outlier**: "far above" is defined so one busy morning does not
  trip it: an advisor needs at least ``MIN_ISSUES`` issues in the period, and
  more than ``FACTOR`` times the average of the OTHER advisors at that
  location (the location's rate excluding them, so one heavy user does not
  hide behind their own numbers). For overrides they also need at least
  ``MIN_OVERRIDES`` overrides and an override rate above ``FACTOR`` times the
  others' rate (any rate counts when the others never override);
- **stock count**: a physical count that differs from what the events say
  should be on hand.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from cxdesk.domain.hours import LONDON, OpeningHours, is_open
from cxdesk.domain.issue_log import KIND_LABELS

MIN_ISSUES = 10
MIN_OVERRIDES = 3
FACTOR = 2.0

RULE_TITLES = {
    "repeat-claim": "Repeat claim",
    "shared-contact": "Shared phone or address",
    "duplicate-serial": "Serial issued twice",
    "outside-hours": "Issued outside opening hours",
    "advisor-outlier": "Advisor far above location",
    "stock-count": "Stock count differs",
    "funds-after-void": "Funds loaded on a voided card",
}


@dataclass(frozen=True)
class IssueFact:
    """What the rules need to know about one issue."""

    issue_id: str
    kind: str
    serial: str
    location: str
    advisor: str
    at: datetime
    customer_id: str | None = None
    customer_name: str = ""
    override_reason: str = ""
    voided: bool = False


@dataclass(frozen=True)
class CustomerContact:
    customer_id: str
    name: str
    phone: str = ""
    address: str = ""


@dataclass(frozen=True)
class Finding:
    rule: str
    detail: str
    location: str | None = None
    at: datetime | None = None
    issue_ids: tuple[str, ...] = ()

    @property
    def title(self) -> str:
        return RULE_TITLES[self.rule]


def when(at: datetime) -> str:
    """A moment as people say it at the desk: "Tue 3 Nov 14:05" (UK time)."""
    local = at.astimezone(LONDON)
    return f"{local:%a} {local.day} {local:%b %H:%M}"


def _label(kind: str) -> str:
    return KIND_LABELS.get(kind, kind).lower()


def _who(issue: IssueFact) -> str:
    return issue.customer_name or f"customer {issue.customer_id}"


def repeat_claims(
    issues: Iterable[IssueFact], windows: Mapping[str, Sequence[tuple[int, int]]]
) -> list[Finding]:
    """Issues that broke a policy window: (days, max) per kind, as the repeat-claim policy says.

    Windows count UK calendar days the way the desk's own check does
    (``cxdesk.domain.repeat_claims``): an earlier issue is inside an N-day
    window when it was fewer than N calendar days before, and the window is
    broken when the earlier issues inside it already reach its ``max``.
    """
    by_customer: dict[tuple[str, str], list[IssueFact]] = defaultdict(list)
    for issue in issues:
        if issue.customer_id and not issue.voided and windows.get(issue.kind):
            by_customer[(issue.customer_id, issue.kind)].append(issue)
    findings = []
    for (_, kind), claims in by_customer.items():
        claims.sort(key=lambda i: (i.at, i.issue_id))
        for n, later in enumerate(claims):
            day = later.at.astimezone(LONDON).date()
            for days, most in windows[kind]:
                inside = [
                    e for e in claims[:n] if (day - e.at.astimezone(LONDON).date()).days < days
                ]
                if len(inside) < most:
                    continue
                earlier = inside[-1]
                gap = (day - earlier.at.astimezone(LONDON).date()).days
                gap_text = {0: "the same day as", 1: "1 day after"}.get(gap, f"{gap} days after")
                allowed = "one" if most == 1 else f"{most}"
                override = (
                    f" The advisor recorded an override: {later.override_reason!r}."
                    if later.override_reason
                    else " No override reason was recorded."
                )
                findings.append(
                    Finding(
                        "repeat-claim",
                        f"{_who(later)} had a {_label(kind)} at {later.location} on "
                        f"{when(later.at)} from {later.advisor}, {gap_text} one at "
                        f"{earlier.location} on {when(earlier.at)}; the policy allows "
                        f"{allowed} every {days} days.{override}",
                        later.location,
                        later.at,
                        tuple(e.issue_id for e in inside) + (later.issue_id,),
                    )
                )
                break  # one finding per issue, for the first window it broke
    return findings


def normalise_phone(phone: str) -> str:
    """Digits only, with +44 written as a leading 0, so spellings of one number match."""
    digits = re.sub(r"\D", "", phone or "")
    if digits.startswith("44") and len(digits) == 12:
        digits = "0" + digits[2:]
    return digits


def normalise_address(address: str) -> str:
    """Lower case, punctuation and repeated spaces dropped: "12, High St." == "12 high st"."""
    return " ".join(re.sub(r"[^\w\s]", " ", (address or "").lower()).split())


def shared_contacts(
    issues: Iterable[IssueFact], customers: Iterable[CustomerContact]
) -> list[Finding]:
    """Groups of two or more customers sharing a phone or an address, each of whom claimed."""
    claimed: dict[str, list[IssueFact]] = defaultdict(list)
    for issue in issues:
        if issue.customer_id and not issue.voided:
            claimed[issue.customer_id].append(issue)
    groups: dict[tuple[str, str], list[CustomerContact]] = defaultdict(list)
    for customer in customers:
        if customer.customer_id not in claimed:
            continue
        if phone := normalise_phone(customer.phone):
            groups[("phone number", phone)].append(customer)
        if address := normalise_address(customer.address):
            groups[("address", address)].append(customer)
    findings = []
    for (what, _), members in sorted(groups.items()):
        if len({m.customer_id for m in members}) < 2:
            continue
        members.sort(key=lambda m: (m.name.casefold(), m.customer_id))
        shown = members[0].phone if what == "phone number" else members[0].address
        parts = []
        issue_ids: list[str] = []
        for member in members:
            mine = sorted(claimed[member.customer_id], key=lambda i: i.at)
            issue_ids += [i.issue_id for i in mine]
            parts.append(f"{member.name} ({len(mine)})")
        latest = max(i.at for m in members for i in claimed[m.customer_id])
        findings.append(
            Finding(
                "shared-contact",
                f"{len(members)} customers share the {what} {shown} and each had something "
                f"issued: {', '.join(parts)}. Check they are different people in different "
                "households.",
                None,
                latest,
                tuple(issue_ids),
            )
        )
    return findings


def duplicate_serials(issues: Iterable[IssueFact]) -> list[Finding]:
    """The same serial handed over more than once with none of the copies voided."""
    by_serial: dict[str, list[IssueFact]] = defaultdict(list)
    for issue in issues:
        if not issue.voided:
            by_serial[issue.serial].append(issue)
    findings = []
    for serial, copies in sorted(by_serial.items()):
        if len(copies) < 2:
            continue
        copies.sort(key=lambda i: (i.at, i.issue_id))
        told = "; ".join(f"{when(c.at)} at {c.location} by {c.advisor}" for c in copies)
        findings.append(
            Finding(
                "duplicate-serial",
                f"Serial {serial} was recorded as handed over {len(copies)} times: {told}. "
                "Probably two desks offline at once or a mistyped serial; void the wrong one.",
                copies[-1].location,
                copies[-1].at,
                tuple(c.issue_id for c in copies),
            )
        )
    return findings


def outside_hours(
    issues: Iterable[IssueFact], hours_by_location: Mapping[str, OpeningHours]
) -> list[Finding]:
    """Issues recorded while their location was closed (locations with unknown hours skipped)."""
    findings = []
    for issue in sorted(issues, key=lambda i: (i.at, i.issue_id)):
        hours = hours_by_location.get(issue.location)
        if hours is None or not hours.known or is_open(hours, issue.at):
            continue
        findings.append(
            Finding(
                "outside-hours",
                f"{issue.advisor} recorded a {_label(issue.kind)} ({issue.serial}) at "
                f"{issue.location} on {when(issue.at)}, when it is closed (hours: {hours}). "
                "Check the desk clock or whether it was handed over at all.",
                issue.location,
                issue.at,
                (issue.issue_id,),
            )
        )
    return findings


def advisor_outliers(
    issues: Iterable[IssueFact],
    *,
    min_issues: int = MIN_ISSUES,
    min_overrides: int = MIN_OVERRIDES,
    factor: float = FACTOR,
) -> list[Finding]:
    """Advisors whose issue count or override rate is far above their location's (see module)."""
    counts: dict[str, dict[str, list[int]]] = defaultdict(lambda: defaultdict(lambda: [0, 0]))
    for issue in issues:
        if issue.voided:
            continue
        tally = counts[issue.location][issue.advisor]
        tally[0] += 1
        tally[1] += bool(issue.override_reason)
    findings = []
    for location, advisors in sorted(counts.items()):
        for advisor, (issued, overrides) in sorted(advisors.items()):
            others = [t for a, t in advisors.items() if a != advisor]
            if not others or issued < min_issues:
                continue
            other_issued = sum(t[0] for t in others)
            average = other_issued / len(others)
            if issued > factor * average:
                findings.append(
                    Finding(
                        "advisor-outlier",
                        f"{advisor} issued {issued} at {location}, more than {factor:g} times "
                        f"the average of the other {len(others)} advisors there "
                        f"({average:.1f} each).",
                        location,
                    )
                )
            other_rate = sum(t[1] for t in others) / other_issued if other_issued else 0.0
            rate = overrides / issued
            if overrides >= min_overrides and rate > factor * other_rate:
                findings.append(
                    Finding(
                        "advisor-outlier",
                        f"{advisor} overrode the repeat-claim check on {overrides} of {issued} "
                        f"issues at {location} ({rate:.0%}), against {other_rate:.0%} for the "
                        "other advisors there.",
                        location,
                    )
                )
    return findings


def stock_count_differences(rows: Iterable) -> list[Finding]:
    """Reconciliation days where a physical count differs from the events (see reconciliation)."""
    findings = []
    for row in rows:
        if row.counted is None or not row.difference:
            continue
        short = "short" if row.difference < 0 else "over"
        findings.append(
            Finding(
                "stock-count",
                f"{row.location} counted {row.counted} {row.stock_kind} on "
                f"{row.day:%a %d %b %Y} but the records say {row.expected_at_count}: "
                f"{abs(row.difference)} {short}. Look for an unrecorded issue, write-off "
                "or transfer.",
                row.location,
                row.counted_at,
            )
        )
    return findings


@dataclass(frozen=True)
class LoadedAfterVoid:
    """A payment request the card's void cancelled, though funds were loaded too."""

    issue_id: str
    serial: str
    location: str
    loaded_by: str
    loaded_at: datetime
    amount_pence: int


def funds_after_void(cases: Iterable[LoadedAfterVoid]) -> list[Finding]:
    """Money loaded on a card whose issue was voided (two desks acting at once)."""
    return [
        Finding(
            "funds-after-void",
            f"£{c.amount_pence / 100:.2f} was loaded on card {c.serial} by {c.loaded_by} "
            f"({when(c.loaded_at)}) after the card's issue at {c.location} had been voided. "
            "Check whether the customer has the card and the money.",
            c.location,
            c.loaded_at,
            (c.issue_id,),
        )
        for c in sorted(cases, key=lambda c: (c.loaded_at, c.issue_id))
    ]
