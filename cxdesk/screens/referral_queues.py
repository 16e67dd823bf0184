"""F4 Queues: my team's incoming referrals and my location's outgoing ones.

Staff belong to locations, not teams, so the person working a team's incoming
queue says which team they are working for (the selector at the top, or T);
the desk remembers it, so a back-office desk opens on its team every time.
Outgoing shows what this location raised that is still open, and anything
declined back to it. I switches between the two lists, U sorts by urgency and
D by due time, Enter opens a referral. Overdue referrals say OVERDUE in words
(not only colour) and the header line gives the counts. Customers appear only
by name, year of birth and postcode district.
"""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.message import Message
from textual.widgets import DataTable, Select, Static

from cxdesk.domain.referrals import LONDON, STATUS_LABELS, parse_utc
from cxdesk.domain.safe_text import safe, safe_cells
from cxdesk.screens.base import DeskScreen
from cxdesk.store import referral_queries
from cxdesk.widgets.fit_table import Column, FitTable, RowDetail

_URGENCY_SHORT = {"immediate": "IMMED", "urgent": "URGENT", "standard": "std"}
QUEUE_COLUMNS = (
    Column("ref", "Ref"),
    Column("customer", "Customer", flex=True, min_width=12),
    Column("born", "Born", rank=3),
    Column("area", "Area", rank=2),
    Column("urgency", "Urgency", rank=1),
    Column("due", "Due"),
    Column("status", "Status"),
)


def short_due(due: str) -> str:
    """A due time in London time, short enough for a queue column: "Wed 25 Nov 15:08"."""
    return parse_utc(due).astimezone(LONDON).strftime("%a %d %b %H:%M")


