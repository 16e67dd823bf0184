"""F8: the sync state of this desk and the events the central API rejected, with why.

A rejected event stays in this desk's log (it really happened here) but its
effect is gone from the tables; this screen is where a supervisor sees each
one, who recorded it and the server's reason, so the work can be done again
properly. "Sync now" asks the worker for a round at once.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.message import Message
from textual.widgets import Static

from cxdesk.domain.safe_text import safe, safe_text
from cxdesk.events.envelope import parse_hlc
from cxdesk.screens.base import DeskScreen, PaletteCommand
from cxdesk.store import sync_queries as q
from cxdesk.store.projections.feed_refusals import refused_feed_events
from cxdesk.sync.status import LONDON, parse_utc
from cxdesk.widgets.fit_table import Column, FitTable, RowDetail

# The reason is what a supervisor acts on: it takes the room left and the line under the
# table shows the highlighted one whole (FitTable, RowDetail); who and the number go first.
COLUMNS = (
    Column("when", "When"),
    Column("what", "What", max_width=24),
    Column("by", "By", rank=2),
    Column("seq", "#", rank=1),
    Column("why", "Why", flex=True, min_width=20),
)
PROBLEM_CHARS = 300
"""How much of the last sync problem to show: a captive Wi-Fi portal can answer with a page."""


def _london_moment(stamp: str | None) -> str:
    """A stored UTC stamp as the desk's clock reads it ("01 Dec 11:44:05"); "" if none.

    Kept by this desk, but an edited store may hold any text: that is shown as "?".
    """
    if not stamp:
        return ""
    try:
        moment = parse_utc(stamp)
        return moment.astimezone(LONDON).strftime("%d %b %H:%M:%S") if moment else "?"
    except (ValueError, OverflowError):
        return "?"


def _when(hlc: str) -> str:
    try:  # an edited store may hold any text here: show "?" rather than fail
        moment = datetime.fromtimestamp(parse_hlc(hlc)[0] / 1000, tz=UTC)
    except (ValueError, OverflowError, OSError):
        return "?"
    return moment.astimezone(LONDON).strftime("%d %b %H:%M")


class SyncStatusScreen(DeskScreen):
    """Sync state and the rejected events list."""

    DEFAULT_CSS = "SyncStatusScreen DataTable { height: 1fr; }"
    BINDINGS = [
        Binding("r", "reload", "Refresh", id="sync-refresh"),
        Binding("s", "sync_now", "Sync now", id="sync-now-here"),
    ]

    class Loaded(Message):
        def __init__(
            self, state: q.SyncState, summary: q.LocalSummary, rejected: list, refused=()
        ) -> None:
            super().__init__()
            self.state, self.summary, self.rejected = state, summary, rejected
            self.refused = list(refused)

    def compose_body(self) -> ComposeResult:
        yield Static("", id="sync-state")
        yield Static("Events the central API rejected (newest first):", id="sync-rejected-title")
        yield FitTable(COLUMNS, id="sync-rejected")
        yield RowDetail(id="sync-rejected-detail")

    def on_mount(self) -> None:
        self.action_reload()
        self.watch(self.app, "sync_text", lambda _text: self.action_reload())

    def action_reload(self) -> None:
        self._load()

    def action_sync_now(self) -> None:
        self.desk.sync_now()

    @work(thread=True, exclusive=True, exit_on_error=False, group="sync-load")
    def _load(self) -> None:
        store = self.desk.store
        self.post_message(
            self.Loaded(
                q.sync_state(store),
                q.local_summary(store),
                q.rejected_events(store),
                refused_feed_events(store),
            )
        )

    @on(Loaded)
    def _show(self, message: Loaded) -> None:
        s, state = message.summary, message.state
        server = state.server_url or self.desk.settings.server_url
        # Everything here may come from outside (a server's or a portal's answer,
        # a config file), so each value is made safe and the whole shown as Text.
        lines = [
            f"Sync: {safe_text(self.desk.sync_text) or 'not running'}",
            f"Server: {safe_text(server) or 'none (this desk works offline only)'}",
            f"Waiting to send: {s.waiting} · rejected: {s.rejected} · "
            f"feed position: {state.cursor}",
            f"Last successful sync: {_london_moment(state.last_success) or 'never'}",
        ]
        sync = self.desk.sync
        if sync is not None and sync.status.last_error:
            problem = safe_text(sync.status.last_error)
            if len(problem) > PROBLEM_CHARS:
                problem = problem[: PROBLEM_CHARS - 1] + "…"
            lines.append(f"Last problem: {problem}")
        if message.refused:
            lines.append(f"Refused from the feed (did not verify): {len(message.refused)}")
        if news := state.scope_news:
            words, stamp = news
            lines.append(f"Records changed ({_london_moment(stamp) or '?'}): {safe_text(words)}")
        self.query_one("#sync-state", Static).update(Text("\n".join(lines)))
        rows: list[tuple[None, list]] = []
        for row in message.rejected:
            rows.append(
                (
                    None,
                    [
                        _when(row.hlc),
                        safe(row.kind),
                        safe(row.actor),
                        str(row.device_seq),
                        safe(row.reason),
                    ],
                )
            )
        # Feed events this desk refused because they did not verify (never stored).
        for refused in message.refused:
            refused_at = parse_utc(refused.refused_at)
            when = refused_at.astimezone(LONDON).strftime("%d %b %H:%M") if refused_at else ""
            why = safe(f"refused here: {refused.reason}")
            rows.append(
                (
                    None,
                    [
                        when,
                        safe(refused.kind),
                        safe(refused.actor),
                        f"feed {refused.server_seq}",
                        why,
                    ],
                )
            )
        self.query_one(FitTable).set_rows(rows)

    def palette_commands(self) -> Iterable[PaletteCommand]:
        return [
            ("sync: sync now", "Send and fetch events now", self.action_sync_now),
            ("sync: refresh", "Reload the sync state and rejected events", self.action_reload),
        ]
