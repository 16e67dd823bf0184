"""Stock reconciliation per location, stock kind and day: what the events say against the count.

Vouchers and cards are physical, so every item is accounted for by events:
received (or transferred in), handed over, voided back to stock, lost or
spoiled (written off), transferred out. ``reconcile`` replays those movements
in time order per location and stock kind and gives, for each UK calendar day
with any activity, the totals, the **expected on hand** at the end of the day,
and the last physical count that day with its **difference**.

The difference compares the count with what the events expected *at the moment
of the count*, not at the end of the day: a count at 09:00 followed by ten
vouchers handed over is still a perfect count. A positive difference means more
in the drawer than the records say; negative means items are missing. Expected
stock carries forward from the events, never from a count, so an unexplained
shortfall keeps showing until someone records the write-off that explains it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

from cxdesk.domain.hours import LONDON

# How each movement changes what is on hand.
CHANGES = {
    "received": 1,
    "transferred_in": 1,
    "voided": 1,
    "issued": -1,
    "lost": -1,
    "transferred_out": -1,
}


@dataclass(frozen=True)
class StockMovement:
    location: str
    stock_kind: str
    at: datetime
    change: str
    quantity: int = 1


@dataclass(frozen=True)
class StockCountFact:
    location: str
    stock_kind: str
    at: datetime
    counted: int
    counted_by: str = ""


@dataclass
class ReconciliationRow:
    location: str
    stock_kind: str
    day: date
    opening: int = 0
    received: int = 0
    transferred_in: int = 0
    transferred_out: int = 0
    issued: int = 0
    voided: int = 0
    lost: int = 0
    expected: int = 0
    counted: int | None = None
    counted_at: datetime | None = None
    counted_by: str = ""
    expected_at_count: int | None = None

    @property
    def difference(self) -> int | None:
        """Counted minus expected at the count; None when nobody counted that day."""
        if self.counted is None or self.expected_at_count is None:
            return None
        return self.counted - self.expected_at_count


def london_day(at: datetime) -> date:
    return at.astimezone(LONDON).date()


def reconcile(
    movements: Iterable[StockMovement],
    counts: Iterable[StockCountFact] = (),
    *,
    day_from: date | None = None,
    day_to: date | None = None,
) -> list[ReconciliationRow]:
    """Rows per (location, stock kind, day) with activity, sorted; see the module docstring.

    Pass every movement from the beginning (opening balances need them); the
    day range only limits which rows come back.
    """
    # Counts sort after movements at the same instant: a count records what was
    # there once everything up to that moment had happened.
    timeline: dict[tuple[str, str], list[tuple[datetime, int, StockMovement | StockCountFact]]] = (
        defaultdict(list)
    )
    for move in movements:
        if move.change not in CHANGES:
            raise ValueError(f"unknown stock movement {move.change!r}")
        timeline[(move.location, move.stock_kind)].append((move.at, 0, move))
    for count in counts:
        timeline[(count.location, count.stock_kind)].append((count.at, 1, count))

    rows: list[ReconciliationRow] = []
    for (location, stock_kind), items in sorted(timeline.items()):
        items.sort(key=lambda item: (item[0], item[1]))
        on_hand = 0
        row: ReconciliationRow | None = None
        for at, _, item in items:
            day = london_day(at)
            if row is None or row.day != day:
                row = ReconciliationRow(location, stock_kind, day, opening=on_hand)
                rows.append(row)
            if isinstance(item, StockCountFact):
                row.counted, row.counted_at = item.counted, item.at
                row.counted_by, row.expected_at_count = item.counted_by, on_hand
            else:
                setattr(row, item.change, getattr(row, item.change) + item.quantity)
                on_hand += CHANGES[item.change] * item.quantity
            row.expected = on_hand
    rows = [
        r
        for r in rows
        if (day_from is None or r.day >= day_from) and (day_to is None or r.day <= day_to)
    ]
    rows.sort(key=lambda r: (r.day, r.location, r.stock_kind))
    return rows
