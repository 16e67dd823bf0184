"""F3 Customers: find a customer, or register a new one.

One search box takes a name (any order, typos forgiven), a date of birth, a
postcode or district, a phone number or a council reference, alone or mixed.
Every keystroke searches in an exclusive thread worker, so typing never waits.
The list shows only name, year of birth and postcode district. Enter opens the
highlighted record; Ctrl+N starts a new registration with the words typed so far
as the name (the form offers likely matches before it creates anything).

The desk holds only its location's residents. Ctrl+G ("Search all locations") asks the
central API, with a reason, for someone registered elsewhere
(``cxdesk.sync.central_search``): the search's names, date of birth and postcode
are sent; a match is recorded as viewed here, and its record is listed first
once the sync round that follows brings it. Offline it says, in one sentence,
what can be searched; nothing typed is lost.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.message import Message
from textual.widgets import DataTable, Input, Static
from textual.worker import get_current_worker

from cxdesk.domain.safe_text import safe
from cxdesk.errors import CxDeskError
from cxdesk.screens.base import DeskScreen

if TYPE_CHECKING:
    from cxdesk.screens.cautions import Protected
from cxdesk.store.customer_queries import CustomerHit, hits_by_id, search_customers
from cxdesk.widgets.fit_table import Column, FitTable, RowDetail

FETCH_ROUNDS = 3
"""Sync rounds to wait for a found record (a desk far behind may need a few pages)."""
FETCH_WAIT_SECONDS = 30.0

RESULT_COLUMNS = (
    Column("name", "Name", flex=True, min_width=20),
    Column("born", "Born"),
    Column("district", "District"),
    Column("score", "Match", rank=1),
)


class CustomerSearchScreen(DeskScreen):
    """Search box over customers, results below."""

    PALETTE_CATEGORY = "customer"
    BINDINGS = [
        Binding("enter", "open_customer", "Open", id="open-customer"),
        Binding("ctrl+n", "new_customer", "New customer", id="new-customer"),
        Binding("escape", "clear_search", "Clear", id="clear-customer-search"),
        Binding(
            "ctrl+g",
            "search_central",
            "Search all locations",
            id="search-all-locations",
            tooltip="Ask the central API for someone registered elsewhere (with a reason)",
        ),
        Binding("ctrl+r", "reveal_protected", "Reveal", show=False, id="reveal-protected"),
        Binding("down", "move(1)", "Next", show=False, id="next-customer"),
        Binding("up", "move(-1)", "Previous", show=False, id="previous-customer"),
    ]

    @dataclass
    class _Results(Message):
        query: str
        hits: list[CustomerHit]
        problem: str = ""
        cautions: dict | None = None
        protected: Protected | None = None

    @dataclass
    class _CentralNews(Message):
        """How a central search is going, for the status line (shown while its query is)."""

        query: str
        words: str
        ids: list[str]
        """Who was found (listed first while the search text is ``query``)."""

    def __init__(self) -> None:
        super().__init__()
        self.hits: list[CustomerHit] = []
        self.held_back: list[CustomerHit] = []
        self.revealed: set[str] = set()
        self.central_query = ""
        """The search text a central search was made for (its results stay pinned for it)."""
        self.central_ids: list[str] = []
        self.central_words = ""

    def compose_body(self) -> ComposeResult:
        yield Input(
            placeholder="Name, date of birth, postcode, phone or council ref",
            id="customer-search",
            max_length=200,
        )
        table = FitTable(RESULT_COLUMNS, id="customer-results")
        table.can_focus = False
        yield table
        yield RowDetail(id="customer-results-detail")
        yield Static("Type to search. Ctrl+N registers a new customer.", id="customer-status")

    def on_mount(self) -> None:
        self.query_one("#customer-search", Input).focus()

    def on_screen_resume(self) -> None:
        self.query_one("#customer-search", Input).focus()
        self._search(self.query_one("#customer-search", Input).value)

    @on(Input.Changed, "#customer-search")
    def _changed(self, event: Input.Changed) -> None:
        self._search(event.value)

    @on(Input.Submitted, "#customer-search")
    def _submitted(self) -> None:
        self.action_open_customer()

    @work(thread=True, exclusive=True, exit_on_error=False, group="customer-search")
    def _search(self, query: str) -> None:
        worker = get_current_worker()
        pinned = self.central_ids if query == self.central_query else []
        try:
            hits = search_customers(self.desk.store, query) if query.strip() else []
            if pinned:  # what the central search fetched comes first, found or not
                hits = hits_by_id(self.desk.store, pinned) + [
                    h for h in hits if h.customer_id not in pinned
                ]
            problem = ""
            from cxdesk.screens.cautions import protected_in_search, search_cautions

            cautions = search_cautions(self.desk, hits)
            protected = protected_in_search(self.desk, query, hits)
        except CxDeskError as exc:
            hits, problem, cautions, protected = [], exc.message, {}, None
        if not worker.is_cancelled:
            self.post_message(self._Results(query, hits, problem, cautions, protected))

    @on(_Results)
    def _show_results(self, message: _Results) -> None:
        if message.query != self.query_one("#customer-search", Input).value:
            return  # a newer search is on its way
        cautions, protected = message.cautions or {}, message.protected
        held = {h.customer_id for h in protected.hidden} - self.revealed if protected else set()
        self.held_back = [h for h in message.hits if h.customer_id in held]
        self.hits = [h for h in message.hits if h.customer_id not in held]
        hide_area = protected.ids if protected else set()
        self.query_one("#customer-results", FitTable).set_rows(
            [
                (
                    hit.customer_id,
                    [
                        cautions.get(hit.customer_id) or safe(hit.name),
                        str(hit.birth_year),
                        "protected" if hit.customer_id in hide_area else safe(hit.district),
                        f"{hit.score:.0f}",
                    ],
                )
                for hit in self.hits
            ]
        )
        status = self.query_one("#customer-status", Static)
        if message.problem:
            status.update(safe(message.problem))
        elif message.query == self.central_query and self.central_words:
            status.update(safe(self.central_words))
        elif not message.query.strip():
            status.update("Type to search. Ctrl+N registers a new customer.")
        elif not message.hits:
            # A desk holds only its location's residents (DESIGN.md, "Who receives what").
            status.update(
                "No customer found among this location's residents. Check the spelling, "
                "Ctrl+G to search all locations, or Ctrl+N to register."
            )
        else:
            count = len(self.hits)
            status.update(f"{count} found. Enter opens the highlighted record.")
        if self.held_back:
            status.update(
                f"{len(self.hits)} found; {len(self.held_back)} with a protected address held "
                "back (this search names where they live). Ctrl+R shows them with a reason."
            )

    def action_search_central(self) -> None:
        """Ctrl+G: ask the central API for the resident typed, with a reason."""
        from cxdesk.screens.form_modal import FormField, FormModal
        from cxdesk.sync import central_search as central

        query = self.query_one("#customer-search", Input).value
        sync = self.desk.sync
        if sync is None:
            self._say(query, central.NO_CENTRAL)
            return
        if sync.status.online is False:  # the last try failed: do not ask for a reason
            self._say(query, central.OFFLINE)
            return
        try:
            wanted = central.wanted_from_search(query)
        except CxDeskError as exc:
            self._say(query, exc.message)
            return

        def ask(values: dict[str, str]):
            return central.ask_central(
                self.app, self.desk.sync, central.make_ask(wanted, values["reason"])
            )

        def answered(answer) -> None:
            if answer is not None:
                self._central_answer(query, wanted, [m.customer_id for m in answer.matches])

        intro = (
            f"Asks the central API for {wanted.words()}. A match is recorded as viewed "
            "here, with your reason, and its record is fetched to this desk."
        )
        fields = [FormField("reason", "Why do you need the record? (recorded)", "the reason")]
        self.app.push_screen(FormModal("Search all locations", fields, ask, intro=intro), answered)

    @work(exclusive=True, exit_on_error=False, group="central-search")
    async def _central_answer(self, query: str, wanted, ids: list[str]) -> None:
        """Say what was found, sync until the records are here, then list them first."""
        import asyncio

        from cxdesk.sync import central_search as central

        def held() -> set[str]:
            return {h.customer_id for h in hits_by_id(self.desk.store, ids)}

        if not ids:
            self.post_message(self._CentralNews(query, central.none_words(wanted), ids))
            return
        here = await asyncio.to_thread(held)
        new = len(ids) - len(here)
        self.post_message(self._CentralNews(query, central.found_words(new, len(here)), ids))
        sync = self.desk.sync
        if not new or sync is None:
            return
        for _ in range(FETCH_ROUNDS):
            await sync.sync_and_wait(timeout=FETCH_WAIT_SECONDS)
            here = await asyncio.to_thread(held)
            if len(here) == len(ids):
                break
        missing = len(ids) - len(here)
        self.post_message(self._CentralNews(query, central.fetched_words(new, missing), ids))

    def _say(self, query: str, words: str, ids: list[str] | None = None) -> None:
        """Words about a central search, kept on the status line while ``query`` is typed."""
        self.central_query, self.central_ids, self.central_words = query, ids or [], words
        self.query_one("#customer-status", Static).update(safe(words))

    @on(_CentralNews)
    def _show_central_news(self, message: _CentralNews) -> None:
        if message.query != self.query_one("#customer-search", Input).value:
            return  # the advisor has moved on; the records are held all the same
        self._say(message.query, message.words, message.ids)
        self._search(message.query)  # lists what is held of them now, with these words

    def action_reveal_protected(self) -> None:
        from cxdesk.screens.cautions import reveal_hidden

        def shown(hits) -> None:
            self.revealed |= {hit.customer_id for hit in hits}
            self._search(self.query_one("#customer-search", Input).value)

        reveal_hidden(self, self.held_back, shown)

    def action_move(self, step: int) -> None:
        table = self.query_one("#customer-results", DataTable)
        if table.row_count:
            table.move_cursor(row=max(0, min(table.row_count - 1, table.cursor_row + step)))

    def action_open_customer(self) -> None:
        table = self.query_one("#customer-results", DataTable)
        if not self.hits or table.cursor_row >= len(self.hits):
            self.notify("Search for a customer first.", timeout=3)
            return
        from cxdesk.screens.customer_view import CustomerViewScreen

        self.app.push_screen(CustomerViewScreen(self.hits[table.cursor_row].customer_id))

    def action_new_customer(self) -> None:
        from cxdesk.domain.customers import parse_search
        from cxdesk.screens.customer_form import CustomerFormScreen

        prefill: dict = {}
        try:
            terms = parse_search(self.query_one("#customer-search", Input).value)
        except CxDeskError:
            terms = None
        if terms is not None:
            words = terms.names.split()
            if words:
                prefill["given_name"] = " ".join(words[:-1]) or words[0]
                prefill["family_name"] = words[-1] if len(words) > 1 else ""
            if terms.date_of_birth:
                y, m, d = terms.date_of_birth.split("-")
                prefill["date_of_birth"] = f"{d}/{m}/{y}"
            prefill["postcode"] = terms.postcode or ""
        self.app.push_screen(CustomerFormScreen(prefill=prefill))

    def action_clear_search(self) -> None:
        self.query_one("#customer-search", Input).value = ""
