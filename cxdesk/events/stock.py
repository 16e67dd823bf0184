"""Event kinds for serial-numbered stock: food vouchers and crisis payment cards.

Stock is physical: a supervisor records what arrived at a location (a serial
range per kind), what moved between locations, what was lost or spoiled, and a
physical count. On-hand figures are never typed in; they come from these
events (and the issues in ``cxdesk.events.issuing``). Ranges are kept as their
first and last serial so one event covers a box of 500 vouchers.

Subjects: received, written-off and counted stock are about a ``location``; a
transfer is about the location the items leave (``from_location``), which is
where the server looks for the history that says whether they were there.
"""

from __future__ import annotations

import re

from pydantic import Field, model_validator

from cxdesk.domain.stock import KIND_PATTERN, range_size
from cxdesk.errors import ValidationError
from cxdesk.events import SUPERVISORS, Payload, event_kind

LOCATION_PATTERN = r"^[A-Z0-9][A-Z0-9-]{1,39}$"
SERIAL_PATTERN = r"^[A-Z]{2,4}[0-9]{6,10}$"
KIND_LABELS = {"food_voucher": "food voucher", "payment_card": "payment card"}


class _Range(Payload):
    kind: str = Field(pattern=KIND_PATTERN)
    first: str = Field(pattern=SERIAL_PATTERN)
    last: str = Field(pattern=SERIAL_PATTERN)

    @model_validator(mode="after")
    def _range_ok(self):
        try:
            range_size(self.first, self.last)
        except ValidationError as exc:
            raise ValueError(exc.message) from None
        return self

    def _items(self) -> str:
        n = range_size(self.first, self.last)
        label = KIND_LABELS.get(self.kind, self.kind)
        return f"{n} {label}{'s' if n != 1 else ''} {self.first}..{self.last}"


@event_kind("StockReceived", roles=SUPERVISORS, subject="location")
class StockReceived(_Range):
    location: str = Field(pattern=LOCATION_PATTERN)
    note: str = Field(default="", max_length=300)

    def summary(self) -> str:
        return f"Stock received at {self.location}: {self._items()}"


@event_kind("StockTransferred", roles=SUPERVISORS, subject="from_location")
class StockTransferred(_Range):
    from_location: str = Field(pattern=LOCATION_PATTERN)
    to_location: str = Field(pattern=LOCATION_PATTERN)
    note: str = Field(default="", max_length=300)

    @model_validator(mode="after")
    def _two_places(self):
        if self.from_location == self.to_location:
            raise ValueError("a transfer needs two different locations")
        return self

    def summary(self) -> str:
        return f"Stock moved {self.from_location} -> {self.to_location}: {self._items()}"


@event_kind("StockWrittenOff", roles=SUPERVISORS, subject="location")
class StockWrittenOff(Payload):
    location: str = Field(pattern=LOCATION_PATTERN)
    kind: str = Field(pattern=KIND_PATTERN)
    serials: list[str] = Field(min_length=1, max_length=1000)
    condition: str = Field(pattern=r"^(lost|spoiled)$")
    reason: str = Field(min_length=1, max_length=500)

    @model_validator(mode="after")
    def _serials_ok(self):
        bad = [s for s in self.serials if not re.match(SERIAL_PATTERN, s)]
        if bad:
            raise ValueError(f"not serials: {', '.join(bad[:3])}")
        if len(set(self.serials)) != len(self.serials):
            raise ValueError("a serial is listed twice")
        return self

    def summary(self) -> str:
        label = KIND_LABELS.get(self.kind, self.kind)
        return f"{len(self.serials)} {label}(s) written off as {self.condition}: {self.reason}"


@event_kind("StockCounted", roles=SUPERVISORS, subject="location")
class StockCounted(Payload):
    """A physical count, with what the desk expected at that moment: both are kept."""

    location: str = Field(pattern=LOCATION_PATTERN)
    kind: str = Field(pattern=KIND_PATTERN)
    counted: int = Field(ge=0, le=1_000_000)
    expected: int = Field(ge=0, le=1_000_000)
    note: str = Field(default="", max_length=300)

    def summary(self) -> str:
        diff = self.counted - self.expected
        label = KIND_LABELS.get(self.kind, self.kind)
        return (
            f"Count at {self.location}: {self.counted} {label}s, expected {self.expected} "
            f"(difference {diff:+d})"
        )
