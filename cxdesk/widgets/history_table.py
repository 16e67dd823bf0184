"""The "what happened" table under a record's details: when, what, who, where.

A customer's timeline and a referral's steps are the same kind of list, one
event a line, newest or oldest first as the query gives them. Both screens
show it with the same four columns, sized so the table fits 80 columns, the
time in UK time and who did it shortened to "Helen M.". Summaries, names and
places are plain ``Text`` so nothing typed by staff is read as markup.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from rich.text import Text
from textual.widgets import DataTable

LONDON = ZoneInfo("Europe/London")


def when(ms: int) -> str:
    """Milliseconds since the epoch as a short UK date and time."""
    return datetime.fromtimestamp(ms / 1000, LONDON).strftime("%d/%m/%y %H:%M")


def short_name(name: str) -> str:
    """ "Helen Marsh" as "Helen M.", so who did it fits a narrow column."""
    parts = name.split()
    return f"{parts[0]} {parts[-1][0]}." if len(parts) > 1 else name


class HistoryTable(DataTable):
    """A row-cursor table of events; ``what`` names the second column ("What", "Step")."""

    def __init__(self, what: str = "What", *, id: str | None = None) -> None:
        super().__init__(id=id, cursor_type="row")
        self.add_column("When", key="when", width=14)
        self.add_column(what, key="what", width=37)
        self.add_column("Who", key="who", width=9)
        self.add_column("Where", key="where", width=11)

    def add_event(
        self, at_ms: int, summary: str, actor_name: str, location: str, key: str | None = None
    ) -> None:
        """One line: when, what, who (shortened) and where."""
        self.add_row(
            when(at_ms), Text(summary), Text(short_name(actor_name)), Text(location), key=key
        )
