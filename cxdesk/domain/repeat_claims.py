"""Repeat claims: has this person had a voucher or card recently, here or elsewhere?

Before an issue the desk looks at earlier live (not voided) issues of the same
kind, at every location it knows about, to the same customer record or a
likely match on name, date of birth and postcode (someone registered again at
another hub). The policy per kind has windows such as "at most one food
voucher in 7 days and three in 90" and says what a match needs: ``warn`` (the
advisor confirms), ``reason`` (a written reason) or ``supervisor`` (a reason
and a supervisor signing in at the desk to approve).

Window edges, decided: windows count London calendar days. An earlier issue
counts against an N-day window when it was fewer than N calendar days before
today, so with "one in 7 days" a voucher on Monday blocks Tuesday to Sunday
(days 1-6) and the next Monday (day 7) is clear: one a week, on the same
weekday, whatever the hour. Calendar days are what advisors and residents mean
by "a week", and they are right across the clock change. A window is breached
when the earlier issues in it already reach its ``max``.

The likely match is the customer register's own (``cxdesk.domain.customers.
likely_match``: date of birth exact or nearly, both name parts close in either
order, postcode raising the score), so one rule decides who is the same person.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from cxdesk.domain import claim_keys, customers
from cxdesk.domain.customers import likely_match
from cxdesk.domain.sla import age_text

LONDON = ZoneInfo("Europe/London")


@dataclass(frozen=True)
class Window:
    days: int
    max: int

    def text(self, kind_name: str) -> str:
        many = "" if self.max == 1 else "s"
        return f"at most {self.max} {kind_name}{many} in {self.days} days"


@dataclass(frozen=True)
class Policy:
    kind: str
    windows: tuple[Window, ...]
    action: str  # warn | reason | supervisor
    card_limit_pence: int | None = None


@dataclass(frozen=True)
class Person:
    customer_id: str
    given_name: str = ""
    family_name: str = ""
    date_of_birth: str = ""  # YYYY-MM-DD
    postcode: str = ""


@dataclass(frozen=True)
class PastIssue:
    issue_id: str
    kind: str
    customer_id: str
    location: str
    at: datetime  # aware, UTC
    person: Person | None = None  # None when this desk has not got the customer record
    keys: claim_keys.ClaimKeys | None = None
    """From the claims index: another location's issue, its person as keys only."""


@dataclass(frozen=True)
class Match:
    issue: PastIssue
    how: str  # "same record" | "likely match"


@dataclass
class CheckResult:
    matches: list[Match] = field(default_factory=list)
    breached: list[str] = field(default_factory=list)
    action: str = "none"
    checked_at: datetime | None = None
    knowledge_as_of: datetime | None = None

    @property
    def needs_reason(self) -> bool:
        return bool(self.breached) and self.action in ("reason", "supervisor")

    @property
    def needs_supervisor(self) -> bool:
        return bool(self.breached) and self.action == "supervisor"


def calendar_days_between(earlier: datetime, later: datetime) -> int:
    """Whole London calendar days from ``earlier`` to ``later`` (same day = 0)."""
    return (later.astimezone(LONDON).date() - earlier.astimezone(LONDON).date()).days


def in_window(issued_at: datetime, now: datetime, days: int) -> bool:
    """Whether an issue at ``issued_at`` counts against a ``days``-day window today."""
    return calendar_days_between(issued_at, now) < days


def likely_same_person(a: Person, b: Person) -> bool:
    """The customer register's own likely-match rule (``cxdesk.domain.customers``), so
    the repeat check and the duplicate warning at registration agree on who is who."""
    if not a.date_of_birth or not b.date_of_birth:
        return False
    return likely_match(_as_customer(a), _as_customer(b)) is not None


def _as_customer(p: Person) -> customers.Person:
    return customers.Person(p.given_name, p.family_name, p.date_of_birth, p.postcode)


def find_matches(person: Person, kind: str, past: list[PastIssue]) -> list[Match]:
    """Earlier issues of ``kind`` that belong to ``person``: same record or likely match."""
    found = []
    mine, close = None, set()
    if any(i.keys is not None for i in past):
        mine = claim_keys.keys_of(
            person.customer_id,
            person.given_name,
            person.family_name,
            person.date_of_birth,
            person.postcode,
        )
        close = {claim_keys.dob_key(d) for d in claim_keys.close_dates(person.date_of_birth)}
    for issue in past:
        if issue.kind != kind:
            continue
        if issue.customer_id == person.customer_id:
            found.append(Match(issue, "same record"))
        elif issue.person is not None and likely_same_person(person, issue.person):
            found.append(Match(issue, "likely match"))
        elif issue.keys is not None and mine is not None:
            if issue.keys.record == mine.record:
                found.append(Match(issue, "same record"))
            elif claim_keys.likely_same(mine, close, issue.keys):
                found.append(Match(issue, "likely match"))
    return sorted(found, key=lambda m: m.issue.at, reverse=True)


def check_repeat(
    person: Person,
    policy: Policy,
    past: list[PastIssue],
    *,
    now: datetime,
    kind_name: str,
    knowledge_as_of: datetime | None = None,
) -> CheckResult:
    """The repeat-claim check for handing ``person`` an item of ``policy.kind`` now."""
    longest = max(w.days for w in policy.windows)
    # Issues dated after ``now`` count too: another desk's clock may be ahead of ours.
    relevant = [i for i in past if in_window(i.at, now, longest)]
    matches = find_matches(person, policy.kind, relevant)
    breached = []
    for window in policy.windows:
        count = sum(1 for m in matches if in_window(m.issue.at, now, window.days))
        if count >= window.max:
            breached.append(f"{window.text(kind_name)}: {count} already")
    return CheckResult(
        matches=matches,
        breached=breached,
        action=policy.action if breached else "none",
        checked_at=now,
        knowledge_as_of=knowledge_as_of,
    )


def knowledge_text(knowledge_as_of: datetime | None, now: datetime) -> str:
    """How old the desk's view of other locations is, for the advisor."""
    if knowledge_as_of is None:
        return "issues from other locations: never synced (this desk's records only)"
    return f"issues from other locations as of {age_text(knowledge_as_of, now)}"
