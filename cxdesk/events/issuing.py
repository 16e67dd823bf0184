"""Event kinds for handing over a food voucher or a payment card, voiding one, and
the repeat-claim policy.

An issue carries the repeat-claim check exactly as the advisor saw it before
confirming (``RepeatCheck``): which earlier issues matched and where, what the
policy asked for, the written reason and the approving supervisor if any, and
how old the desk's knowledge of other locations was. The override is part of
the issue rather than a separate event, so an issue can never be recorded
without the check it was made under; the supervisor's log reads it from the
``issues`` table.

Subjects: an issue is about its ``serial`` (so the server can see two issues of
one serial and raise the clash); a void is about the ``issue_id``; a policy is
about its ``kind``.
"""

from __future__ import annotations

from pydantic import Field, model_serializer, model_validator

from cxdesk.domain.money import format_pounds
from cxdesk.domain.stock import KIND_PATTERN
from cxdesk.events import FRONTLINE, SUPERVISORS, Payload, event_kind

SERIAL_PATTERN = r"^[A-Z]{2,4}[0-9]{6,10}$"
ID = r"^[A-Za-z0-9-]{8,40}$"
VOUCHER_VALUE_PENCE = 500
MAX_CARD_PENCE = 100_000  # a ceiling on any policy limit (£1,000)
ISO_UTC = r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$"


class RepeatMatch(Payload):
    """An earlier issue the check found for this person."""

    issue_id: str = Field(pattern=ID)
    kind: str = Field(pattern=KIND_PATTERN)
    customer_id: str = Field(max_length=40)
    location: str = Field(max_length=40)
    issued_at: str = Field(pattern=ISO_UTC)
    how: str = Field(pattern=r"^(same record|likely match)$")


MAX_MATCHES = 200
"""Matches listed in an issue's repeat check; someone with more still gets their voucher."""


class RepeatCheck(Payload):
    """The repeat-claim check as shown to the advisor before the issue was confirmed."""

    matches: list[RepeatMatch] = Field(default_factory=list, max_length=MAX_MATCHES)
    more_matches: int = Field(default=0, ge=0, le=1_000_000)
    """Earlier issues found beyond the newest ``MAX_MATCHES`` listed (counted, not listed)."""
    breached: list[str] = Field(default_factory=list, max_length=10)
    action: str = Field(pattern=r"^(none|warn|reason|supervisor)$")
    checked_at: str = Field(pattern=ISO_UTC)
    knowledge_as_of: str | None = Field(default=None, pattern=ISO_UTC)


class ApprovalSignature(Payload):
    """A supervisor's signature over the issue's content (``cxdesk.domain.approvals``)."""

    by: str = Field(min_length=1, max_length=40)
    signature: str = Field(pattern=r"^[0-9a-f]{128}$")


class _Issue(Payload):
    issue_id: str = Field(pattern=ID)
    customer_id: str = Field(min_length=1, max_length=40)
    serial: str = Field(pattern=SERIAL_PATTERN)
    value_pence: int = Field(gt=0, le=MAX_CARD_PENCE)
    reason: str = Field(min_length=1, max_length=500)
    repeat_check: RepeatCheck
    override_reason: str = Field(default="", max_length=500)
    approved_by: str | None = Field(default=None, max_length=40)
    approval: ApprovalSignature | None = None
    """The approver's signature; required whenever ``approved_by`` is set."""

    @model_serializer(mode="wrap")
    def _drop_missing_approval(self, handler):
        # Issues recorded without an approval keep the payload (and digest) they had.
        data = handler(self)
        if data.get("approval", 0) is None:
            del data["approval"]
        return data

    @model_validator(mode="after")
    def _override_complete(self):
        action = self.repeat_check.action if self.repeat_check.breached else "none"
        if action in ("reason", "supervisor") and not self.override_reason.strip():
            raise ValueError("a repeat claim under this policy needs a written reason")
        if action == "supervisor" and not self.approved_by:
            raise ValueError("a repeat claim under this policy needs a supervisor's approval")
        if self.approved_by and (self.approval is None or self.approval.by != self.approved_by):
            raise ValueError("an approval needs the approving supervisor's signature")
        if self.approval is not None and not self.approved_by:
            raise ValueError("a signed approval must name its supervisor in approved_by")
        return self

    def _override_text(self) -> str:
        if not self.repeat_check.breached:
            return ""
        who = f", approved by {self.approved_by}" if self.approved_by else ""
        why = f": {self.override_reason}" if self.override_reason else ""
        return f" (repeat claim overridden{who}{why})"


