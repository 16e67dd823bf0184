"""When a crisis payment is due, and who the resident calls, from the Welfare Assistance
Team's own directory entry.

The promise is one *working* hour: a card issued while the team is open is due
an hour later (or, near closing, the rest of that hour once they open again);
a card issued when the team is closed is due one hour after they next open.
Promising "by 20:10" to someone standing at the desk at 19:10 when nobody will
be there to load the card until 09:00 is a promise broken before they leave.

Every number on the slip comes from the directory entry (its phone, and its
out-of-hours route and number), never from free text, so the slip and the
directory cannot disagree. Without a directory entry (a desk that has not
synced the directory yet) the due time is the plain hour and the slip sends
the resident to a Community Hub rather than inventing a number.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from cxdesk.domain.directory import DirectoryEntry, format_uk
from cxdesk.domain.hours import _open_spans, is_open, next_change
from cxdesk.domain.sla import LONDON, PROMISE, due_at

WELFARE_ENTRY_ID = "welfare-assistance-team"
"""The directory entry of the team that loads crisis payment cards."""


def add_working_time(hours, start: datetime, span: timedelta = PROMISE) -> datetime:
    """``start`` plus ``span`` counted only while ``hours`` are open (UTC in, UTC out)."""
    if hours.always_open or not hours.known:
        return start + span
    remaining = span
    first_day = start.astimezone(LONDON).date() - timedelta(days=1)
    for begin, finish in _open_spans(hours, first_day):
        if finish <= start:
            continue
        begin = max(begin, start)
        if finish - begin >= remaining:
            return begin + remaining
        remaining -= finish - begin
    return start + span  # no opening within the horizon: the plain hour, never "never"


@dataclass(frozen=True)
class WelfareContact:
    """The Welfare Assistance Team as the slip and the issue screen describe it."""

    name: str
    phone: str
    """As dialled in the UK: ``020 7946 0220``."""
    hours_lines: tuple[str, ...]
    out_of_hours: str
    out_of_hours_phone: str | None
    entry: DirectoryEntry | None = None

    @classmethod
    def from_entry(cls, entry: DirectoryEntry) -> WelfareContact:
        ooh_ext = entry.out_of_hours_extension
        ooh = format_uk(entry.out_of_hours_phone, ooh_ext) if entry.out_of_hours_phone else None
        return cls(
            name=entry.name,
            phone=format_uk(entry.phone, entry.extension),
            hours_lines=tuple(entry.hours.describe()),
            out_of_hours=entry.out_of_hours,
            out_of_hours_phone=ooh,
            entry=entry,
        )

    def is_open(self, at: datetime) -> bool:
        return self.entry is None or is_open(self.entry.hours, at)

    def opens_at(self, at: datetime) -> datetime | None:
        """When the team next opens, if closed at ``at``."""
        if self.entry is None or self.is_open(at):
            return None
        return next_change(self.entry.hours, at)

    def out_of_hours_route(self) -> str:
        """Where to go while the team is closed, with the directory's number in it."""
        route = self.out_of_hours or "Out of hours, ask the Emergency Duty Team"
        number = self.out_of_hours_phone
        if number and number.replace(" ", "") not in route.replace(" ", ""):
            route = f"{route.rstrip('.')}: {number}"
        return route


def crisis_due(issued_at: datetime, contact: WelfareContact | None) -> datetime:
    """When the Welfare Assistance Team must have loaded a card issued at ``issued_at``."""
    if contact is None or contact.entry is None:
        return due_at(issued_at)
    return add_working_time(contact.entry.hours, issued_at)
