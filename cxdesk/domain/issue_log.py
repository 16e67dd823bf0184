"""The supervisor's issued-voucher log in plain terms: a filter, a row, a status.

The log answers "where did each voucher and card go?". A supervisor narrows it
with filters that combine (``IssueFilter``); each line is an ``IssueLogRow``
holding only what the log shows about the customer (name, year of birth,
postcode district), never their full address or date of birth, because the log
is read far more widely than a customer's own record. Store queries fill these
types; screens and the CSV export only read them.

A payment card's status follows its crisis payment request: the Welfare
Assistance Team promises to complete it within one hour (the request's due
time), so a request closed after that, or still open past it, is "request late".
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from cxdesk.domain.money import format_pounds
from cxdesk.errors import ValidationError

LONDON = ZoneInfo("Europe/London")
KINDS = ("food_voucher", "payment_card")
KIND_LABELS = {"food_voucher": "Food voucher", "payment_card": "Payment card"}
STATUSES = (
    "issued",
    "voided",
    "request open",
    "request completed",
    "request declined",
    "request late",
)


@dataclass(frozen=True)
class IssueFilter:
    """What the supervisor asked to see; every field narrows, and they all combine.

    ``date_from``/``date_to`` are Europe/London calendar days, both inclusive.
    ``customer`` matches a customer id exactly or the start of a family name.
    ``voided``: None shows both, True only voided issues, False only live ones.
    """

    date_from: date | None = None
    date_to: date | None = None
    location: str | None = None
    advisor: str | None = None
    kind: str | None = None
    customer: str | None = None
    overrides_only: bool = False
    repeats_only: bool = False
    voided: bool | None = None
    late_only: bool = False

    def __post_init__(self) -> None:
        if self.date_from and self.date_to and self.date_from > self.date_to:
            raise ValidationError("The 'from' date is after the 'to' date.", field="date_from")
        if self.kind is not None and self.kind not in KINDS:
            raise ValidationError(
                f"Kind must be one of: {', '.join(KINDS)} (not {self.kind!r}).", field="kind"
            )

    def utc_bounds(self) -> tuple[datetime | None, datetime | None]:
        """The date range as UTC instants [start, end): London midnight to midnight."""
        start = end = None
        if self.date_from:
            start = datetime.combine(self.date_from, datetime.min.time(), LONDON).astimezone(UTC)
        if self.date_to:
            after = self.date_to + timedelta(days=1)
            end = datetime.combine(after, datetime.min.time(), LONDON).astimezone(UTC)
        return start, end

    def shared_conditions(self) -> tuple[list[str], dict]:
        """SQL conditions on an issues table ``i`` that mean the same on the desk and centrally.

        Dates, location, advisor, kind, repeats and voided; the customer,
        override and late filters read tables of their own on each side.
        """
        parts: list[str] = []
        params: dict = {}
        start, end = self.utc_bounds()
        if start:
            parts.append("i.at_ms >= :start")
            params["start"] = int(start.timestamp() * 1000)
        if end:
            parts.append("i.at_ms < :end")
            params["end"] = int(end.timestamp() * 1000)
        for column, value in (
            ("location", self.location),
            ("actor", self.advisor),
            ("kind", self.kind),
        ):
            if value:
                parts.append(f"i.{column} = :{column}")
                params[column] = value
        if self.repeats_only:
            parts.append("i.repeat_action != 'none'")
        if self.voided is True:
            parts.append("i.status = 'voided'")
        elif self.voided is False:
            parts.append("i.status != 'voided'")
        return parts, params


@dataclass(frozen=True)
class IssueLogRow:
    """One voucher or card as the log shows it."""

    issue_id: str
    at: datetime
    location: str
    advisor: str
    customer_id: str | None
    customer_name: str
    birth_year: int | None
    postcode_district: str
    kind: str
    serial: str
    value_pence: int
    reason: str
    repeat_result: str
    override_reason: str
    approved_by: str
    status: str
    after_signoff: bool = False

    @property
    def london_time(self) -> str:
        return self.at.astimezone(LONDON).strftime("%d/%m/%Y %H:%M")

    @property
    def customer_label(self) -> str:
        """Name, year of birth, postcode district: enough to recognise, no more."""
        parts = [self.customer_name or "(no customer)"]
        if self.birth_year:
            parts.append(f"b.{self.birth_year}")
        if self.postcode_district:
            parts.append(self.postcode_district)
        return " ".join(parts)

    @property
    def amount(self) -> str:
        return format_pounds(self.value_pence)

    @property
    def override_text(self) -> str:
        if not self.override_reason:
            return ""
        who = f" (approved by {self.approved_by})" if self.approved_by else ""
        return f"{self.override_reason}{who}"


@dataclass(frozen=True)
class LogPage:
    """One page of the log plus totals for everything the filter matches."""

    rows: list[IssueLogRow]
    total_count: int
    total_pence: int
    next_cursor: tuple[int, str] | None = None
    extras: dict = field(default_factory=dict)

    @classmethod
    def of(cls, rows: list[IssueLogRow], more: bool, count: int, pence: int) -> LogPage:
        """A page whose cursor, when more rows follow, is its last row's (time, issue id)."""
        cursor = None
        if more and rows:
            last = rows[-1]
            cursor = (int(last.at.timestamp() * 1000), last.issue_id)
        return cls(rows, int(count), int(pence), cursor)


def issue_status(
    *,
    voided: bool,
    request_status: str | None = None,
    due_ms: int | None = None,
    closed_ms: int | None = None,
    now_ms: int | None = None,
) -> str:
    """The status word for an issue: issued, voided, or how its crisis payment request went.

    A request is late when it was closed (completed or declined) after its due
    time, or is still open past it; ``now_ms`` is needed for the second case.
    """
    if voided:
        return "voided"
    if request_status is None or request_status == "cancelled":
        return "issued"
    if closed_ms is not None and due_ms is not None and closed_ms > due_ms:
        return "request late"
    if request_status == "open":
        late = now_ms is not None and due_ms is not None and now_ms > due_ms
        return "request late" if late else "request open"
    return "request completed" if request_status == "completed" else "request declined"


def birth_year(date_of_birth: str | None) -> int | None:
    """The year from an ISO date of birth, or None when it is not recorded."""
    if not date_of_birth or len(date_of_birth) < 4 or not date_of_birth[:4].isdigit():
        return None
    return int(date_of_birth[:4])


def district_of(postcode: str | None) -> str:
    """The postcode district ("SW1A" of "SW1A 1AA"); blank when unknown or unreadable."""
    if not postcode:
        return ""
    text = postcode.strip().upper()
    if " " in text:
        return text.split()[0]
    # Unspaced postcodes: the inward code is always the last three characters.
    return text[:-3] if len(text) > 4 else text


def signoff_key(row: IssueLogRow) -> tuple[str, str]:
    """The (location, London day as ISO text) whose sign-off covers a log row."""
    from cxdesk.domain.reconciliation import london_day

    return row.location, london_day(row.at).isoformat()


def mark_after_signoff(placed: list[tuple[IssueLogRow, Any]], signed: dict) -> list[IssueLogRow]:
    """Rows that reached the feed after their day's sign-off, marked so.

    ``placed`` pairs each row with its place in the feed; ``signed`` maps a
    ``signoff_key`` to its latest sign-off, whose fourth item is that sign-off's
    place (comparable with the rows' places).
    """
    out = []
    for row, place in placed:
        sign = signed.get(signoff_key(row))
        if sign and place > sign[3]:
            row = replace(row, after_signoff=True)
        out.append(row)
    return out
