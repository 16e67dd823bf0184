"""The contact log's figures for supervisors: one report at a time over a range of days.

Reached from the supervisor's log (F7, then Ctrl+K) or the palette. Ctrl+N and
Ctrl+B step through the reports (contacts by reason, channel, location, hour
and week; first-contact resolution by reason and by location; anonymous
footfall; transfer answer and refusal rates; repeat contacts; digital
exclusion), the same ones ``cxdesk export contacts --report`` writes. The
detail line under the table says what the report counts. Every cell is safe
``Text``: reason labels and team names are stored text.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from textual import on, work
from textual.binding import Binding
from textual.message import Message
from textual.widgets import DataTable, Static

from cxdesk.domain.safe_text import safe, safe_cells
from cxdesk.screens.supervisor_common import COMPACT_CSS, RangeReportScreen
from cxdesk.store.contact_reports import REPORTS, Range, Report, report

NAMES = list(REPORTS)
EXPLAIN = {
    "fcr-reason": "Resolved here and not back for the same reason within the window; "
    "anonymous and still-open contacts are left out.",
    "fcr-location": "Resolved here and not back for the same reason within the window; "
    "anonymous and still-open contacts are left out.",
    "repeats": "Contacts by a resident who had contacted about the same reason within the window.",
    "exclusion": "Residents recorded as unable to use online services, as recorded now.",
    "footfall": "Contacts wrapped up with no name given, per location and day.",
}


class ContactFiguresScreen(RangeReportScreen):
    """See the module docstring."""

    PALETTE_CATEGORY = "contacts"
    BAR_TITLE = "Contacts"
    DAYS = 56
    ERROR_ID, TABLE_ID, DETAIL_ID = "contacts-error", "contacts-table", "contacts-detail"
    DEFAULT_CSS = COMPACT_CSS + "#contacts-detail { height: 3; }"
    BINDINGS = [
        Binding("ctrl+r", "apply", "Apply", id="contacts-apply"),
        Binding("ctrl+n", "step(1)", "Next report", id="contacts-next"),
        Binding("ctrl+b", "step(-1)", "Prev report", id="contacts-previous"),
        Binding("escape", "app.pop_screen", "Back", id="contacts-back"),
    ]

    @dataclass
    class Loaded(Message):
        report: Report

    def __init__(self) -> None:
        super().__init__()
        self.current = 0
        self.range: tuple[date, date] | None = None

    def add_columns(self, table: DataTable) -> None:
        """Columns differ per report, so they are set when each one arrives."""

    def action_apply(self) -> None:
        dates = self.read_range()
        if dates is not None:
            self.range = dates
            self._load(NAMES[self.current], *dates)

    def action_step(self, step: int) -> None:
        self.current = (self.current + step) % len(NAMES)
        self.action_apply()

    @work(thread=True, exclusive=True, exit_on_error=False, group="contact-figures")
    def _load(self, name: str, start: date, end: date) -> None:
        self.post_message(self.Loaded(report(self.desk.store, name, Range.of(start, end))))

    @on(Loaded)
    def _loaded(self, message: Loaded) -> None:
        found = message.report
        table = self.query_one(f"#{self.TABLE_ID}", DataTable)
        table.clear(columns=True)
        for label in found.header:
            table.add_column(label)
        for row in found.rows:
            table.add_row(*safe_cells(*row))
        position = f"{NAMES.index(found.name) + 1}/{len(NAMES)}"
        lines = [f"{found.title} ({position})"]
        lines.append(EXPLAIN.get(found.name, "") or f"{len(found.rows)} rows.")
        if not found.rows:
            lines.append("Nothing recorded in these days.")
        self.query_one(f"#{self.DETAIL_ID}", Static).update(safe("\n".join(lines), multiline=True))
