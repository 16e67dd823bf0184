"""Event kinds for the customer record: registered, details changed, record viewed.

A customer is registered once, at whichever desk first meets them, under a
UUIDv7 made on that desk, so two offline desks never hand out the same id.
Contact details change by ``CustomerDetailsChanged`` events that carry only the
fields that changed; the projection applies them last-writer-wins per field in
feed order and keeps every change (see ``cxdesk.store.projections.customers``).
Opening a record is itself an event, so the council can answer "who looked at
my record". The payloads check shape only; the wording of every rule a person
can break lives in ``cxdesk.domain.customers``.
"""

from __future__ import annotations

from pydantic import Field

from cxdesk.events import FRONTLINE, Payload, event_kind

CUSTOMER_ROLES = FRONTLINE | {"welfare"}
UUID_PATTERN = r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"
DATE_PATTERN = r"^\d{4}-\d{2}-\d{2}$"
E164_PATTERN = r"^\+[1-9]\d{6,14}$"
NOTE_MAX = 1000
"""The longest note on a customer's record (the note box allows exactly this)."""
CONTACT_METHODS = ("phone", "text", "email", "letter", "in person")
CONTACT_PATTERN = r"^(phone|text|email|letter|in person)$"
PERSONAL_FIELDS = (
    "given_name",
    "family_name",
    "date_of_birth",
    "address",
    "postcode",
    "phone",
    "email",
    "contact_times",
    "accessibility_needs",
    "vulnerability_flags",
    "council_reference",
)
CHANGEABLE_FIELDS = PERSONAL_FIELDS + (
    "no_email",
    "preferred_contact",
    "language",
    "interpreter_needed",
)


@event_kind(
    "CustomerRegistered",
    roles=CUSTOMER_ROLES,
    subject="customer_id",
    personal_fields=PERSONAL_FIELDS,
)
class CustomerRegistered(Payload):
    multiline_fields = frozenset({"address"})
    customer_id: str = Field(pattern=UUID_PATTERN)
    given_name: str = Field(min_length=1, max_length=60)
    family_name: str = Field(min_length=1, max_length=60)
    date_of_birth: str = Field(pattern=DATE_PATTERN)
    address: str = Field(default="", max_length=300)
    postcode: str = Field(min_length=3, max_length=9)
    """A UK postcode, "BFPO 1234", or "NFA" (no fixed abode)."""
    phone: str | None = Field(default=None, pattern=E164_PATTERN)
    email: str | None = Field(default=None, max_length=254)
    no_email: bool = False
    preferred_contact: str = Field(default="phone", pattern=CONTACT_PATTERN)
    contact_times: str = Field(default="", max_length=120)
    language: str = Field(default="English", max_length=40)
    interpreter_needed: bool = False
    accessibility_needs: str = Field(default="", max_length=300)
    vulnerability_flags: list[str] = Field(default_factory=list, max_length=12)
    council_reference: str = Field(default="", max_length=20)

    def summary(self) -> str:
        return "Customer registered"


@event_kind(
    "CustomerDetailsChanged",
    roles=CUSTOMER_ROLES,
    subject="customer_id",
    personal_fields=PERSONAL_FIELDS,
)
class CustomerDetailsChanged(Payload):
    """Only the fields that changed are present (``None`` means "not changed")."""

    multiline_fields = frozenset({"address"})
    customer_id: str = Field(pattern=UUID_PATTERN)
    given_name: str | None = Field(default=None, min_length=1, max_length=60)
    family_name: str | None = Field(default=None, min_length=1, max_length=60)
    date_of_birth: str | None = Field(default=None, pattern=DATE_PATTERN)
    address: str | None = Field(default=None, max_length=300)
    postcode: str | None = Field(default=None, min_length=3, max_length=9)
    phone: str | None = Field(default=None, max_length=16)
    """E.164, or "" to remove the number."""
    email: str | None = Field(default=None, max_length=254)
    """An address, or "" to remove it."""
    no_email: bool | None = None
    preferred_contact: str | None = Field(default=None, pattern=CONTACT_PATTERN)
    contact_times: str | None = Field(default=None, max_length=120)
    language: str | None = Field(default=None, max_length=40)
    interpreter_needed: bool | None = None
    accessibility_needs: str | None = Field(default=None, max_length=300)
    vulnerability_flags: list[str] | None = Field(default=None, max_length=12)
    council_reference: str | None = Field(default=None, max_length=20)

    def changed(self) -> dict:
        """The fields this event sets, without the id."""
        return {
            k: v
            for k, v in self.model_dump(mode="json").items()
            if k != "customer_id" and v is not None
        }

    def summary(self) -> str:
        names = ", ".join(k.replace("_", " ") for k in self.changed())
        return f"Details changed: {names}" if names else "Details changed"


@event_kind("CustomerRecordViewed", roles=CUSTOMER_ROLES, subject="customer_id")
class CustomerRecordViewed(Payload):
    customer_id: str = Field(pattern=UUID_PATTERN)
    reason: str | None = Field(default=None, max_length=120)

    def summary(self) -> str:
        return f"Record viewed ({self.reason})" if self.reason else "Record viewed"


@event_kind(
    "CustomerNoteAdded", roles=CUSTOMER_ROLES, subject="customer_id", personal_fields=("note",)
)
class CustomerNoteAdded(Payload):
    """A note on the customer's record that belongs to no referral."""

    multiline_fields = frozenset({"note"})
    customer_id: str = Field(pattern=UUID_PATTERN)
    note: str = Field(min_length=1, max_length=NOTE_MAX)

    def summary(self) -> str:
        first = self.note.splitlines()[0]
        return f"Note: {first[:60]}" + ("…" if len(first) > 60 or "\n" in self.note else "")


@event_kind(
    "CustomerMoved", roles=CUSTOMER_ROLES, subject="customer_id", personal_fields=("reason",)
)
class CustomerMoved(Payload):
    """The resident now belongs to another location (they moved house, or another hub
    takes over their case). The server gives the new location the resident's record and
    history and takes it from the old one unless that location still works with them
    (a referral to or from it, or a central search with a reason); see DESIGN.md,
    "Who receives what"."""

    customer_id: str = Field(pattern=UUID_PATTERN)
    to_location: str = Field(min_length=1, max_length=40, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
    reason: str = Field(min_length=3, max_length=120)

    def summary(self) -> str:
        return f"Moved to {self.to_location} ({self.reason})"
