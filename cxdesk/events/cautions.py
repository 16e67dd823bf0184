"""Event kinds for the cautionary contact register and protected addresses.

A marker's life is ``CautionProposed`` (one supervisor), ``CautionApproved``
(a second supervisor; only then is it live), then ``CautionReviewed`` (kept
with a new review date, or removed, each with a reason). Every step carries the
marker's ``customer_id`` and ``address_key`` (whichever it is on), so each step
travels to the same desks as the proposal (``cxdesk.sync.scope``). Opening the
detail behind a marker is ``CautionDetailViewed``, with the reason asked for.

The subject is the marker id, so the central API sees a marker's steps
together and can refuse an approval by its own proposer
(``cxdesk.sync.server_caution_checks``).

A protected address (``ProtectedAddressSet``/``Lifted``) is a fact about a
resident: their address is hidden from lists and letters go only by the
chosen route. A search that reveals it is ``ProtectedAddressRevealed``.

Summaries never hold the detail, the precaution or the reason: they appear in
the resident's history list, which is shown on the record.
"""

from __future__ import annotations

from pydantic import Field, field_validator, model_validator

from cxdesk.domain.cautions import CATEGORIES, REVIEW_OUTCOMES
from cxdesk.events import ALL_ROLES, SUPERVISORS, Payload, event_kind
from cxdesk.events.customers import CUSTOMER_ROLES, DATE_PATTERN, UUID_PATTERN

ID = r"^[A-Za-z0-9-]{8,40}$"
ADDRESS_KEY = r"^[A-Z0-9]{2,8}\|[^|]*$"
ROUTES = ("phone", "text", "email", "letter", "in person")
VIEWERS = ALL_ROLES


class _OnSomething(Payload):
    """A step of one marker: its id and what it is on (a person, an address, or both)."""

    marker_id: str = Field(pattern=ID)
    customer_id: str | None = Field(default=None, pattern=UUID_PATTERN)
    address_key: str | None = Field(default=None, pattern=ADDRESS_KEY, max_length=320)

    @model_validator(mode="after")
    def _on_something(self):
        if not self.customer_id and not self.address_key:
            raise ValueError("a marker is on a person, an address, or both")
        return self


@event_kind(
    "CautionProposed",
    roles=SUPERVISORS,
    subject="marker_id",
    personal_fields=("detail", "precaution", "address", "evidence_ref"),
)
class CautionProposed(_OnSomething):
    multiline_fields = frozenset({"detail"})
    address: str = Field(default="", max_length=300)
    """The address as typed, for a supervisor's list (matching uses ``address_key``)."""
    category: str
    precaution: str = Field(min_length=1, max_length=120)
    detail: str = Field(min_length=1, max_length=1000)
    evidence_ref: str = Field(default="", max_length=60)
    review_due: str = Field(pattern=DATE_PATTERN)

    @field_validator("category")
    @classmethod
    def _known(cls, value: str) -> str:
        if value not in CATEGORIES:
            raise ValueError(f"unknown category {value!r}")
        return value

    def summary(self) -> str:
        return "Cautionary marker proposed"


@event_kind("CautionApproved", roles=SUPERVISORS, subject="marker_id")
class CautionApproved(_OnSomething):
    def summary(self) -> str:
        return "Cautionary marker approved"


@event_kind("CautionReviewed", roles=SUPERVISORS, subject="marker_id", personal_fields=("reason",))
class CautionReviewed(_OnSomething):
    multiline_fields = frozenset({"reason"})
    outcome: str
    reason: str = Field(min_length=1, max_length=500)
    review_due: str | None = Field(default=None, pattern=DATE_PATTERN)
    """The next review date when kept."""

    @model_validator(mode="after")
    def _outcome(self):
        if self.outcome not in REVIEW_OUTCOMES:
            raise ValueError("outcome must be keep or remove")
        if self.outcome == "keep" and not self.review_due:
            raise ValueError("a kept marker needs its next review date")
        return self

    def summary(self) -> str:
        return "Cautionary marker kept" if self.outcome == "keep" else "Cautionary marker removed"


@event_kind("CautionDetailViewed", roles=VIEWERS, subject="marker_id", personal_fields=("reason",))
class CautionDetailViewed(_OnSomething):
    reason: str = Field(min_length=1, max_length=120)

    def summary(self) -> str:
        return "Cautionary marker detail viewed"


@event_kind(
    "ProtectedAddressSet", roles=CUSTOMER_ROLES, subject="customer_id", personal_fields=("reason",)
)
class ProtectedAddressSet(Payload):
    customer_id: str = Field(pattern=UUID_PATTERN)
    route: str
    """How to reach the resident instead of their address."""
    reason: str = Field(min_length=1, max_length=300)

    @field_validator("route")
    @classmethod
    def _route(cls, value: str) -> str:
        if value not in ROUTES:
            raise ValueError(f"route must be one of {', '.join(ROUTES)}")
        return value

    def summary(self) -> str:
        return "Address protected"


@event_kind(
    "ProtectedAddressLifted",
    roles=SUPERVISORS,
    subject="customer_id",
    personal_fields=("reason",),
)
class ProtectedAddressLifted(Payload):
    customer_id: str = Field(pattern=UUID_PATTERN)
    reason: str = Field(min_length=1, max_length=300)

    def summary(self) -> str:
        return "Address protection lifted"


@event_kind(
    "ProtectedAddressRevealed",
    roles=VIEWERS,
    subject="customer_id",
    personal_fields=("reason",),
)
class ProtectedAddressRevealed(Payload):
    customer_id: str = Field(pattern=UUID_PATTERN)
    reason: str = Field(min_length=1, max_length=120)

    def summary(self) -> str:
        return "Protected address shown"
