"""The cautionary contact register's rules, with no store and no screen in them.

A *marker* warns staff before they meet a person, or go to an address, where a
colleague was hurt or threatened. It is proposed by one supervisor and goes
live only when a second supervisor approves it (the desk and the central API
both apply ``approval_problem``). Markers are reviewed: past the review date a
supervisor sees "review overdue"; 30 days after that an advisor no longer sees
the marker at all until a supervisor reviews it (kept, with a new review date,
or removed), so stale warnings do not follow people around for ever.

The opposite marker is a *protected address*: a resident fleeing abuse whose
address must not be shown in lists, nor revealed by a search, without a reason.

An address is matched by ``address_key``: the postcode without spaces and the
address up to its house number and street, lower case without punctuation, so
"12, Mill Lane, Aylesbury" at "hp20 1aa" and "12 Mill Lane" at "HP20 1AA" are
one address.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

CATEGORIES: dict[str, str] = {
    "violence": "Violence or threats",
    "verbal": "Verbal abuse",
    "weapons": "Weapons",
    "animals": "Animals",
    "lone_worker": "Lone-worker risk",
    "other": "Other",
}
"""Category codes (stored) and their words (shown)."""

REVIEW_MONTHS = 12
"""A marker's default review date: this many months after it is proposed."""
LAPSE_DAYS = 30
"""Days after the review date at which advisors stop seeing an unreviewed marker."""
SUPERVISOR_ROLES = frozenset({"supervisor", "admin"})
REVIEW_OUTCOMES = ("keep", "remove")


def default_review_date(proposed: date, months: int = REVIEW_MONTHS) -> date:
    """``months`` after ``proposed``; the 29th-31st fall back to the month's last day."""
    month0 = proposed.month - 1 + months
    year, month = proposed.year + month0 // 12, month0 % 12 + 1
    for day in (proposed.day, 30, 29, 28):
        try:
            return date(year, month, min(day, proposed.day))
        except ValueError:
            continue
    raise AssertionError("unreachable")  # pragma: no cover


def review_state(review_due: date, today: date) -> str:
    """``current``, ``overdue`` (past the review date) or ``lapsed`` (30 days past it)."""
    if today <= review_due:
        return "current"
    if today <= review_due + timedelta(days=LAPSE_DAYS):
        return "overdue"
    return "lapsed"


def shown_to(role: str, state: str) -> bool:
    """Whether a live marker in review ``state`` is shown to someone in ``role``.

    Supervisors see every live marker (they are the ones to review it); everyone
    else stops seeing one 30 days past its review date, until it is reviewed.
    """
    return role in SUPERVISOR_ROLES or state != "lapsed"


def review_note(role: str, state: str) -> str:
    """The words beside a marker: "review overdue" is for supervisors, who act on it."""
    if role in SUPERVISOR_ROLES and state != "current":
        return "review overdue"
    return ""


def address_key(address: str, postcode: str) -> str:
    """One key per address: postcode without spaces, then house number and street in plain words.

    "" when there is no postcode to anchor it (no fixed abode has no address to mark).
    """
    code = re.sub(r"\s+", "", postcode or "").upper()
    if not code or code == "NFA":
        return ""
    parts = [p.strip() for p in (address or "").replace(",", "\n").splitlines() if p.strip()]
    # Up to the house number and street ("Flat 3, 12 Mere Road"); the town after it
    # is sometimes typed and sometimes not, and must not make two addresses of one.
    kept: list[str] = []
    numbered = False
    for part in parts:
        kept.append(part)
        numbered = numbered or part[0].isdigit()
        if numbered and any(c.isalpha() for c in part):
            break  # "12 Mill Lane", or "12, Mill Lane": the street after the number
    words = " ".join(re.sub(r"[^\w\s]", " ", " ".join(kept).lower()).split())
    return f"{code}|{words}"


def approval_problem(
    proposer: str | None, approver: str, approver_role: str | None, already: str | None
) -> str | None:
    """Why ``approver`` may not approve a marker ``proposer`` proposed, or None.

    ``already`` is who approved it before (a marker goes live once).
    """
    if proposer is None:
        return "no proposal for this marker"
    if already is not None:
        return f"marker already approved by {already}"
    if approver == proposer:
        return "a marker needs a second supervisor: the proposer cannot approve it"
    if approver_role not in SUPERVISOR_ROLES:
        return f"{approver} is not a supervisor on the roster"
    return None


@dataclass(frozen=True)
class MarkerLine:
    """What a screen shows of one live marker: never the detail behind it."""

    marker_id: str
    on: str
    """"person" or "address"."""
    category: str
    precaution: str
    review_due: date
    note: str
    """"review overdue" for supervisors, else ""."""

    @property
    def category_words(self) -> str:
        return CATEGORIES.get(self.category, self.category)

    def line(self) -> str:
        """One line: "⚠ Animals (address): Dog on site; call first [review overdue]"."""
        extra = f" [{self.note}]" if self.note else ""
        return f"⚠ {self.category_words} ({self.on}): {self.precaution}{extra}"
