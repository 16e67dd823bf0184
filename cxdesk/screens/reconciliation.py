"""Stock reconciliation per location and day, and signing a location's day off.

Each row is one location, stock kind and UK day: opening, received, issued,
voided back to stock, lost or spoiled, expected on hand, the physical count and
the difference, and the sign-off. The line under the table explains the
highlighted row in words, including who signed the day off and when, and how
many events reached this desk after that sign-off (each listed). Ctrl+O signs
off the highlighted row's location and day: a small dialog asks for the note.

Online, the rows are every location's, from the central API (``cxdesk.sync.council``);
otherwise this desk's own, and the line under the detail says which, and why.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import date

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import DataTable, Input, Label, Static

from cxdesk.domain.hours import LONDON
from cxdesk.domain.safe_text import safe, safe_cells, safe_text
from cxdesk.screens.supervisor_common import COMPACT_CSS, RangeReportScreen
from cxdesk.store.supervision_commands import sign_off
from cxdesk.store.supervisor_reports import DayReconciliation, late_arrivals, reconciliation
from cxdesk.sync import council
from cxdesk.sync.council import Source
from cxdesk.widgets.fit_table import Column, FitTable

# Widths from content (FitTable). What a sign-off rests on always shows: the day, where
# (a location id whole), issued, expected, counted, the difference and who signed; the
# movements behind the expected figure go first when the width runs out, and the line
# below the table gives every figure of the highlighted row in words.
COLUMNS = (
    Column("day", "Day"),
    Column("loc", "Loc", flex=True, min_width=16),
    Column("k", "K"),
    Column("open", "Open", rank=4),
    Column("in", "In", rank=5),
    Column("out", "Out", rank=6),
    Column("iss", "Iss"),
    Column("void", "Void", rank=7),
    Column("lost", "Lost", rank=3),
    Column("exp", "Exp"),
    Column("cnt", "Cnt"),
    Column("diff", "Diff"),
    Column("signed", "Signed", max_width=20),
)


class SignOffDialog(ModalScreen[str | None]):
    """Asks for the sign-off note; returns it, or None if cancelled."""

    DEFAULT_CSS = """
    SignOffDialog { align: center middle; }
    #signoff-box { width: 64; height: auto; border: heavy $accent; padding: 0 1; }
    #signoff-error { height: auto; text-style: bold; }
    """
    BINDINGS = [Binding("escape", "cancel", "Cancel", id="signoff-cancel")]

    def __init__(self, location: str, day: date) -> None:
        super().__init__()
        self.location, self.day = location, day

    def compose(self) -> ComposeResult:
        with Vertical(id="signoff-box"):
            yield Label(
                safe(f"Sign off {self.location} for {self.day:%a %d/%m/%Y}"), classes="title"
            )
            yield Label("Note (what you checked, anything unresolved); Enter to sign:")
            yield Input(id="signoff-note", max_length=1000)
            yield Static("", id="signoff-error")

    def on_mount(self) -> None:
        self.query_one("#signoff-note", Input).focus()

    @on(Input.Submitted, "#signoff-note")
    def _submit(self, event: Input.Submitted) -> None:
        event.stop()
        if not event.value.strip():
            self.query_one("#signoff-error", Static).update("Please write a short note.")
            return
        self.dismiss(event.value)

    def action_cancel(self) -> None:
        self.dismiss(None)


class ReconciliationScreen(RangeReportScreen):
    """Reconciliation and sign-off; see the module docstring."""

    PALETTE_CATEGORY = "reconciliation"
    BAR_TITLE, DAYS = "Reconciliation", 7
    ERROR_ID, TABLE_ID, DETAIL_ID = "recon-error", "recon-table", "recon-detail"
    SOURCE_ID = "recon-source"
    DEFAULT_CSS = COMPACT_CSS + "#recon-detail { height: 4; }"
    BINDINGS = [
        Binding("ctrl+o", "sign_off", "Sign off day", id="recon-signoff"),
        Binding("ctrl+r", "apply", "Apply", id="recon-apply"),
        Binding("escape", "app.pop_screen", "Back", id="recon-back"),
    ]

    @dataclass
    class Loaded(Message):
        rows: list[DayReconciliation]
        source: Source

    @dataclass
    class Detail(Message):
        text: Text

    @dataclass
    class SignedOff(Message):
        location: str
        day: date

    def __init__(self, location: str | None = None) -> None:
        super().__init__()
        self.location = location
        self.rows: list[DayReconciliation] = []

    def compose_bar_extra(self) -> ComposeResult:
        yield Label("Loc")
        yield Input(self.location or "", id="location", placeholder="any")

    def make_table(self) -> FitTable:
        return FitTable(COLUMNS, id=self.TABLE_ID, classes="supervisor-only")

    def action_apply(self) -> None:
        dates = self.read_range()
        if dates is not None:
            location = self.query_one("#location", Input).value.strip().upper() or None
            self._load(*dates, location)

    @work(exclusive=True, exit_on_error=False, group="reconciliation")
    async def _load(self, start: date, end: date, location: str | None) -> None:
        try:
            rows, source = await council.reconciliation(self.desk, start, end, location)
        except council.CentralNotAsked as exc:
            source = Source(False, why=exc.message)
            store = self.desk.store
            rows = await asyncio.to_thread(reconciliation, store, start, end, location)
        self.post_message(self.Loaded(rows, source))

    @on(Loaded)
    def _loaded(self, message: Loaded) -> None:
        self.rows = message.rows
        self.show_source(message.source)
        rows = []
        for n, item in enumerate(message.rows):
            r = item.row
            diff = "" if r.difference is None else f"{r.difference:+d}"
            signed = safe(item.signed_by or "-")
            if item.late_arrivals:
                signed = safe(f"{item.signed_by} +{item.late_arrivals} late", "reverse")
            rows.append(
                (
                    n,
                    safe_cells(
                        r.day.strftime("%d/%m"),
                        r.location,
                        "FV" if r.stock_kind == "food_voucher" else "PC",
                        r.opening,
                        r.received + r.transferred_in,
                        r.transferred_out,
                        r.issued,
                        r.voided,
                        r.lost,
                        r.expected,
                        "" if r.counted is None else r.counted,
                        Text(diff, style="bold" if diff and diff != "+0" else ""),
                        signed,
                    ),
                )
            )
        self.query_one("#recon-table", FitTable).set_rows(rows)
        if not message.rows:
            self.query_one("#recon-detail", Static).update("No stock activity in these days.")

    def current(self) -> DayReconciliation | None:
        table = self.query_one("#recon-table", DataTable)
        if not table.row_count:
            return None
        return self.rows[table.cursor_coordinate.row]

    @on(DataTable.RowHighlighted, "#recon-table")
    def _highlighted(self) -> None:
        item = self.current()
        if item is not None:
            self._explain(item)

    @work(thread=True, exclusive=True, exit_on_error=False, group="reconciliation-detail")
    def _explain(self, item: DayReconciliation) -> None:
        r = item.row
        text = safe(
            f"{r.location} {r.day:%a %d/%m/%Y}: opened {r.opening}, received {r.received}, "
            f"in {r.transferred_in}, out {r.transferred_out}, issued {r.issued}, voided "
            f"{r.voided}, lost {r.lost}; expected {r.expected} on hand"
        )
        if r.counted is not None and r.counted_at is not None:  # set together
            text.append(
                f"; counted {r.counted} at {r.counted_at.astimezone(LONDON):%H:%M} "
                f"(difference {r.difference:+d})"
            )
        if item.signed_by:
            assert item.signed_at is not None  # a sign-off always has its time
            when = item.signed_at.astimezone(LONDON)
            signed = f"Signed off by {item.signed_by} at {when:%d/%m %H:%M}: {item.note}"
            text.append("\n" + safe_text(signed))
            for late in late_arrivals(self.desk.store, r.location, r.day)[:2]:
                late_line = safe_text(f"AFTER SIGN-OFF: {late.summary} ({late.actor})")
                text.append("\n" + late_line, style="reverse")
        else:
            text.append("\nNot signed off. Ctrl+O to sign off this location's day.")
        self.post_message(self.Detail(text))

    @on(Detail)
    def _detail(self, message: Detail) -> None:
        self.query_one("#recon-detail", Static).update(message.text)

    def action_sign_off(self) -> None:
        item = self.current()
        if item is None:
            self.notify("Choose a location's day in the table first.")
            return
        location, day = item.row.location, item.row.day

        def done(note: str | None) -> None:
            if note is not None:
                self._sign(location, day, note)

        self.app.push_screen(SignOffDialog(location, day), done)

    @work(thread=True, exclusive=True, exit_on_error=False, group="sign-off")
    def _sign(self, location: str, day: date, note: str) -> None:
        sign_off(self.desk.store, self.desk.session, location, day, note)
        self.post_message(self.SignedOff(location, day))

    @on(SignedOff)
    def _signed(self, message: SignedOff) -> None:
        self.notify(f"Signed off {message.location} for {message.day:%d/%m/%Y}.", timeout=5)
        self.action_apply()
