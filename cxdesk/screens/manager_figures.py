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

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.message import Message
from textual.widgets import DataTable, Input, Label, Static

from cxdesk.domain.money import format_pounds
from cxdesk.errors import ValidationError
from cxdesk.screens.supervisor_common import (
    COMPACT_CSS,
    SupervisorScreen,
    default_range,
    read_date,
    show_date,
)
from cxdesk.store.supervisor_reports import WeekFigures, manager_figures

COLUMNS = ("Week", "Loc", "Issues", "Vouch", "Cards", "Value", "Overr", "Reqs", "1h %", "Late")


class ManagerFiguresScreen(SupervisorScreen):
    """Weekly figures per location; see the module docstring."""

    PALETTE_CATEGORY = "figures"
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

    def compose_body(self) -> ComposeResult:
        start, end = default_range(28)
        with Horizontal(classes="bar supervisor-only"):
            yield Label("Manager figures  From")
            yield Input(show_date(start), id="date_from")
            yield Label("To")
            yield Input(show_date(end), id="date_to")
        yield Static("", id="figures-error", classes="error-line supervisor-only")
        yield DataTable(id="figures-table", cursor_type="row", classes="supervisor-only")
        yield Static("", id="figures-late", classes="supervisor-only")
        yield Static("", id="refusal", classes="refusal")

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        return True if action == "pop_screen" else super().check_action(action, parameters)

    def on_mount(self) -> None:
        self.query_one("#refusal").display = False
        table = self.query_one("#figures-table", DataTable)
        for label in COLUMNS:
            table.add_column(label, key=label.lower())
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
            self.query_one("#figures-error", Static).update(exc.message)
            return
        self.query_one("#figures-error", Static).update("")
        self._load(start, end)

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_apply()

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
            table.add_row(w.week, w.location, w.issues, w.vouchers, w.cards,
                          format_pounds(w.value_pence), w.overrides, w.requests, pct,
                          len(w.late), key=str(n))  # fmt: skip
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
        self.query_one("#figures-late", Static).update("\n".join(lines))
