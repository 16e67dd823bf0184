"""The wire models of the sync protocol, shared by the central API and the desk.

Kept apart from the server's row models and the desk's tables (STYLE.md,
"separate request, stored and public models"): this is what travels, and
changing it is a protocol change. Limits live here too, because the desk
sizes its batches by the same numbers the server enforces.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from pydantic import BaseModel, Field, field_validator

from cxdesk.domain.safe_text import hidden_character
from cxdesk.events.envelope import Event
from cxdesk.sync.receipts import Signed

API_PREFIX = "/v1"
MAX_PUSH_EVENTS = 500
MAX_PUSH_BYTES = 1_048_576
"""1 MiB: a push body larger than this is refused with 413 before it is parsed."""
MAX_PULL_LIMIT = 5000
"""The most events one pull page may hold: a fresh desk fills in a few dozen pages, and
each page is one transaction (one commit, one fsync) on the desk."""
OLD_PULL_LIMIT = 1000
"""``MAX_PULL_LIMIT`` of servers before it grew: such a server refuses more (422)."""
MAX_WAIT = 30
"""The longest a desk may ask the server to hold a pull, in seconds (the live feed)."""
WAIT_HEADER = "Cxdesk-Wait"
"""On a held pull's answer: this server holds pulls (absent: an older server; poll)."""
CENTRAL_DEVICE = "central"
"""The device name of events the central API writes itself (roster, devices, seeds)."""
CENTRAL_REASON_MAX = 80
"""The longest reason a desk may give for a central search (recorded in the view with the
device's name before it, within the view's 120 characters)."""
CENTRAL_ACTOR = "central"
"""The actor of events an administrator makes on the server with ``cxdesk admin``."""

Status = Literal["accepted", "duplicate", "rejected"]


class PushRequest(BaseModel):
    """A device's events not yet acknowledged, in ``device_seq`` order."""

    device: str = Field(min_length=1, max_length=64)
    events: list[Event] = Field(max_length=MAX_PUSH_EVENTS)


class PushResult(BaseModel):
    """What the server made of one pushed event."""

    id: str
    device_seq: int
    status: Status
    server_seq: int | None = None
    reason: str | None = None


class PushResponse(BaseModel):
    epoch: str
    last_seq: int
    """The device's chain head on the server after this push."""
    results: list[PushResult]
    receipt: Signed | None = None
    """The server's signed receipt of the device's chain head (``cxdesk.sync.receipts``)."""


class FeedEvent(Event):
    """An event as the feed carries it: with its place in the server's order."""

    server_seq: int = Field(ge=1)
    erased: bool = False
    """Its personal fields were blanked by an erasure: the payload no longer fits its digest."""


class ClaimEntry(BaseModel):
    """One row of the claims index (``cxdesk.domain.claim_keys``): keys, not personal data."""

    issue_id: str = Field(max_length=40)
    kind: str = Field(max_length=40)
    record_key: str = Field(max_length=64)
    given_key: str = Field(max_length=64)
    family_key: str = Field(max_length=64)
    dob_key: str = Field(max_length=64)
    postcode_key: str = Field(max_length=64)
    at_ms: int
    location: str = Field(max_length=40)
    status: Literal["issued", "voided"]


class PullResponse(BaseModel):
    epoch: str
    events: list[FeedEvent]
    next: int
    """The cursor to ask with next time (the last ``server_seq`` in this page)."""
    head: int
    """The highest ``server_seq`` the server holds; a cursor above it means a restore."""
    claims: list[ClaimEntry] = Field(default_factory=list)
    """The claims index rows placed in this page's range (every desk gets them all)."""
    location: str = Field(default="", max_length=40, pattern=r"^[A-Za-z0-9_.-]*$")
    """Where the server has this desk now; another than the desk's own: it was moved."""
    dropped: list[Annotated[str, Field(max_length=40, pattern=r"^[A-Za-z0-9_.-]+$")]] = Field(
        default_factory=list
    )
    """Residents a move took from this desk's location in this page's range: drop them."""


class CentralSearch(BaseModel):
    """A desk asks the central API for a resident it does not hold (the same fields as
    a likely match), with the reason it needs the record; the answer is recorded as a view.

    Checked as every stored text is (the reason is stored in the view): no control or
    bidirectional character, nothing blank, a real date; a bad ask is a 422 with a reason.
    """

    given_name: str = Field(min_length=1, max_length=60)
    family_name: str = Field(min_length=1, max_length=60)
    date_of_birth: str = Field(pattern=r"^\d{4}-\d{2}-\d{2}$")
    postcode: str = Field(default="", max_length=8, pattern=r"^[A-Za-z0-9 ]*$")
    reason: str = Field(min_length=3, max_length=CENTRAL_REASON_MAX)

    @field_validator("given_name", "family_name", "reason")
    @classmethod
    def _plain_text(cls, value: str) -> str:
        found = hidden_character(value)
        if found:
            position, char = found
            raise ValueError(
                f"contains a control or bidirectional character (U+{ord(char):04X}) "
                f"at position {position}"
            )
        if not value.strip():
            raise ValueError("is blank")
        return value.strip()

    @field_validator("reason")
    @classmethod
    def _says_something(cls, value: str) -> str:
        if len(value) < 3:  # after the strip above: "   " is no reason
            raise ValueError("must say why, in at least 3 characters")
        return value

    @field_validator("date_of_birth")
    @classmethod
    def _real_date(cls, value: str) -> str:
        date.fromisoformat(value)  # "2020-02-30" is refused (a ValueError is a 422)
        return value


class CentralMatch(BaseModel):
    customer_id: str
    how: Literal["same date of birth", "date of birth nearly the same"]


class CentralSearchAnswer(BaseModel):
    matches: list[CentralMatch]
    """Each is now held by this desk's location: its record arrives with the next pull."""


class DeviceInfo(BaseModel):
    """Who the bearer token belongs to (used by ``cxdesk enrol``)."""

    device: str
    location: str
    epoch: str


class ErrorDetail(BaseModel):
    """The ``detail`` of a 4xx answer: a stable code for the desk, words for people."""

    code: str
    message: str
    last_seq: int | None = None


class Health(BaseModel):
    status: Literal["ok"]
    epoch: str
    head: int
    database: str
    server_key: str | None = None
    """The server's Ed25519 public key (hex); a desk pins it at enrolment."""