@event_kind(
    "VoucherIssued",
    roles=FRONTLINE,
    subject="serial",
    personal_fields=("reason", "override_reason"),
)
class VoucherIssued(_Issue):
    value_pence: int = Field(default=VOUCHER_VALUE_PENCE, ge=VOUCHER_VALUE_PENCE, le=500)

    def summary(self) -> str:
        return (
            f"Food voucher {self.serial} ({format_pounds(self.value_pence)}){self._override_text()}"
        )


@event_kind(
    "CardIssued",
    roles=FRONTLINE,
    subject="serial",
    personal_fields=("reason", "override_reason"),
)
class CardIssued(_Issue):
    limit_pence: int = Field(gt=0, le=MAX_CARD_PENCE)
    """The policy's card limit when the card was issued, kept for audit."""

    @model_validator(mode="after")
    def _within_limit(self):
        if self.value_pence > self.limit_pence:
            raise ValueError(f"amount is over the limit of {format_pounds(self.limit_pence)}")
        return self

    def summary(self) -> str:
        return (
            f"Payment card {self.serial} for {format_pounds(self.value_pence)}"
            f"{self._override_text()}"
        )


@event_kind("ApprovalGiven", roles=SUPERVISORS)
class ApprovalGiven(Payload):
    """A supervisor typed their passcode at an advisor's desk to approve a repeat claim.

    Signed by the supervisor; the issue itself carries the signature over its
    content. Counts as a correct passcode for the sign-in lock-out.
    """

    staff_id: str = Field(min_length=1, max_length=40)
    issue_id: str = Field(pattern=ID)
    kind: str = Field(pattern=r"^(VoucherIssued|CardIssued)$")
    customer_id: str = Field(min_length=1, max_length=40)


@event_kind("IssueVoided", roles=FRONTLINE, subject="issue_id", personal_fields=("reason",))
class IssueVoided(Payload):
    issue_id: str = Field(pattern=ID)
    customer_id: str = Field(min_length=1, max_length=40)
    kind: str = Field(pattern=KIND_PATTERN)
    serial: str = Field(pattern=SERIAL_PATTERN)
    reason: str = Field(min_length=1, max_length=500)
    item: str = Field(pattern=r"^(back_to_stock|spoiled)$")

    def summary(self) -> str:
        where = "back to stock" if self.item == "back_to_stock" else "spoiled"
        return f"Issue of {self.serial} voided ({where}): {self.reason}"


class Window(Payload):
    days: int = Field(ge=1, le=366)
    max: int = Field(ge=1, le=100)


@event_kind("PolicySet", roles=SUPERVISORS, subject="kind")
class PolicySet(Payload):
    """The repeat-claim policy for one kind; the latest in feed order applies."""

    kind: str = Field(pattern=KIND_PATTERN)
    windows: list[Window] = Field(min_length=1, max_length=5)
    action: str = Field(pattern=r"^(warn|reason|supervisor)$")
    card_limit_pence: int | None = Field(default=None, gt=0, le=MAX_CARD_PENCE)
    help_line: str = Field(default="", max_length=200)
    """Who the customer calls about this kind, printed on their slip."""
    note: str = Field(default="", max_length=300)
    serial_prefix: str | None = Field(default=None, pattern=r"^[A-Z]{2,4}$")
    serial_digits: int | None = Field(default=None, ge=6, le=10)
    """The kind's serial format (``FV`` and 6 digits when unset): ``domain.serials``."""

    @model_serializer(mode="wrap")
    def _drop_unset_format(self, handler):
        # Policies recorded before serial formats existed keep their payload digest.
        data = handler(self)
        for name in ("serial_prefix", "serial_digits"):
            if data.get(name, 0) is None:
                del data[name]
        return data

    @model_validator(mode="after")
    def _card_limit(self):
        if self.kind == "payment_card" and self.card_limit_pence is None:
            raise ValueError("a payment card policy needs card_limit_pence")
        return self
