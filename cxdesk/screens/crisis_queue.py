"""F5: the crisis queue. Open crisis payment requests and crisis flags, soonest due first.

Each row counts down to its due time (a payment request: one hour after the
card was issued, the Welfare Assistance Team's promise; a crisis flag: one hour
to be seen to). The countdown ticks every second from the rows already loaded;
SQLite is asked again only on F5/``r``, after an action, and every 15 s (so
what other desks synced shows up). Late rows say LATE in words and are bold
and reversed, so they stand out without colour.

The Welfare Assistance Team marks a request completed (funds loaded) or
declined with a reason; anyone on the frontline closes a crisis flag with an
outcome. Keys for actions a role may not take are hidden (``check_action``)
and the store refuses them too.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime, timedelta

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.message import Message
from textual.widgets import DataTable, Static

from cxdesk.domain import deskclock
from cxdesk.domain.safe_text import safe_cells
from cxdesk.domain.sla import countdown_text, from_ms, is_late, london_time
from cxdesk.events import FRONTLINE
from cxdesk.events.crisis import WELFARE
from cxdesk.screens.base import DeskScreen
from cxdesk.screens.form_modal import FormField, FormModal
from cxdesk.store import crisis_commands as cc
from cxdesk.store import crisis_queries as cq
from cxdesk.widgets.fit_table import Column, FitTable, RowDetail

RELOAD_SECONDS = 15
# Time left and the customer matter most; where it came from goes first when narrow.
QUEUE_COLUMNS = (
    Column("left", "Time left", min_width=19),
    Column("due", "Due", rank=2),
    Column("what", "What", flex=True, min_width=18),
    Column("customer", "Customer", max_width=24),
    Column("where", "Where", rank=3),
)
CHOOSE_FIRST = {
    "payment": "Choose a crisis payment request first.",
    "flag": "Choose a crisis flag first.",
}
"""What to say when the highlighted row is not the kind an action needs."""
ID_ARGUMENT = {"payment": "request_id", "flag": "flag_id"}
"""How the crisis commands name the row they act on, by the row's kind."""


class CrisisQueueScreen(DeskScreen):
    """The live crisis queue."""

    DEFAULT_CSS = """
    CrisisQueueScreen DataTable { height: 1fr; }
    CrisisQueueScreen #queue-status { height: 1; }
    """
    BINDINGS = [
        Binding("r", "reload", "Refresh", id="crisis-refresh"),
        Binding("c", "complete", "Funds loaded", id="crisis-complete"),
        Binding("d", "decline", "Decline", id="crisis-decline"),
        Binding("x", "close_flag", "Close flag", id="crisis-close-flag"),
    ]

    class Loaded(Message):
        def __init__(self, items: list[cq.QueueItem]) -> None:
            super().__init__()
            self.items = items

    def __init__(self) -> None:
        super().__init__()
        self.items: list[cq.QueueItem] = []
        self._loaded_at = 0.0

    def compose_body(self) -> ComposeResult:
        yield Static("Loading the crisis queue...", id="queue-status")
        yield FitTable(QUEUE_COLUMNS, id="queue")
        yield RowDetail(id="queue-detail")

    def on_mount(self) -> None:
        self.action_reload()
        self.set_interval(1.0, self._tick)

    # -- loading --------------------------------------------------------------
    def action_reload(self) -> None:
        self._loaded_at = time.monotonic()
        self._load()

    @work(thread=True, exclusive=True, exit_on_error=False, group="crisis-load")
    def _load(self) -> None:
        self.post_message(self.Loaded(cq.open_queue(self.desk.store)))

    @on(Loaded)
    def _show(self, message: Loaded) -> None:
        self.items = message.items
        table = self.query_one(FitTable)
        now = deskclock.now()
        rows = []
        for item in self.items:
            kind = "Payment" if item.item == "payment" else "Crisis flag"
            due = from_ms(item.due_ms)
            rows.append(
                (
                    item.id,
                    safe_cells(
                        self._left(item, now),
                        london_time(due, with_date=due - now > timedelta(hours=12)),
                        f"{kind}: {item.what}",
                        item.customer_name,
                        item.location,
                    ),
                )
            )
        table.set_rows(rows)
        self._status(now)

    def _left(self, item: cq.QueueItem, now: datetime) -> Text:
        due = from_ms(item.due_ms)
        text = countdown_text(due, now)
        return Text(text, style="bold reverse") if is_late(due, now) else Text(text)

    def _status(self, now: datetime) -> None:
        late = sum(1 for i in self.items if is_late(from_ms(i.due_ms), now))
        words = f"{len(self.items)} open" + (f", {late} LATE" if late else "")
        self.query_one("#queue-status", Static).update(f"Crisis queue: {words}. Times in UK time.")

    def _tick(self) -> None:
        """Count down from the loaded rows; reload from the store only now and then."""
        if time.monotonic() - self._loaded_at >= RELOAD_SECONDS:
            self.action_reload()
            return
        table, now = self.query_one(DataTable), deskclock.now()
        for item in self.items:
            table.update_cell(item.id, table.ordered_columns[0].key, self._left(item, now))
        self._status(now)

    # -- actions --------------------------------------------------------------
    def _current(self) -> cq.QueueItem | None:
        table = self.query_one(DataTable)
        if not self.items or table.cursor_row < 0 or table.cursor_row >= len(self.items):
            return None
        return self.items[table.cursor_row]

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        session = self.desk.session
        role = session.role if session else None
        if action in ("complete", "decline"):
            return role in WELFARE
        if action == "close_flag":
            return role in FRONTLINE | WELFARE
        return True

    def action_complete(self) -> None:
        self._record(
            "payment",
            cc.complete_payment,
            "Funds loaded for {name}: {what}",
            FormField("note", "Note (optional)"),
        )

    def action_decline(self) -> None:
        self._record(
            "payment",
            cc.decline_payment,
            "Decline the payment for {name}: {what}",
            FormField("reason", "Reason (the advisor will see it)"),
        )

    def action_close_flag(self) -> None:
        self._record(
            "flag",
            cc.close_flag,
            "Close the crisis flag for {name}",
            FormField("outcome", "Outcome", "what happened, who helped"),
        )

    def _record(
        self, kind: str, command: Callable[..., object], title: str, field: FormField
    ) -> None:
        """Ask for ``field`` about the highlighted ``kind`` row, then save it with ``command``.

        ``title`` may name the row's customer as ``{name}`` and its ``{what}``.
        """
        item = self._current()
        if item is None or item.item != kind:
            self.notify(CHOOSE_FIRST[kind])
            return
        s, store = self.signed_in, self.desk.store
        ids = {ID_ARGUMENT[kind]: item.id}
        form = FormModal(
            title.format(name=item.customer_name, what=item.what),
            [field],
            lambda v: command(
                store, actor=s.staff_id, role=s.role, **ids, **{field.name: v[field.name]}
            ),
        )
        self.app.push_screen(form, self._after)

    def _after(self, result: object) -> None:
        if result is not None:
            self.notify("Saved.")
            self.action_reload()
