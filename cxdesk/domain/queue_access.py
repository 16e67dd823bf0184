"""Which teams' incoming referral queues a person may work at the desk.

Staff belong to locations, not teams (DESIGN.md), and the queue screen lets
the person say which team they are working for. Offering every team to
everyone let any advisor open the Children's Services front door (MASH) and
read safeguarding referrals. The rule, from the roster alone:

- an administrator may work any queue;
- a hub's queue: the staff whose roster includes that hub (its hub staff, and
  supervisors of that hub);
- the Welfare Assistance Team's queue: the Welfare Assistance Team (role
  ``welfare``) and supervisors;
- any other directory team's queue: staff of a back-office location (that is
  where teams' referrals are worked) and supervisors;
- safeguarding teams (MASH, safeguarding adults, the Emergency Duty Team) are
  worked in their own case systems by social workers, never at a desk: only an
  administrator sees those queues here, to pass referrals on.

Advisors at the Customer Service Centre therefore see no incoming queue at
all: they raise referrals and follow them in Outgoing.
"""

from __future__ import annotations

from collections.abc import Iterable

from cxdesk.domain.crisis_hours import WELFARE_ENTRY_ID

SAFEGUARDING_WORDS = ("safeguarding", "mash", "emergency duty")
BACK_OFFICE_KIND = "back-office"


def is_safeguarding(target_id: str, name: str) -> bool:
    """A safeguarding team: its queue is not worked at a desk."""
    words = f"{target_id} {name}".lower()
    return any(word in words for word in SAFEGUARDING_WORDS)


def may_work_queue(
    role: str,
    roster_locations: Iterable[str],
    location_kinds: dict[str, str],
    target_id: str,
    target_name: str,
) -> bool:
    """Whether someone with ``role`` at ``roster_locations`` may work ``target_id``'s queue."""
    places = set(roster_locations)
    if role == "admin":
        return True
    if target_id in location_kinds:  # a location's (hub's) own queue
        return target_id in places
    if is_safeguarding(target_id, target_name):
        return False
    if target_id == WELFARE_ENTRY_ID:
        return role in ("welfare", "supervisor")
    back_office = any(location_kinds.get(p) == BACK_OFFICE_KIND for p in places)
    return role == "supervisor" or back_office
