"""The home screen: type a few letters, get the right team's priority number.

An advisor types while the resident is still talking, so the search box keeps
the focus the whole time: every keystroke filters the list at once (typos,
words run together and any word order are the index's job), Up and Down move
through the results without leaving the box, Enter opens the highlighted
entry, Ctrl+Y copies its number, Escape clears the search.

The search index is loaded in a thread worker when the screen opens or comes
back into view (a cached index is reused unless the directory changed), and
each keystroke's search runs in an exclusive thread worker: a slow search never
blocks typing, and a stale result never replaces a newer one. Open-now status
is refreshed every minute so a list left on screen does not go stale.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.message import Message
from textual.widgets import DataTable, Input, Static
from textual.worker import get_current_worker

from cxdesk.domain.directory import DirectoryEntry, DirectoryIndex, format_uk
from cxdesk.domain.safe_text import safe, safe_text
from cxdesk.screens.base import DeskScreen
from cxdesk.store.directory_queries import LookupResult, directory_index, lookup
from cxdesk.widgets.fit_table import Column, FitTable, RowDetail

RESULT_LIMIT = 50
# The number and the open-now status are what the advisor came for: always whole.
COLUMNS = (
    Column("name", "Team or service", flex=True, min_width=20),
    Column("number", "Number"),
    Column("status", "Now"),
)


class LookupScreen(DeskScreen):
    """Search box over the directory, results below; the desk's home screen."""

    DEFAULT_CSS = """
    #search { margin: 0 0; }
    #results { height: 1fr; }
    #lookup-status {
        height: auto;
        max-height: 2;
        padding: 0 1;
        background: $panel;
    }
    """
    PALETTE_CATEGORY = "directory"
    BINDINGS = [
        Binding("enter", "open_entry", "Details", id="open-entry", show=True),
        Binding("ctrl+y", "copy_number", "Copy number", id="copy-number"),
        Binding("escape", "clear_search", "Clear", id="clear-search", show=False),
        Binding("down", "move(1)", "Next", show=False, id="next-result"),
        Binding("up", "move(-1)", "Previous", show=False, id="previous-result"),
        Binding("pagedown", "move(10)", "Page down", show=False),
        Binding("pageup", "move(-10)", "Page up", show=False),
    ]

    @dataclass
    class _IndexLoaded(Message):
        index: DirectoryIndex

    @dataclass
    class _Results(Message):
        query: str
        results: list[LookupResult]

    def __init__(self) -> None:
        super().__init__()
        self.index: DirectoryIndex | None = None
        self.results: list[LookupResult] = []

    def compose_body(self) -> ComposeResult:
        yield Input(
            placeholder="Search: team, service, keyword or number",
            id="search",
            max_length=100,
        )
        table = FitTable(COLUMNS, id="results")
        table.can_focus = False
        yield table
        yield RowDetail(id="results-detail")
        yield Static("Loading the directory…", id="lookup-status")

    def on_mount(self) -> None:
        self.query_one("#search", Input).focus()
        self.set_interval(60, self._refresh_status, name="open-now")

    def on_screen_resume(self) -> None:
        self._load_index()
        if self.is_mounted:
            self.query_one("#search", Input).focus()

    # -- loading and searching ------------------------------------------------
    @work(thread=True, exclusive=True, exit_on_error=False, group="directory-load")
    def _load_index(self) -> None:
        self.post_message(self._IndexLoaded(directory_index(self.desk.store)))

    @on(_IndexLoaded)
    def _index_loaded(self, event: _IndexLoaded) -> None:
        changed = event.index is not self.index
        self.index = event.index
        if changed or not self.results:
            self._search(self.query_one("#search", Input).value)

    @on(Input.Changed, "#search")
    def _query_changed(self, event: Input.Changed) -> None:
        self._search(event.value)

    @on(Input.Submitted, "#search")
    def _query_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_open_entry()

    def _refresh_status(self) -> None:
        self._search(self.query_one("#search", Input).value)

    def _search(self, query: str) -> None:
        if self.index is not None:
            self._run_search(self.index, query)

    @work(thread=True, exclusive=True, exit_on_error=False, group="directory-search")
    def _run_search(self, index: DirectoryIndex, query: str) -> None:
        results = lookup(index, query, limit=RESULT_LIMIT, now=datetime.now(UTC))
        if not get_current_worker().is_cancelled:
            self.post_message(self._Results(query, results))

    @on(_Results)
    def _show_results(self, event: _Results) -> None:
        if event.query != self.query_one("#search", Input).value:
            return  # typing has moved on; a newer search is on its way
        self.results = event.results
        table = self.query_one("#results", FitTable)
        table.set_rows([(result.entry.id, _row(result)) for result in event.results])
        if event.results:
            table.move_cursor(row=0)
        self._show_status(event.query)

    def _show_status(self, query: str) -> None:
        status = self.query_one("#lookup-status", Static)
        total = len(self.index) if self.index is not None else 0
        if total == 0:
            status.update(
                "The directory on this desk is empty. An administrator can load one with: "
                "cxdesk admin import-directory FILE"
            )
        elif not self.results:
            status.update(safe(f'Nothing matches "{query}". Try fewer letters or another word.'))
        elif not query.strip():
            status.update(f"{total} teams and services. Type to search.")
        else:
            shown = len(self.results)
            more = "+" if shown >= RESULT_LIMIT else ""
            status.update(f"{shown}{more} found · Up/Down choose · Enter details")

    # -- actions ----------------------------------------------------------------
    def highlighted(self) -> DirectoryEntry | None:
        """The entry under the results cursor, if any."""
        table = self.query_one("#results", DataTable)
        if not self.results or not 0 <= table.cursor_row < len(self.results):
            return None
        return self.results[table.cursor_row].entry

    def action_move(self, step: int) -> None:
        table = self.query_one("#results", DataTable)
        if self.results:
            row = max(0, min(len(self.results) - 1, table.cursor_row + step))
            table.move_cursor(row=row)

    def action_open_entry(self) -> None:
        from cxdesk.screens.directory_detail import DirectoryDetailScreen

        entry = self.highlighted()
        if entry is None:
            self.notify("Nothing to open: type a search first.", timeout=3)
            return
        self.app.push_screen(DirectoryDetailScreen(entry))

    def action_copy_number(self) -> None:
        entry = self.highlighted()
        if entry is None:
            self.notify("Nothing to copy: type a search first.", timeout=3)
            return
        copy_number(self.app, entry)

    def action_clear_search(self) -> None:
        self.query_one("#search", Input).value = ""

    @on(DataTable.RowSelected, "#results")
    def _row_clicked(self, event: DataTable.RowSelected) -> None:
        self.action_open_entry()


