"""The figures a manager reports: issues by location and ISO week, value, overrides,
and the one-hour crisis payment promise (percentage kept, and the late ones).

"Within one hour" counts requests closed (completed or declined) by their due
time, out of those closed or already overdue; requests still open and not yet
due are left out until they are decided either way. Voided issues are not
counted. The late requests of the highlighted week are listed below the table.

Online, the weeks are every location's, from the central API (``cxdesk.sync.council``);
otherwise this desk's own, and the line under the list says which, and why.
"""

from __future__ import annotations

import asyncio
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
from cxdesk.sync import council
from cxdesk.sync.council import Source
from cxdesk.widgets.fit_table import Column, FitTable

# Widths from content (FitTable): a location id shows whole; the split by kind and the
# override count go first when the width runs out (the line below gives them in words).
COLUMNS = (
    Column("week", "Week"),
    Column("loc", "Loc", flex=True, min_width=16),
    Column("issues", "Issues"),
    Column("vouch", "Vouch", rank=3),
    Column("cards", "Cards", rank=3),
    Column("value", "Value"),
    Column("overr", "Overr", rank=2),
    Column("reqs", "Reqs", rank=1),
    Column("on_time", "1h %"),
    Column("late", "Late"),
)


class ManagerFiguresScreen(RangeReportScreen):
    """Weekly figures per location; see the module docstring."""

    PALETTE_CATEGORY = "figures"
    BAR_TITLE = "Manager figures"
    ERROR_ID, TABLE_ID, DETAIL_ID = "figures-error", "figures-table", "figures-late"
    SOURCE_ID = "figures-source"
    DEFAULT_CSS = COMPACT_CSS + "#figures-late { height: 5; }"
    BINDINGS = [
        Binding("ctrl+r", "apply", "Apply", id="figures-apply"),
        Binding("escape", "app.pop_screen", "Back", id="figures-back"),
    ]

    @dataclass
    class Loaded(Message):
        weeks: list[WeekFigures]
        source: Source

    def __init__(self) -> None:
        super().__init__()
        self.weeks: list[WeekFigures] = []

    def make_table(self) -> FitTable:
        return FitTable(COLUMNS, id=self.TABLE_ID, classes="supervisor-only")

    def action_apply(self) -> None:
        dates = self.read_range()
        if dates is not None:
            self._load(*dates)

    @work(exclusive=True, exit_on_error=False, group="figures")
    async def _load(self, start: date, end: date) -> None:
        try:
            weeks, source = await council.figures(self.desk, start, end)
        except council.CentralNotAsked as exc:
            source = Source(False, why=exc.message)
            weeks = await asyncio.to_thread(manager_figures, self.desk.store, start, end)
        self.post_message(self.Loaded(weeks, source))

    @on(Loaded)
    def _loaded(self, message: Loaded) -> None:
        self.weeks = message.weeks
        self.show_source(message.source)
        rows = []
        for n, w in enumerate(message.weeks):
            pct = "-" if w.on_time_percent is None else f"{w.on_time_percent:.0f}%"
            rows.append(
                (
                    n,
                    safe_cells(
                        w.week,
                        w.location,
                        w.issues,
                        w.vouchers,
                        w.cards,
                        format_pounds(w.value_pence),
                        w.overrides,
                        w.requests,
                        pct,
                        len(w.late),
                    ),
                )
            )
        self.query_one("#figures-table", FitTable).set_rows(rows)
        if not message.weeks:
            self.query_one("#figures-late", Static).update("No issues in these days.")

    @on(DataTable.RowHighlighted, "#figures-table")
    def _highlighted(self, event: DataTable.RowHighlighted) -> None:
        if not 0 <= event.cursor_row < len(self.weeks):
            return
        w = self.weeks[event.cursor_row]
        lines = [
            f"{w.location} {w.week}: vouchers {w.vouchers} · cards {w.cards} · "
            f"overrides {w.overrides} · crisis payment requests {w.requests}",
            f"Late crisis payment requests: {len(w.late)}",
        ]
        lines += [
            f"  card {late['serial']}: {late['minutes']} min ({late['status']})"
            for late in w.late[:3]
        ]
        text = Text("\n".join(safe_text(line) for line in lines))
        self.query_one("#figures-late", Static).update(text)
