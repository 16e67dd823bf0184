"""F6: stock on hand per location and kind, and a supervisor's stock records.

Everyone sees the table (on hand, issued, written off, the last count and its
difference). Receiving a range, transferring, writing off and recording a
count are supervisor actions: their keys are hidden for anyone else
(``check_action``) and the store refuses them by role as well. Each opens a
small form; the count form shows the difference once recorded.
Locations are shown by id (it fits 80 columns and is what Transfer asks for);
the line under the table names the highlighted location in full. The table
fits its width (``FitTable``): the written-off and issued columns go first.
"""

from __future__ import annotations

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.message import Message
from textual.widgets import DataTable, Static

from cxdesk.domain.safe_text import safe, safe_cells
from cxdesk.domain.stock import KIND_NAMES
from cxdesk.events import SUPERVISORS
from cxdesk.screens.base import DeskScreen
from cxdesk.screens.form_modal import FormField, FormModal
from cxdesk.store import stock_commands as sc
from cxdesk.store import stock_queries as sq
from cxdesk.widgets.fit_table import Column, FitTable
from cxdesk.widgets.history_table import when

KIND_FIELD = FormField("kind", "Kind: v = food vouchers, c = payment cards", value="v")
SUPERVISOR_ACTIONS = {"receive", "transfer", "write_off", "count"}
COLUMNS = (
    Column("where", "Location", flex=True, min_width=10),
    Column("kind", "Kind"),
    Column("on_hand", "On hand"),
    Column("issued", "Issued", rank=2),
    Column("lost", "Lost/spoilt", rank=3),
    Column("count", "Last count", rank=1),
)


def _kind(text: str) -> str:
    return {"v": "food_voucher", "c": "payment_card"}.get(text.strip().lower()[:1], text)


class StockScreen(DeskScreen):
    """Stock on hand and the supervisor's stock records."""

    DEFAULT_CSS = """
    StockScreen DataTable { height: 1fr; }
    StockScreen #stock-line { height: auto; max-height: 2; padding: 0 1; background: $panel;
        text-style: bold; }
    """
    BINDINGS = [
        Binding("r", "reload", "Refresh", id="stock-refresh"),
        Binding("n", "receive", "Receive", id="stock-receive"),
        Binding("t", "transfer", "Transfer", id="stock-transfer"),
        Binding("w", "write_off", "Write off", id="stock-write-off"),
        Binding("c", "count", "Count", id="stock-count"),
    ]

    class Loaded(Message):
        def __init__(self, rows: list[sq.OnHand]) -> None:
            super().__init__()
            self.rows = rows

    def __init__(self) -> None:
        super().__init__()
        self.rows: dict[str, sq.OnHand] = {}

    def compose_body(self) -> ComposeResult:
        yield Static("Stock on hand at every location (from the records)", id="stock-status")
        yield FitTable(COLUMNS, id="stock")
        yield Static("", id="stock-line", markup=False)

    def on_mount(self) -> None:
        self.action_reload()

    def action_reload(self) -> None:
        self._load()

    @work(thread=True, exclusive=True, exit_on_error=False, group="stock-load")
    def _load(self) -> None:
        self.post_message(self.Loaded(sq.stock_summary(self.desk.store)))

    @on(Loaded)
    def _show(self, message: Loaded) -> None:
        self.rows = {f"{r.location}/{r.kind}": r for r in message.rows}
        here = self.desk.session.location if self.desk.session else None
        lines = []
        for key, r in self.rows.items():
            count = "-" if r.last_count is None else f"{r.last_count} ({r.last_difference:+d})"
            # The id, not the name: it fits 80 columns and is what Transfer asks for.
            where = f"{r.location} (here)" if r.location == here else r.location
            lines.append(
                (
                    key,
                    safe_cells(
                        where,
                        KIND_NAMES[r.kind],
                        str(r.on_hand),
                        str(r.issued),
                        str(r.written_off),
                        count,
                    ),
                )
            )
        self.query_one(FitTable).set_rows(lines)
        if not self.rows:
            self.query_one("#stock-line", Static).update("No stock recorded yet.")

    @on(DataTable.RowHighlighted)
    def _detail(self, event: DataTable.RowHighlighted) -> None:
        """The highlighted line in words: full location name and when it was last counted."""
        r = self.rows.get(event.row_key.value or "")
        if r is None:
            return
        counted = "never counted"
        if r.last_count_at_ms is not None:
            counted = f"last counted {when(r.last_count_at_ms)}: {r.last_count}"
        self.query_one("#stock-line", Static).update(
            safe(
                f"{r.location}: {r.location_name} · {KIND_NAMES[r.kind]}s · {r.on_hand} on hand"
                f" · {counted}"
            )
        )

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in SUPERVISOR_ACTIONS:
            session = self.desk.session
            return session is not None and session.role in SUPERVISORS
        return True

    def _form(self, title: str, fields: list[FormField], submit) -> None:
        self.app.push_screen(FormModal(title, [KIND_FIELD, *fields], submit), self._after)

    def _who(self) -> dict:
        s = self.signed_in
        return {"actor": s.staff_id, "role": s.role}

    def action_receive(self) -> None:
        store, who, here = self.desk.store, self._who(), self.signed_in.location
        self._form(
            f"Stock received at {here}",
            [FormField("first", "First serial"), FormField("last", "Last serial")],
            lambda v: (
                sc.receive_stock(
                    store,
                    **who,
                    location=here,
                    kind=_kind(v["kind"]),
                    first=v["first"],
                    last=v["last"],
                )
                and "Received."
            ),
        )

    def action_transfer(self) -> None:
        store, who, here = self.desk.store, self._who(), self.signed_in.location
        self._form(
            f"Transfer stock from {here}",
            [
                FormField("to", "To location (id)"),
                FormField("first", "First serial"),
                FormField("last", "Last serial"),
            ],
            lambda v: (
                sc.transfer_stock(
                    store,
                    **who,
                    from_location=here,
                    to_location=v["to"].strip().upper(),
                    kind=_kind(v["kind"]),
                    first=v["first"],
                    last=v["last"],
                )
                and "Transferred."
            ),
        )

    def action_write_off(self) -> None:
        store, who, here = self.desk.store, self._who(), self.signed_in.location
        self._form(
            f"Write off stock at {here}",
            [
                FormField("serials", "Serials (FV000001 FV000002 or FV000001..FV000005)"),
                FormField("condition", "lost or spoiled", value="lost"),
                FormField("reason", "Reason"),
            ],
            lambda v: (
                sc.write_off(
                    store,
                    **who,
                    location=here,
                    kind=_kind(v["kind"]),
                    serials_text=v["serials"],
                    condition=v["condition"].strip(),
                    reason=v["reason"],
                )
                and "Written off."
            ),
        )

    def action_count(self) -> None:
        store, who, here = self.desk.store, self._who(), self.signed_in.location
        self._form(
            f"Physical count at {here}",
            [FormField("counted", "How many did you count?")],
            lambda v: (
                "Count recorded: "
                + sc.record_count(
                    store, **who, location=here, kind=_kind(v["kind"]), counted_text=v["counted"]
                ).text
            ),
        )

    def _after(self, result: object) -> None:
        if result:
            self.notify(str(result), timeout=4)
            self.query_one("#stock-status", Static).update(safe(result))
        self.action_reload()
