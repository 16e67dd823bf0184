"""Anomalies in the issued-voucher log, each explained in words.

The table lists one finding a line (what kind, where, when); the panel below
spells out the highlighted one as a sentence a supervisor can act on. The rules
and their thresholds are in ``cxdesk.domain.anomalies``; the date range
defaults to the log's.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from textual import on, work
from textual.binding import Binding
from textual.message import Message
from textual.widgets import DataTable, Static

from cxdesk.domain.anomalies import Finding, when
from cxdesk.domain.safe_text import safe, safe_cells
from cxdesk.screens.supervisor_common import COMPACT_CSS, RangeReportScreen, default_range
from cxdesk.store.supervisor_reports import find_anomalies


class AnomaliesScreen(RangeReportScreen):
    """Findings for a date range; see the module docstring."""

    PALETTE_CATEGORY = "anomalies"
    BAR_TITLE = "Anomalies"
    ERROR_ID, TABLE_ID, DETAIL_ID = "anomaly-error", "anomaly-table", "anomaly-detail"
    DEFAULT_CSS = COMPACT_CSS + "#anomaly-detail { height: 6; padding: 0 1; }"
    BINDINGS = [
        Binding("ctrl+r", "apply", "Apply", id="anomalies-apply"),
        Binding("escape", "app.pop_screen", "Back", id="anomalies-back"),
    ]

    @dataclass
    class Loaded(Message):
        findings: list[Finding]

    def __init__(self, day_from: date | None = None, day_to: date | None = None) -> None:
        super().__init__()
        start, end = default_range(self.DAYS)
        self.day_from, self.day_to = day_from or start, day_to or end
        self.findings: list[Finding] = []

    def initial_range(self) -> tuple[date, date]:
        return self.day_from, self.day_to

    def add_columns(self, table: DataTable) -> None:
        table.add_column("What", width=28, key="what")
        table.add_column("Where", key="where")  # as wide as its longest location id
        table.add_column("When", width=16, key="when")
        table.add_column("Issues", width=6, key="issues")

    def action_apply(self) -> None:
        dates = self.read_range()
        if dates is not None:
            self._load(*dates)

    @work(thread=True, exclusive=True, exit_on_error=False, group="anomalies")
    def _load(self, start: date, end: date) -> None:
        self.post_message(self.Loaded(find_anomalies(self.desk.store, start, end)))

    @on(Loaded)
    def _loaded(self, message: Loaded) -> None:
        self.findings = message.findings
        table = self.query_one("#anomaly-table", DataTable)
        table.clear()
        for n, f in enumerate(message.findings):
            table.add_row(
                *safe_cells(
                    f.title, f.location or "-", when(f.at) if f.at else "-", len(f.issue_ids) or ""
                ),
                key=str(n),
            )
        detail = self.query_one("#anomaly-detail", Static)
        count = len(message.findings)
        detail.update("Nothing unusual found in these days." if not count else "")
        if count:
            self._show(0)

    def _show(self, index: int) -> None:
        if 0 <= index < len(self.findings):
            f = self.findings[index]
            self.query_one("#anomaly-detail", Static).update(safe(f"{f.title}: {f.detail}"))

    @on(DataTable.RowHighlighted, "#anomaly-table")
    def _highlighted(self, event: DataTable.RowHighlighted) -> None:
        self._show(event.cursor_row)
