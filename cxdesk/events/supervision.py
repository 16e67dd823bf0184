"""Event kinds for the supervisor's issued-voucher log: signing off a location's day.

A supervisor signs off a location's day once they have looked at its issues and
its stock reconciliation, with a note ("2 vouchers short, written off after
checking CCTV"). Only supervisors (and administrators) may record it: the desk
refuses anyone else, and the central API refuses it again through this kind's
``roles``. The subject is the location, so the server sees a location's
sign-offs together.

What arrives after a sign-off is worked out when reading, not stored here: see
``cxdesk.store.projections.supervision``.
"""

from __future__ import annotations

from datetime import date

from pydantic import Field, field_validator

from cxdesk.events import SUPERVISORS, Payload, event_kind

LOCATION_PATTERN = r"^[A-Z0-9][A-Z0-9-]{1,39}$"


@event_kind("LogSignedOff", roles=SUPERVISORS, subject="location_id", personal_fields=("note",))
class LogSignedOff(Payload):
    multiline_fields = frozenset({"note"})
    location_id: str = Field(pattern=LOCATION_PATTERN)
    day: str = Field(pattern=r"^\d{4}-\d{2}-\d{2}$")
    note: str = Field(default="", max_length=1000)

    @field_validator("day")
    @classmethod
    def _real_day(cls, value: str) -> str:
        date.fromisoformat(value)  # "2026-02-30" is refused, not stored
        return value

    def summary(self) -> str:
        return f"Log signed off for {self.location_id} on {self.day}"
