"""Event kinds for the contact log: wrap-ups, transfers, digital exclusion, the reasons list.

- ``ContactReasonsSet`` (central only): the council's list of contact reasons
  and the first-contact-resolution window; the latest in feed order applies.
- ``ContactWrapped``: one interaction, its reasons (codes from that list; the
  server checks), channel and outcome, anonymous (hub footfall) or about a
  resident. ``at`` is when the contact ended, kept in the payload so a wrap-up
  recorded a little later still counts in the right hour; the server refuses
  one more than a day before, or after, the event's own clock.
- ``ContactLeftUnwrapped``: an interaction left without a wrap-up, with why.
- ``TransferOutcomeRecorded``: what happened when the advisor dialled a
  directory number for a resident (answered, no answer, refused, wrong number).
- ``DigitalExclusionRecorded``: why a resident cannot use online services;
  recorded once and corrected by recording again (the latest applies).
"""

from __future__ import annotations

import re

from pydantic import Field, field_validator, model_validator

from cxdesk.domain.contact_reasons import ContactReason
from cxdesk.domain.contacts import (
    CHANNELS,
    DEFAULT_FCR_DAYS,
    EXCLUSION_REASONS,
    MAX_REASONS,
    OUTCOMES,
    REASON_CODE,
    TRANSFER_RESULTS,
)
from cxdesk.events import FRONTLINE, SUPERVISORS, Payload, event_kind
from cxdesk.events.customers import UUID_PATTERN

ID = r"^[A-Za-z0-9-]{8,40}$"
ISO_UTC = r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$"
REASONS_LIST = "contact_reasons"
"""The subject of every ``ContactReasonsSet``: there is one list, so its history is one subject."""


def _choice(words: dict[str, str], name: str):
    def check(value: str) -> str:
        if value not in words:
            raise ValueError(f"{name} must be one of {', '.join(words)}")
        return value

    return check


@event_kind("ContactReasonsSet", roles=SUPERVISORS, subject="list_id")
class ContactReasonsSet(Payload):
    list_id: str = Field(default=REASONS_LIST, pattern=f"^{REASONS_LIST}$")
    reasons: list[ContactReason] = Field(min_length=1, max_length=200)
    fcr_window_days: int = Field(default=DEFAULT_FCR_DAYS, ge=1, le=60)

    @field_validator("reasons")
    @classmethod
    def _unique(cls, value: list[ContactReason]) -> list[ContactReason]:
        codes = [r.code for r in value]
        if len(set(codes)) != len(codes):
            raise ValueError("each reason code may appear only once")
        return value

    def summary(self) -> str:
        return f"Contact reasons set: {len(self.reasons)} reasons"


@event_kind("ContactWrapped", roles=FRONTLINE, subject="contact_id")
class ContactWrapped(Payload):
    contact_id: str = Field(pattern=ID)
    customer_id: str | None = Field(default=None, pattern=UUID_PATTERN)
    """None for an anonymous contact (footfall at a hub, a caller who gave no name)."""
    reasons: list[str] = Field(min_length=1, max_length=MAX_REASONS)
    channel: str
    outcome: str
    referral_id: str | None = Field(default=None, pattern=UUID_PATTERN)
    at: str = Field(pattern=ISO_UTC)

    _channel = field_validator("channel")(_choice(CHANNELS, "channel"))
    _outcome = field_validator("outcome")(_choice(OUTCOMES, "outcome"))

    @field_validator("reasons")
    @classmethod
    def _codes(cls, value: list[str]) -> list[str]:
        for code in value:
            if not re.match(REASON_CODE, code):
                raise ValueError(f"{code[:40]!r} is not a reason code")
        if len(set(value)) != len(value):
            raise ValueError("a reason may be given only once")
        return value

    @model_validator(mode="after")
    def _referral(self):
        if self.outcome == "referred" and self.customer_id is None:
            raise ValueError("an anonymous contact cannot be referred")
        if self.referral_id is not None and self.outcome != "referred":
            raise ValueError("a referral id goes only with the outcome 'referred'")
        return self

    def summary(self) -> str:
        return f"Contact wrapped up: {OUTCOMES[self.outcome]} ({CHANNELS[self.channel]})"


@event_kind(
    "ContactLeftUnwrapped", roles=FRONTLINE, subject="contact_id", personal_fields=("reason",)
)
class ContactLeftUnwrapped(Payload):
    contact_id: str = Field(pattern=ID)
    customer_id: str | None = Field(default=None, pattern=UUID_PATTERN)
    reason: str = Field(min_length=3, max_length=300)
    at: str = Field(pattern=ISO_UTC)

    def summary(self) -> str:
        return "Contact left without a wrap-up"


@event_kind("TransferOutcomeRecorded", roles=FRONTLINE, subject="transfer_id")
class TransferOutcomeRecorded(Payload):
    transfer_id: str = Field(pattern=ID)
    entry_id: str = Field(min_length=1, max_length=80)
    team: str = Field(min_length=1, max_length=120)
    """The team whose line it was, as the directory named it then (figures group by it)."""
    result: str
    customer_id: str | None = Field(default=None, pattern=UUID_PATTERN)
    at: str = Field(pattern=ISO_UTC)

    _result = field_validator("result")(_choice(TRANSFER_RESULTS, "result"))

    def summary(self) -> str:
        return f"Transfer to {self.team}: {TRANSFER_RESULTS[self.result].lower()}"


@event_kind("DigitalExclusionRecorded", roles=FRONTLINE, subject="customer_id")
class DigitalExclusionRecorded(Payload):
    customer_id: str = Field(pattern=UUID_PATTERN)
    reasons: list[str] = Field(default_factory=list, max_length=len(EXCLUSION_REASONS))
    """Empty when the resident can, after all, use online services (a correction)."""

    @field_validator("reasons")
    @classmethod
    def _known(cls, value: list[str]) -> list[str]:
        unknown = [r for r in value if r not in EXCLUSION_REASONS]
        if unknown:
            raise ValueError(f"unknown reason(s): {', '.join(unknown)[:80]}")
        return sorted(set(value), key=list(EXCLUSION_REASONS).index)

    def summary(self) -> str:
        if not self.reasons:
            return "Can use online services"
        return "Cannot use online services: " + ", ".join(
            EXCLUSION_REASONS[r].lower() for r in self.reasons
        )


@event_kind("ContactsExported", roles=SUPERVISORS)
class ContactsExported(Payload):
    """A supervisor exported the contact log or one of its figures (``cxdesk export contacts``)."""

    date_from: str = Field(pattern=r"^\d{4}-\d{2}-\d{2}$")
    date_to: str = Field(pattern=r"^\d{4}-\d{2}-\d{2}$")
    location: str | None = Field(default=None, pattern=r"^[A-Z0-9][A-Z0-9-]{1,39}$")
    report: str = Field(pattern=r"^[a-z-]{3,20}$")
    rows: int = Field(ge=0, le=100_000_000)
    to: str = Field(pattern=r"^(file|standard output)$")

    def summary(self) -> str:
        where = f" at {self.location}" if self.location else ""
        return f"Contacts ({self.report}){where} {self.date_from}..{self.date_to} exported"