class ReferralQueuesScreen(DeskScreen):
    """Incoming and outgoing referral queues."""

    PALETTE_CATEGORY = "queue"
    BINDINGS = [
        Binding("enter", "open_referral", "Open", id="open-referral"),
        Binding("i", "switch_list", "In/Out", id="switch-queue"),
        Binding("u", "sort('urgency')", "By urgency", id="sort-urgency"),
        Binding("d", "sort('due')", "By due", id="sort-due"),
        Binding("t", "choose_team", "Team", id="choose-team"),
        Binding("o", "toggle_open", "Open only/all", id="queue-open-only"),
    ]
    DEFAULT_CSS = """
    ReferralQueuesScreen #queue-team { width: 1fr; }
    ReferralQueuesScreen #queue-counts { height: auto; max-height: 2; padding: 0 1;
        text-style: bold; }
    ReferralQueuesScreen #queue-table { height: 1fr; }
    """

    @dataclass
    class _Loaded(Message):
        targets: list
        team: str | None
        incoming: list
        outgoing: list
        cautions: dict | None = None

    def __init__(self) -> None:
        super().__init__()
        self.showing = "incoming"
        self.sort = "due"
        self.team: str | None = None
        self.lines: list = []
        self.loaded = None
        self._teams_filled = False
        self._filling = False
        self.open_only = False
        """Outgoing: only the open ones (O), or every one with how it ended (the default)."""

    def compose_body(self) -> ComposeResult:
        yield Select([], prompt="Working for which team? (T)", id="queue-team")
        yield Static("Loading the queues…", id="queue-counts")
        yield FitTable(QUEUE_COLUMNS, id="queue-table")
        yield RowDetail(id="queue-table-detail")

    def on_mount(self) -> None:
        self.query_one("#queue-table", DataTable).focus()

    def on_screen_resume(self) -> None:
        self._load(self.team)

    @work(thread=True, exclusive=True, exit_on_error=False, group="queues")
    def _load(self, team: str | None) -> None:
        store, session = self.desk.store, self.signed_in
        targets = referral_queries.workable_targets(store, session.staff_id, session.role)
        team = team or referral_queries.queue_team(store)
        if team not in {t.target_id for t in targets}:
            team = None  # remembered for someone else, or no longer theirs to work
        incoming = referral_queries.incoming(store, team, sort=self.sort) if team else []
        outgoing = referral_queries.outgoing(
            store, session.location, sort=self.sort, open_only=self.open_only
        )
        from cxdesk.screens.cautions import marked_names

        people = [(line.customer_id, line.customer) for line in incoming + outgoing]
        cautions = marked_names(self.desk, people)
        self.post_message(self._Loaded(targets, team, incoming, outgoing, cautions))

    @on(_Loaded)
    def _show_loaded(self, message: _Loaded) -> None:
        if self.loaded is None and not message.team:
            self.showing = "outgoing"  # nothing to show as incoming until a team is chosen
        self.loaded, self.team = message, message.team
        select = self.query_one("#queue-team", Select)
        if not self._teams_filled:  # first load: fill the selector without re-triggering
            self._teams_filled = self._filling = True
            select.set_options([(safe(t.name), t.target_id) for t in message.targets])
            if message.team:
                select.value = message.team
            self._filling = False
        self._show()

    def _show(self) -> None:
        message = self.loaded
        if message is None:
            return
        incoming, outgoing = message.incoming, message.outgoing
        late_in = sum(line.overdue for line in incoming)
        late_out = sum(line.overdue for line in outgoing)
        back = sum(line.status == "declined" for line in outgoing)
        done = sum(line.status == "completed" for line in outgoing)
        marker = {"incoming": ("▶", " "), "outgoing": (" ", "▶")}[self.showing]
        team_note = "" if self.team else " (choose a team)"
        if not message.targets:
            team_note = " (no team's queue is yours to work)"
        ended = f", {done} completed" if not self.open_only else " (open only)"
        self.query_one("#queue-counts", Static).update(
            f"{marker[0]}Incoming {len(incoming)}{team_note}, {late_in} overdue  "
            f"{marker[1]}Outgoing {len(outgoing)}, {late_out} overdue, {back} declined{ended}"
            f"  · by {'urgency' if self.sort == 'urgency' else 'due time'}"
        )
        self.lines = incoming if self.showing == "incoming" else outgoing
        rows = []
        for line in self.lines:
            due = short_due(line.due_at) if line.due_at else ""
            status = STATUS_LABELS[line.status]
            if line.overdue:
                status = "OVERDUE"
            name = (message.cautions or {}).get(line.customer_id) or line.customer
            rows.append(
                (
                    line.referral_id,
                    safe_cells(
                        line.reference,
                        name,
                        str(line.birth_year or ""),
                        line.district,
                        _URGENCY_SHORT[line.urgency],
                        due,
                        Text(status, style="bold reverse" if line.overdue else ""),
                    ),
                )
            )
        self.query_one("#queue-table", FitTable).set_rows(rows)

    @on(Select.Changed, "#queue-team")
    def _team_chosen(self, event: Select.Changed) -> None:
        if self._filling or event.value is Select.BLANK or event.value == self.team:
            return
        self.team = str(event.value)
        self.showing = "incoming"
        self._remember(self.team)

    @work(thread=True, exclusive=True, exit_on_error=False, group="queue-team")
    def _remember(self, team: str) -> None:
        referral_queries.set_queue_team(self.desk.store, team)
        self._load(team)

    def action_switch_list(self) -> None:
        self.showing = "outgoing" if self.showing == "incoming" else "incoming"
        self._show()

    def action_toggle_open(self) -> None:
        self.open_only = not self.open_only
        self.showing = "outgoing"
        self._load(self.team)

    def action_sort(self, how: str) -> None:
        self.sort = how
        self._load(self.team)

    def action_choose_team(self) -> None:
        self.query_one("#queue-team", Select).focus()
        self.query_one("#queue-team", Select).action_show_overlay()

    @on(DataTable.RowSelected, "#queue-table")
    def _row_selected(self) -> None:
        self.action_open_referral()

    def action_open_referral(self) -> None:
        table = self.query_one("#queue-table", DataTable)
        if not self.lines or table.cursor_row >= len(self.lines):
            return
        from cxdesk.screens.referral_view import ReferralViewScreen

        self.app.push_screen(ReferralViewScreen(self.lines[table.cursor_row].referral_id))
