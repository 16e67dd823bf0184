"""What the supervisor's screens share: the supervisors-only guard and the compact look.

Every screen of the issued-voucher log shows customers' names and who issued
what, so each one refuses anyone but a supervisor (or administrator) itself,
however it was reached (F7, the command palette, a test): ``check_action``
turns its keys off and the body says why, in words, instead of showing data.
The central API refuses supervisor-only events from anyone else on its own.

``RangeReportScreen`` is the frame of the reports reached from the log
(anomalies, manager figures, reconciliation): a from/to bar, an error line, a
table and a detail line, refused as above, loaded on mount and on Enter or
Ctrl+R. Each report keeps its own keys, columns, worker and rows.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import ClassVar, Literal, overload

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import DataTable, Input, Label, Static

from cxdesk.domain.safe_text import safe
from cxdesk.domain.validation import london_today, parse_date
from cxdesk.errors import ValidationError
from cxdesk.events import SUPERVISORS
from cxdesk.screens.base import DeskScreen
from cxdesk.session import DeskSession
from cxdesk.widgets.fit_table import FitTable

REFUSAL = (
    "The supervisor's log is for supervisors only. You are signed in as {role}. "
    "Ask a supervisor if you need to know about an issue."
)

COMPACT_CSS = """
.bar { height: 1; width: 100%; }
.bar Label, .bar .lbl { width: auto; padding: 0 1 0 0; }
.bar Input { border: none; height: 1; padding: 0; width: 12; margin: 0 1 0 0; }
.bar Input.-invalid { text-style: reverse; }
.bar Input:focus { text-style: bold underline; }
.bar Input.narrow { width: 8; }
.bar Checkbox { border: none; height: 1; padding: 0; margin: 0 1 0 0; width: auto; }
.bar Checkbox:focus { text-style: reverse; }
.totals { height: 1; text-style: bold; }
.source { height: auto; max-height: 2; }
.error-line { height: auto; max-height: 2; text-style: bold; }
.refusal { padding: 1 2; text-style: bold; }
DataTable { height: 1fr; }
"""


def is_supervisor(session: DeskSession | None) -> bool:
    return session is not None and session.role in SUPERVISORS


class SupervisorScreen(DeskScreen):
    """A desk screen only supervisors may use (see the module docstring)."""

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("app.back", "back"):
            return True
        return is_supervisor(self.desk.session)

    def refusal_text(self) -> str:
        session = self.desk.session
        role = session.role_label if session is not None else "nobody"
        return REFUSAL.format(role=role)

    def refuse_if_needed(self) -> bool:
        """Hide everything but the refusal for non-supervisors; True if refused."""
        if is_supervisor(self.desk.session):
            return False
        for child in self.query(".supervisor-only"):
            child.display = False
        refusal = self.query_one("#refusal", Static)
        refusal.update(self.refusal_text())
        refusal.display = True
        return True


def default_range(days: int = 7) -> tuple[date, date]:
    today = london_today()
    return today - timedelta(days=days - 1), today


@overload
def read_date(field: Input, *, required: Literal[True]) -> date: ...
@overload
def read_date(field: Input, *, required: bool = False) -> date | None: ...
def read_date(field: Input, *, required: bool = False) -> date | None:
    """The date typed in ``field`` (blank allowed unless required); marks the field if wrong."""
    field.remove_class("-invalid")
    if not field.value.strip() and not required:
        return None
    try:
        return parse_date(field.value, field=field.id or "date")
    except ValidationError:
        field.add_class("-invalid")
        raise


def show_date(day: date | None) -> str:
    return "" if day is None else day.strftime("%d/%m/%Y")


class RangeReportScreen(SupervisorScreen):
    """A supervisor's report over a from/to date range (see the module docstring).

    Subclasses name their widgets' ids, add their columns in ``add_columns``
    and start their worker from ``action_apply`` (using ``read_range``).
    """

    BAR_TITLE: ClassVar[str] = ""
    """The words before "From" on the bar."""
    DAYS: ClassVar[int] = 28
    """How many days, up to today, the range shows at first."""
    ERROR_ID: ClassVar[str] = ""
    TABLE_ID: ClassVar[str] = ""
    DETAIL_ID: ClassVar[str] = ""
    CELL_PADDING: ClassVar[int] = 1
    SOURCE_ID: ClassVar[str] = ""
    """A line under the table saying whose data is shown (council-wide or this
    location's), for reports the central API also answers; none when blank."""

    def initial_range(self) -> tuple[date, date]:
        """The dates the bar starts with."""
        return default_range(self.DAYS)

    def compose_bar_extra(self) -> ComposeResult:
        """More fields for the bar, after the dates."""
        return iter(())

    def compose_body(self) -> ComposeResult:
        start, end = self.initial_range()
        with Horizontal(classes="bar supervisor-only"):
            yield Label(f"{self.BAR_TITLE}  From")
            yield Input(show_date(start), id="date_from")
            yield Label("To")
            yield Input(show_date(end), id="date_to")
            yield from self.compose_bar_extra()
        yield Static("", id=self.ERROR_ID, classes="error-line supervisor-only")
        yield self.make_table()
        yield Static("", id=self.DETAIL_ID, classes="supervisor-only")
        if self.SOURCE_ID:
            yield Static("", id=self.SOURCE_ID, classes="source supervisor-only")
        yield Static("", id="refusal", classes="refusal")

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        return True if action == "pop_screen" else super().check_action(action, parameters)

    def make_table(self) -> DataTable:
        """The report's table (a ``FitTable`` in reports that plan their own columns)."""
        return DataTable(
            id=self.TABLE_ID,
            cursor_type="row",
            cell_padding=self.CELL_PADDING,
            classes="supervisor-only",
        )

    def add_columns(self, table: DataTable) -> None:
        """Give the report's table its columns (a ``FitTable`` has them already)."""
        if not isinstance(table, FitTable):
            raise NotImplementedError

    def action_apply(self) -> None:
        """Read the bar and load the report (each report's own worker)."""
        raise NotImplementedError

    def on_mount(self) -> None:
        self.query_one("#refusal").display = False
        table = self.query_one(f"#{self.TABLE_ID}", DataTable)
        self.add_columns(table)
        if not self.refuse_if_needed():
            self.action_apply()
            table.focus()

    def read_range(self) -> tuple[date, date] | None:
        """The from and to dates; None after saying on the error line what is wrong."""
        error = self.query_one(f"#{self.ERROR_ID}", Static)
        try:
            start = read_date(self.query_one("#date_from", Input), required=True)
            end = read_date(self.query_one("#date_to", Input), required=True)
            if start > end:
                raise ValidationError("The 'from' date is after the 'to' date.")
        except ValidationError as exc:
            error.update(safe(exc.message))
            return None
        error.update("")
        return start, end

    def show_source(self, source) -> None:
        """Say whose data the report shows (a ``cxdesk.sync.council.Source``)."""
        self.query_one(f"#{self.SOURCE_ID}", Static).update(safe(source.line))

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_apply()
