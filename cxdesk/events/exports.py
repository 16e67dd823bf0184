"""Event kinds for data leaving the system: an export of the issued-voucher log.

An export copies residents' names, years of birth and postcode districts out
of cxdesk into a file nobody audits, so it is recorded like any other action:
who (a supervisor, confirmed by passcode and signed), which days, which
location, how many issues, and whether to a file or to standard output (never
the file's path, which may name a person).
"""

from __future__ import annotations

from pydantic import Field

from cxdesk.events import SUPERVISORS, Payload, event_kind

DAY = r"^\d{4}-\d{2}-\d{2}$"


@event_kind("IssuesExported", roles=SUPERVISORS)
class IssuesExported(Payload):
    date_from: str = Field(pattern=DAY)
    date_to: str = Field(pattern=DAY)
    location: str | None = Field(default=None, pattern=r"^[A-Z0-9][A-Z0-9-]{1,39}$")
    issues: int = Field(ge=0, le=10_000_000)
    to: str = Field(pattern=r"^(file|standard output)$")

    def summary(self) -> str:
        where = f" at {self.location}" if self.location else ""
        return f"{self.issues} issues{where} {self.date_from}..{self.date_to} exported to {self.to}"
