"""Event kinds for the one-hour crisis payment promise and crisis flags.

A payment card issue raises a ``CrisisPaymentRequested`` in the same
transaction, due one hour after the issue (both times UTC in the payload, so
every desk and the server agree on the due time without a clock). The Welfare
Assistance Team completes (funds loaded) or declines it with a reason.

A crisis flag records the signs an advisor saw, from a short checklist
(``cxdesk.domain.crisis.SIGNS``), and what they did; it is closed with an
outcome. Subjects are the request and flag ids, so the server can check a
request is still open before it is completed or declined.
"""

from __future__ import annotations

from pydantic import Field, field_validator, model_validator

from cxdesk.domain.crisis import SIGNS
from cxdesk.domain.money import format_pounds
from cxdesk.events import FRONTLINE, Payload, event_kind

ID = r"^[A-Za-z0-9-]{8,40}$"
ISO_UTC = r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$"
WELFARE = frozenset({"welfare", "admin"})


@event_kind("CrisisPaymentRequested", roles=FRONTLINE, subject="request_id")
class CrisisPaymentRequested(Payload):
    request_id: str = Field(pattern=ID)
    issue_id: str = Field(pattern=ID)
    customer_id: str = Field(min_length=1, max_length=40)
    serial: str = Field(pattern=r"^[A-Z]{2,4}[0-9]{6,10}$")
    amount_pence: int = Field(gt=0, le=100_000)
    requested_at: str = Field(pattern=ISO_UTC)
    due_at: str = Field(pattern=ISO_UTC)

    def summary(self) -> str:
        return (
            f"Crisis payment of {format_pounds(self.amount_pence)} requested on card {self.serial}"
        )


@event_kind("CrisisPaymentCompleted", roles=WELFARE, subject="request_id")
class CrisisPaymentCompleted(Payload):
    request_id: str = Field(pattern=ID)
    customer_id: str = Field(min_length=1, max_length=40)
    note: str = Field(default="", max_length=300)

    def summary(self) -> str:
        return "Crisis payment completed: funds loaded on the card"


@event_kind(
    "CrisisPaymentDeclined", roles=WELFARE, subject="request_id", personal_fields=("reason",)
)
class CrisisPaymentDeclined(Payload):
    request_id: str = Field(pattern=ID)
    customer_id: str = Field(min_length=1, max_length=40)
    reason: str = Field(min_length=1, max_length=500)

    def summary(self) -> str:
        return f"Crisis payment declined: {self.reason}"


@event_kind(
    "CrisisFlagged",
    roles=FRONTLINE,
    subject="flag_id",
    personal_fields=("other_signs", "actions"),
)
class CrisisFlagged(Payload):
    multiline_fields = frozenset({"actions"})
    flag_id: str = Field(pattern=ID)
    customer_id: str = Field(min_length=1, max_length=40)
    signs: list[str] = Field(default_factory=list, max_length=len(SIGNS))
    other_signs: str = Field(default="", max_length=300)
    actions: str = Field(min_length=1, max_length=1000)

    @field_validator("signs")
    @classmethod
    def _known_signs(cls, value: list[str]) -> list[str]:
        unknown = [s for s in value if s not in SIGNS]
        if unknown:
            raise ValueError(f"unknown sign(s): {', '.join(unknown)}")
        return sorted(set(value), key=list(SIGNS).index)

    @model_validator(mode="after")
    def _some_sign(self):
        if not self.signs and not self.other_signs.strip():
            raise ValueError("a crisis flag needs at least one sign")
        return self

    def summary(self) -> str:
        seen = [SIGNS[s] for s in self.signs] + ([self.other_signs] if self.other_signs else [])
        return f"Flagged in crisis: {', '.join(seen)}"


@event_kind(
    "CrisisFlagClosed", roles=FRONTLINE | WELFARE, subject="flag_id", personal_fields=("outcome",)
)
class CrisisFlagClosed(Payload):
    multiline_fields = frozenset({"outcome"})
    flag_id: str = Field(pattern=ID)
    customer_id: str = Field(min_length=1, max_length=40)
    outcome: str = Field(min_length=1, max_length=1000)

    def summary(self) -> str:
        return f"Crisis flag closed: {self.outcome}"
