"""Event kind for a retention or right-to-erasure sweep, written by the central API.

``RecordsErased`` says which events had their personal fields blanked and why:
either every event older than its kind's retention period on ``before`` (the
periods travel in the payload, so every desk applies the same rule), or every
event about one resident (``customer_id``), with the reason for the request.
The rule itself is ``cxdesk.domain.erasure``.
"""

from __future__ import annotations

from pydantic import Field, model_validator

from cxdesk.events import Payload, event_kind

ADMIN = frozenset({"admin"})


@event_kind("RecordsErased", roles=ADMIN, subject="erasure_id")
class RecordsErased(Payload):
    erasure_id: str = Field(pattern=r"^[A-Za-z0-9-]{8,40}$")
    before: str | None = Field(default=None, pattern=r"^\d{4}-\d{2}-\d{2}$")
    retention_days: dict[str, int] = Field(default_factory=dict, max_length=64)
    customer_id: str | None = Field(default=None, max_length=40)
    reason: str = Field(min_length=1, max_length=300)
    upto_seq: int = Field(ge=0)
    """Only events placed in the feed at or before this place are erased."""

    @model_validator(mode="after")
    def _one_rule(self):
        if (self.before is None) == (self.customer_id is None):
            raise ValueError("an erasure names either a date (before) or a customer")
        return self

    def summary(self) -> str:
        return "Personal details erased on request" if self.customer_id else "Retention erasure"
