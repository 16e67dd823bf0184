"""Who is signed in at this desk, and where they may sign in.

A ``DeskSession`` is the signed-in person as every screen sees it: the header
shows it, commands record events with its staff id and role, and the idle lock
compares the next person's id with it. It is immutable: a different person
signing in makes a new session (and a fresh set of screens), never an edit.

The session also holds the person's signing keys, derived from their passcode
at sign-in: the app hands them to the store for signing while the session is
open and unlocked, and drops them at lock, sign-out and quit.

Where people may sign in: advisors and hub staff only at a desk whose location
is on their roster entry, so a laptop moved to another hub does not quietly
record work under the wrong site. Supervisors, administrators and the Welfare
Assistance Team cover several sites or work from the back office, so they may
sign in at any desk.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the keys arrive with a sign-in, which imports them
    from cxdesk.domain.staff_keys import StaffKeys

ROLES_SIGNING_IN_ANYWHERE = frozenset({"supervisor", "admin", "welfare"})

ROLE_LABELS = {
    "advisor": "Advisor",
    "hub": "Hub staff",
    "welfare": "Welfare team",
    "supervisor": "Supervisor",
    "admin": "Administrator",
}


@dataclass(frozen=True)
class DeskSession:
    """The person signed in at this desk."""

    staff_id: str
    name: str
    role: str
    location: str
    location_name: str = ""
    """The location's name for display ("Customer Service Centre"); the id if unknown."""
    keys: StaffKeys | None = field(default=None, repr=False, compare=False)
    """The signing keys derived from the passcode at sign-in (memory only, this session)."""

    @property
    def role_label(self) -> str:
        return ROLE_LABELS.get(self.role, self.role)

    @property
    def place(self) -> str:
        return self.location_name or self.location


def may_sign_in_at(role: str, staff_locations: Iterable[str], desk_location: str | None) -> bool:
    """Whether someone in ``role`` working at ``staff_locations`` may sign in at this desk."""
    if role in ROLES_SIGNING_IN_ANYWHERE:
        return True
    return desk_location is not None and desk_location in set(staff_locations)
