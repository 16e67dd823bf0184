"""The figures a manager reports: issues by location and ISO week, value, overrides,
and the one-hour crisis payment promise (percentage kept, and the late ones).

"Within one hour" counts requests closed (completed or declined) by their due
time, out of those closed or already overdue; requests still open and not yet
due are left out until they are decided either way. Voided issues are not
counted. The late requests of the highlighted week are listed below the table.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from rich.text import Text
from textual import on, work
from textual.binding import Binding
from textual.message import Message
from textual.widgets import DataTable, Static

from cxdesk.domain.money import format_pounds
from cxdesk.domain.safe_text import safe_cells, safe_text
from cxdesk.screens.supervisor_common import COMPACT_CSS, RangeReportScreen
from cxdesk.store.supervisor_reports import WeekFigures, manager_figures

COLUMNS = ("Week", "Loc", "Issues", "Vouch", "Cards", "Value", "Overr", "Reqs", "1h %", "Late")


class ManagerFiguresScreen(RangeReportScreen):
    """Weekly figures per location; see the module docstring."""

    PALETTE_CATEGORY = "figures"
    BAR_TITLE = "Manager figures"
    ERROR_ID, TABLE_ID, DETAIL_ID = "figures-error", "figures-table", "figures-late"
    DEFAULT_CSS = COMPACT_CSS + "#figures-late { height: 5; }"
    BINDINGS = [
        Binding("ctrl+r", "apply", "Apply", id="figures-apply"),
        Binding("escape", "app.pop_screen", "Back", id="figures-back"),
    ]

    @dataclass
    class Loaded(Message):
        weeks: list[WeekFigures]

    def __init__(self) -> None:
        super().__init__()
        self.weeks: list[WeekFigures] = []

    def add_columns(self, table: DataTable) -> None:
        for label in COLUMNS:
            table.add_column(label, key=label.lower())

    def action_apply(self) -> None:
        dates = self.read_range()
        if dates is not None:
            self._load(*dates)

    @work(thread=True, exclusive=True, exit_on_error=False, group="figures")
    def _load(self, start: date, end: date) -> None:
        self.post_message(self.Loaded(manager_figures(self.app.store, start, end)))

    @on(Loaded)
    def _loaded(self, message: Loaded) -> None:
        self.weeks = message.weeks
        table = self.query_one("#figures-table", DataTable)
        table.clear()
        for n, w in enumerate(message.weeks):
            pct = "-" if w.on_time_percent is None else f"{w.on_time_percent:.0f}%"
            table.add_row(*safe_cells(w.week, w.location, w.issues, w.vouchers, w.cards,
                                      format_pounds(w.value_pence), w.overrides, w.requests,
                                      pct, len(w.late)), key=str(n))  # fmt: skip
        if not message.weeks:
            self.query_one("#figures-late", Static).update("No issues in these days.")

    @on(DataTable.RowHighlighted, "#figures-table")
    def _highlighted(self, event: DataTable.RowHighlighted) -> None:
        if not 0 <= event.cursor_row < len(self.weeks):
            return
        w = self.weeks[event.cursor_row]
        lines = [f"Late crisis payment requests, {w.location} {w.week}: {len(w.late)}"]
        lines += [f"  card {late['serial']}: {late['minutes']} min ({late['status']})"
                  for late in w.late[:3]]  # fmt: skip
        text = Text("\n".join(safe_text(line) for line in lines))
        self.query_one("#figures-late", Static).update(text)
