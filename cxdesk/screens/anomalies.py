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
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.message import Message
from textual.widgets import DataTable, Input, Label, Static

from cxdesk.domain.anomalies import Finding, when
from cxdesk.errors import ValidationError
from cxdesk.screens.supervisor_common import (
    COMPACT_CSS,
    SupervisorScreen,
    default_range,
    read_date,
    show_date,
)
from cxdesk.store.supervisor_reports import find_anomalies


class AnomaliesScreen(SupervisorScreen):
    """Findings for a date range; see the module docstring."""

    PALETTE_CATEGORY = "anomalies"
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
        start, end = default_range(28)
        self.day_from, self.day_to = day_from or start, day_to or end
        self.findings: list[Finding] = []

    def compose_body(self) -> ComposeResult:
        with Horizontal(classes="bar supervisor-only"):
            yield Label("Anomalies  From")
            yield Input(show_date(self.day_from), id="date_from")
            yield Label("To")
            yield Input(show_date(self.day_to), id="date_to")
        yield Static("", id="anomaly-error", classes="error-line supervisor-only")
        yield DataTable(id="anomaly-table", cursor_type="row", classes="supervisor-only")
        yield Static("", id="anomaly-detail", classes="supervisor-only")
        yield Static("", id="refusal", classes="refusal")

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        return True if action == "pop_screen" else super().check_action(action, parameters)

    def on_mount(self) -> None:
        self.query_one("#refusal").display = False
        table = self.query_one("#anomaly-table", DataTable)
        table.add_column("What", width=28, key="what")
        table.add_column("Where", width=8, key="where")
        table.add_column("When", width=16, key="when")
        table.add_column("Issues", width=6, key="issues")
        if not self.refuse_if_needed():
            self.action_apply()
            table.focus()

    def action_apply(self) -> None:
        try:
            start = read_date(self.query_one("#date_from", Input), required=True)
            end = read_date(self.query_one("#date_to", Input), required=True)
            if start > end:
                raise ValidationError("The 'from' date is after the 'to' date.")
        except ValidationError as exc:
            self.query_one("#anomaly-error", Static).update(exc.message)
            return
        self.query_one("#anomaly-error", Static).update("")
        self._load(start, end)

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_apply()

    @work(thread=True, exclusive=True, exit_on_error=False, group="anomalies")
    def _load(self, start: date, end: date) -> None:
        self.post_message(self.Loaded(find_anomalies(self.app.store, start, end)))

    @on(Loaded)
    def _loaded(self, message: Loaded) -> None:
        self.findings = message.findings
        table = self.query_one("#anomaly-table", DataTable)
        table.clear()
        for n, f in enumerate(message.findings):
            table.add_row(f.title, f.location or "-", when(f.at) if f.at else "-",
                          len(f.issue_ids) or "", key=str(n))  # fmt: skip
        detail = self.query_one("#anomaly-detail", Static)
        count = len(message.findings)
        detail.update("Nothing unusual found in these days." if not count else "")
        if count:
            self._show(0)

    def _show(self, index: int) -> None:
        if 0 <= index < len(self.findings):
            f = self.findings[index]
            self.query_one("#anomaly-detail", Static).update(f"{f.title}: {f.detail}")

    @on(DataTable.RowHighlighted, "#anomaly-table")
    def _highlighted(self, event: DataTable.RowHighlighted) -> None:
        self._show(event.cursor_row)
