"""F7: the supervisor's issued-voucher log — every voucher and card, where it went, and why.

A compact filter bar (two lines) sits above the log: dates, location,
advisor, kind, customer, then toggles for overrides, repeat claims, voided and
late payment requests. Enter in a filter field (or Ctrl+R) applies them all
together; a toggle applies at once. The table lists the newest first, one
page at a time (Ctrl+N next page, Ctrl+B back), with a totals line for
everything the filters match. Enter on a row opens the issue's full story;
Ctrl+T exports everything the filters match to CSV and shows the file's path.
Rows that reached this desk after their day was signed off say so in the
status column ("after sign-off", in reverse so it shows without colour).

A desk holds only its location's share of the feed, so when it is online the
log is asked of the central API, council-wide, with the supervisor's request
proof (``cxdesk.sync.council``); the line above the totals says "Council-wide
(central, as of HH:MM)". Not enrolled, offline, or on any failure, the desk's
own issues are shown as "This location's data (offline)" with the reason in
one sentence. Ctrl+T exports what is shown, from where it was shown.

Only supervisors see any of it (``SupervisorScreen``); everyone else gets a
plain refusal. All reads run in workers (the desk's store in a thread) and
post messages back.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.message import Message
from textual.widgets import Checkbox, DataTable, Input, Label, Static

from cxdesk.domain.csv_export import export_to_file
from cxdesk.domain.issue_log import KIND_LABELS, IssueFilter, IssueLogRow, LogPage
from cxdesk.domain.money import format_pounds
from cxdesk.domain.safe_text import safe, safe_cells
from cxdesk.errors import CxDeskError, ValidationError
from cxdesk.screens.supervisor_common import (
    COMPACT_CSS,
    SupervisorScreen,
    default_range,
    read_date,
    show_date,
)
from cxdesk.store.issue_log_queries import PAGE_SIZE, iter_log, log_page, log_totals
from cxdesk.sync import council
from cxdesk.sync.council import Source
from cxdesk.widgets.fit_table import Column, FitTable, RowDetail
from cxdesk.widgets.tick_box import TickBox

EXPORT_PAGE = 500
KIND_WORDS = {"v": "food_voucher", "f": "food_voucher", "c": "payment_card", "p": "payment_card"}
# What, when, to whom and its status first; at 80 columns the rest is in the line under
# the table (RowDetail) for the highlighted issue, and in the story (Enter).
COLUMNS = (
    Column("when", "When"),
    Column("loc", "Loc", rank=3),
    Column("advisor", "Advisor", rank=4),
    Column("customer", "Customer", flex=True, min_width=12),
    Column("kind", "Kind"),
    Column("serial", "Serial"),
    Column("amount", "Amount"),
    Column("reason", "Reason", rank=5, max_width=20),
    Column("repeat", "Repeat", rank=6),
    Column("override", "Override", rank=7, max_width=20),
    Column("status", "Status", rank=2),
)


def parse_kind(text: str) -> str | None:
    """ "voucher", "card" (or their first letters) as the stored kind; blank for both."""
    word = text.strip().lower()
    if not word:
        return None
    if word[0] in KIND_WORDS:
        return KIND_WORDS[word[0]]
    raise ValidationError("Kind: type voucher or card (or leave blank for both).", field="kind")


class IssueLogScreen(SupervisorScreen):
    """The log itself; see the module docstring."""

    PALETTE_CATEGORY = "log"
    DEFAULT_CSS = COMPACT_CSS
    BINDINGS = [
        Binding("enter", "open_issue", "Open", id="log-open"),
        Binding("ctrl+r", "apply", "Apply filters", id="log-apply"),
        Binding("ctrl+n", "next_page", "Next page", id="log-next"),
        Binding("ctrl+b", "previous_page", "Prev page", id="log-previous", show=False),
        Binding("ctrl+t", "export", "Export CSV", id="log-export"),
        Binding("ctrl+g", "anomalies", "Anomalies", id="log-anomalies"),
        Binding("ctrl+o", "reconciliation", "Reconcile", id="log-reconcile"),
        Binding("ctrl+f", "figures", "Figures", id="log-figures"),
        Binding("ctrl+k", "contact_figures", "Contacts", id="log-contact-figures"),
        Binding("escape", "focus_table", "To list", id="log-to-list", show=False),
    ]

    @dataclass
    class Loaded(Message):
        page: LogPage
        page_number: int
        source: Source

    @dataclass
    class Totals(Message):
        issues: int
        value_pence: int

    @dataclass
    class Exported(Message):
        path: Path
        count: int

    def __init__(self) -> None:
        super().__init__()
        self.filter = IssueFilter()
        self.cursors: list[tuple[int, str] | None] = [None]
        self.page: LogPage | None = None
        self.page_number = 1
        self.export_dir: Path | None = None
        self.source = Source(False, why="Loading.")
        """Where the rows on screen came from (the export reads from the same place)."""

    def compose_body(self) -> ComposeResult:
        start, end = default_range(7)
        with Horizontal(classes="bar supervisor-only"):
            yield Label("From")
            yield Input(show_date(start), id="date_from", placeholder="dd/mm/yyyy")
            yield Label("To")
            yield Input(show_date(end), id="date_to", placeholder="dd/mm/yyyy")
            yield Label("Loc")
            yield Input(id="location", placeholder="any")
            yield Label("Advisor")
            yield Input(id="advisor", placeholder="any")
        with Horizontal(classes="bar supervisor-only"):
            yield Label("Kind")
            yield Input(id="kind", placeholder="v or c", classes="narrow")
            yield Label("Cust")
            yield Input(id="customer", placeholder="surname/id")
            yield TickBox("Overrides", id="overrides_only")
            yield TickBox("Repeats", id="repeats_only")
            yield TickBox("Voided", id="voided")
            yield TickBox("Late", id="late_only")
        yield Static("", id="log-error", classes="error-line supervisor-only")
        yield FitTable(COLUMNS, id="log-table", classes="supervisor-only")
        yield RowDetail(id="log-table-detail", classes="supervisor-only")
        yield Static("", id="log-source", classes="source supervisor-only")
        yield Static("Loading…", id="log-totals", classes="totals supervisor-only")
        yield Static("", id="refusal", classes="refusal")

    def on_mount(self) -> None:
        self.query_one("#refusal").display = False
        table = self.query_one("#log-table", DataTable)
        self.export_dir = Path(self.desk.settings.data_dir) / "exports"
        if not self.refuse_if_needed():
            self.action_apply()
            table.focus()

    # -- filters ---------------------------------------------------------------
    def read_filter(self) -> IssueFilter:
        """The filters as typed; a mistake is shown on the error line and its field marked."""
        text = {i.id: i.value.strip() for i in self.query(Input)}
        kind_field = self.query_one("#kind", Input)
        kind_field.remove_class("-invalid")
        try:
            kind = parse_kind(text["kind"])
        except ValidationError:
            kind_field.add_class("-invalid")
            raise
        boxes = {c.id: c.value for c in self.query(Checkbox)}
        return IssueFilter(
            date_from=read_date(self.query_one("#date_from", Input)),
            date_to=read_date(self.query_one("#date_to", Input)),
            location=text["location"].upper() or None,
            advisor=text["advisor"].upper() or None,
            kind=kind,
            customer=text["customer"] or None,
            overrides_only=boxes["overrides_only"],
            repeats_only=boxes["repeats_only"],
            voided=True if boxes["voided"] else None,
            late_only=boxes["late_only"],
        )

    def action_apply(self) -> None:
        error = self.query_one("#log-error", Static)
        try:
            self.filter = self.read_filter()
        except ValidationError as exc:
            error.update(safe(exc.message))
            return
        error.update("")
        self.cursors = [None]
        self._load(self.filter, None, 1)

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_apply()

    @on(Checkbox.Changed)
    def _toggled(self) -> None:
        self.action_apply()

    # -- loading -----------------------------------------------------------------
    @work(exclusive=True, exit_on_error=False, group="issue-log")
    async def _load(self, flt: IssueFilter, after: tuple[int, str] | None, number: int) -> None:
        # Council-wide when the central API answers, page and totals in one request.
        try:
            page, source = await council.log_page(self.desk, flt, after, PAGE_SIZE)
        except council.CentralNotAsked as exc:
            source = Source(False, why=exc.message)
        else:
            self.post_message(self.Loaded(page, number, source))
            self.post_message(self.Totals(page.total_count, page.total_pence))
            return
        # The desk's own: the page first, then the totals (a broad filter over a big log
        # counts for a moment longer than it takes to show the newest fifty).
        store = self.desk.store
        page = await asyncio.to_thread(log_page, store, flt, after=after, with_totals=False)
        self.post_message(self.Loaded(page, number, source))
        self.post_message(self.Totals(*await asyncio.to_thread(log_totals, store, flt)))

    @on(Loaded)
    def _loaded(self, message: Loaded) -> None:
        self.page, self.source = message.page, message.source
        self.query_one("#log-source", Static).update(safe(message.source.line))
        rows = []
        for row in message.page.rows:
            status = safe(row.status)
            if row.after_signoff:
                status = safe(f"{row.status}, after sign-off", "reverse")
            rows.append(
                (
                    row.issue_id,
                    safe_cells(
                        row.london_time,
                        row.location,
                        row.advisor,
                        row.customer_label,
                        KIND_LABELS.get(row.kind, row.kind).split()[-1].lower(),
                        row.serial,
                        row.amount,
                        row.reason,
                        row.repeat_result,
                        row.override_text,
                        status,
                    ),
                )
            )
        self.query_one("#log-table", FitTable).set_rows(rows)
        self.page_number = message.page_number
        self._show_totals("counting…")

    @on(Totals)
    def _totals(self, message: Totals) -> None:
        noun = "issue" if message.issues == 1 else "issues"
        self._show_totals(f"{message.issues} {noun} · {format_pounds(message.value_pence)}")

    def _show_totals(self, totals: str) -> None:
        page = self.page
        rows = page.rows if page else []
        first = (self.page_number - 1) * PAGE_SIZE + 1
        shown = f"{first}-{first + len(rows) - 1}" if rows else "none"
        more = " · Ctrl+N next page" if page and page.next_cursor else ""
        # The line above says whose data this is (council-wide, or this location's), so
        # nobody reads a desk's totals as the council's.
        self.query_one("#log-totals", Static).update(f"{totals} · showing {shown}{more}")

    def action_next_page(self) -> None:
        if self.page and self.page.next_cursor:
            self.cursors.append(self.page.next_cursor)
            self._load(self.filter, self.page.next_cursor, len(self.cursors))

    def action_previous_page(self) -> None:
        if len(self.cursors) > 1:
            self.cursors.pop()
            self._load(self.filter, self.cursors[-1], len(self.cursors))

    def action_focus_table(self) -> None:
        self.query_one("#log-table", DataTable).focus()

    # -- the story, other reports, export ----------------------------------------
    def selected_issue(self) -> str | None:
        table = self.query_one("#log-table", DataTable)
        if not table.row_count:
            return None
        return table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value

    def action_open_issue(self) -> None:
        from cxdesk.screens.issue_story import IssueStoryScreen

        issue_id = self.selected_issue()
        if issue_id:
            self.app.push_screen(IssueStoryScreen(issue_id))

    @on(DataTable.RowSelected, "#log-table")
    def _row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.action_open_issue()

    def action_anomalies(self) -> None:
        from cxdesk.screens.anomalies import AnomaliesScreen

        self.app.push_screen(AnomaliesScreen(self.filter.date_from, self.filter.date_to))

    def action_reconciliation(self) -> None:
        from cxdesk.screens.reconciliation import ReconciliationScreen

        self.app.push_screen(ReconciliationScreen(self.filter.location))

    def action_figures(self) -> None:
        from cxdesk.screens.manager_figures import ManagerFiguresScreen

        self.app.push_screen(ManagerFiguresScreen())

    def action_contact_figures(self) -> None:
        from cxdesk.screens.contact_figures import ContactFiguresScreen

        self.app.push_screen(ContactFiguresScreen())

    def action_export(self) -> None:
        if self.export_dir is None:
            self.notify("No data folder is set, so there is nowhere to save the export.")
            return
        stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
        self._export(self.filter, self.export_dir / f"issues-{stamp}.csv")

    @work(exclusive=True, exit_on_error=False, group="issue-export")
    async def _export(self, flt: IssueFilter, path: Path) -> None:
        # What is shown is what is exported: council-wide rows from the central API (all
        # pages, fetched before the file is written), else the desk's own.
        if self.source.central:
            try:
                rows = await self._central_rows(flt)
            except council.CentralNotAsked as exc:
                raise CxDeskError(
                    f"The council-wide log could not be read for the export: {exc.message}",
                    "Export failed",
                ) from exc
        else:
            rows = None
        count = await asyncio.to_thread(self._write, flt, rows, path)
        self.post_message(self.Exported(path, count))

    async def _central_rows(self, flt: IssueFilter) -> list[IssueLogRow]:
        rows: list[IssueLogRow] = []
        after = None
        while True:
            page, _ = await council.log_page(self.desk, flt, after, EXPORT_PAGE, with_totals=False)
            rows += page.rows
            if page.next_cursor is None:
                return rows
            after = page.next_cursor

    def _write(self, flt: IssueFilter, rows: list[IssueLogRow] | None, path: Path) -> int:
        source = iter_log(self.desk.store, flt) if rows is None else iter(rows)
        try:
            return export_to_file(source, path)
        except OSError as exc:
            raise CxDeskError(f"Could not write {path}: {exc.strerror}", "Export failed") from exc

    @on(Exported)
    def _exported(self, message: Exported) -> None:
        text = f"Exported {message.count} issues to {message.path}"
        self.query_one("#log-error", Static).update(safe(text))
        self.notify(text, title="CSV saved", timeout=10)