def _row(result: LookupResult) -> tuple[Text, Text, Text]:
    entry = result.entry
    # The staff-only mark goes first, so it survives a long name being cut short.
    name = Text("STAFF ", style="bold") if entry.staff_only else Text()
    name.append(safe_text(entry.name))
    status = safe(result.status, "bold" if result.open_now else "dim")
    return name, safe(format_uk(entry.phone)), status


def copy_number(app, entry: DirectoryEntry, *, out_of_hours: bool = False) -> None:
    """Put an entry's number on the clipboard and say so (with the staff-only warning)."""
    number = entry.out_of_hours_phone if out_of_hours else entry.phone
    if not number:
        app.notify("This entry has no out-of-hours number.", timeout=3)
        return
    shown = format_uk(number)
    app.copy_to_clipboard(shown)
    # The clipboard holds what can be dialled; the extension is said in the message.
    extension = entry.out_of_hours_extension if out_of_hours else entry.extension
    if extension:
        shown = f"{shown}, then extension {extension}"
    warning = (
        " STAFF ONLY: do not give to the public." if entry.staff_only and not out_of_hours else ""
    )
    app.notify(f"Copied {shown} ({entry.name}).{warning}", title="Number copied", timeout=5)
    if not out_of_hours:
        from cxdesk.screens.transfer_outcome import ask_transfer_outcome

        ask_transfer_outcome(app, entry)  # one key: answered, no answer, refused, wrong number
