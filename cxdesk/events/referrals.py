"""Event kinds for referrals: the customer's story carried to the team that can help.

One kind per step of the lifecycle (raised, note added, accepted, started,
completed, declined, reassigned), each with its author in the envelope, so the
history reads as what people did. Every referral event carries the
``customer_id`` as well as the ``referral_id``, so it appears in the customer's
timeline without a join. The state machine that says which step may follow
which is in ``cxdesk.domain.referrals``; the server checks it with
``check_referral_event`` and the desk projection applies the same rule.
"""

from __future__ import annotations

from pydantic import Field

from cxdesk.events import Payload, event_kind
from cxdesk.events.customers import CUSTOMER_ROLES, UUID_PATTERN

URGENCY_PATTERN = r"^(immediate|urgent|standard)$"
TEAM_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$"
UTC_PATTERN = r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?Z$"


class _ReferralStep(Payload):
    referral_id: str = Field(pattern=UUID_PATTERN)
    customer_id: str = Field(pattern=UUID_PATTERN)


@event_kind(
    "ReferralRaised",
    roles=CUSTOMER_ROLES,
    subject="referral_id",
    personal_fields=("story", "already_told", "vulnerability_flags", "customer_actions"),
)
class ReferralRaised(_ReferralStep):
    multiline_fields = frozenset({"story", "already_told", "customer_actions"})
    reference: str = Field(pattern=r"^R-[0-9A-Z]{4}-[0-9A-Z]{4}$")
    to_team: str = Field(pattern=TEAM_PATTERN)
    to_team_name: str = Field(min_length=1, max_length=120)
    reason_category: str = Field(min_length=1, max_length=60)
    story: str = Field(min_length=1, max_length=4000)
    urgency: str = Field(pattern=URGENCY_PATTERN)
    vulnerability_flags: list[str] = Field(default_factory=list, max_length=12)
    already_told: str = Field(default="", max_length=1000)
    customer_actions: str = Field(default="", max_length=500)
    consent: str = Field(pattern=r"^(given|refused)$")
    consent_method: str = Field(min_length=1, max_length=60)
    consent_obtained_by: str = Field(min_length=1, max_length=120)
    consent_at: str = Field(pattern=UTC_PATTERN)
    advice_only: bool
    """True when consent was refused: recorded as advice given, never shared with the team."""
    due_at: str | None = Field(default=None, pattern=UTC_PATTERN)

    def summary(self) -> str:
        if self.advice_only:
            return f"Advice given about {self.reason_category} (no consent to refer)"
        return f"Referred to {self.to_team_name} ({self.urgency})"


@event_kind(
    "ReferralNoteAdded", roles=CUSTOMER_ROLES, subject="referral_id", personal_fields=("note",)
)
class ReferralNoteAdded(_ReferralStep):
    multiline_fields = frozenset({"note"})
    note: str = Field(min_length=1, max_length=2000)

    def summary(self) -> str:
        return "Note added to a referral"


@event_kind("ReferralAccepted", roles=CUSTOMER_ROLES, subject="referral_id")
class ReferralAccepted(_ReferralStep):
    team: str = Field(pattern=TEAM_PATTERN)

    def summary(self) -> str:
        return "Referral accepted"


@event_kind("ReferralStarted", roles=CUSTOMER_ROLES, subject="referral_id")
class ReferralStarted(_ReferralStep):
    def summary(self) -> str:
        return "Referral work started"


@event_kind(
    "ReferralCompleted", roles=CUSTOMER_ROLES, subject="referral_id", personal_fields=("outcome",)
)
class ReferralCompleted(_ReferralStep):
    multiline_fields = frozenset({"outcome"})
    outcome: str = Field(min_length=1, max_length=1000)

    def summary(self) -> str:
        return "Referral completed"


@event_kind("ReferralDeclined", roles=CUSTOMER_ROLES, subject="referral_id")
class ReferralDeclined(_ReferralStep):
    multiline_fields = frozenset({"reason"})
    reason: str = Field(min_length=1, max_length=500)

    def summary(self) -> str:
        return "Referral declined, back to the sender"


@event_kind("ReferralReassigned", roles=CUSTOMER_ROLES, subject="referral_id")
class ReferralReassigned(_ReferralStep):
    multiline_fields = frozenset({"reason"})
    to_team: str = Field(pattern=TEAM_PATTERN)
    to_team_name: str = Field(min_length=1, max_length=120)
    reason: str = Field(min_length=1, max_length=500)
    due_at: str | None = Field(default=None, pattern=UTC_PATTERN)

    def summary(self) -> str:
        return f"Referral reassigned to {self.to_team_name}"
