"""The cautionary contact register on screen: the banner, the detail behind it, proposals.

- ``CautionBanner`` is the warning on a resident's record (and on a referral):
  one line per live marker on the person or their address, the precaution
  only, drawn as safe ``Text``; hidden when there is none.
- ``open_detail`` asks why the detail is needed (a ``FormModal``), records the
  view (``caution_commands.view_detail``) and only then shows the detail.
- ``propose_form`` is a supervisor's proposal on a resident, their address or both.
- ``CautionsScreen`` is the supervisors' list: proposals waiting for a second
  supervisor (A approves) and reviews overdue (K keeps, D removes, with a reason).

Nothing here reaches letters or slips: they are built elsewhere and never read
the register.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import DataTable, Static

from cxdesk.desk_app import Desk, OnDesk
from cxdesk.domain.cautions import CATEGORIES, SUPERVISOR_ROLES, MarkerLine
from cxdesk.domain.safe_text import safe, safe_text
from cxdesk.domain.validation import london_today, parse_date
from cxdesk.errors import ValidationError
from cxdesk.screens.base import DeskScreen
from cxdesk.screens.form_modal import FormField, FormModal
from cxdesk.store import caution_commands as cmd
from cxdesk.store import caution_queries as q
from cxdesk.widgets.fit_table import Column, FitTable, RowDetail

if TYPE_CHECKING:
    from cxdesk.store.customer_queries import CustomerRecord


def today() -> date:
    return london_today()


def banner_text(lines: list[MarkerLine]) -> Text:
    """The markers as lines of safe text (the precaution came from a colleague's typing)."""
    text = Text()
    for i, line in enumerate(lines):
        if i:
            text.append("\n")
        text.append(safe_text(line.line()))
    return text


class CautionBanner(OnDesk, Static):
    """The live markers on a resident or their address; empty (and hidden) when none."""

    DEFAULT_CSS = """
    CautionBanner { height: auto; max-height: 3; padding: 0 1; background: $error 30%;
        text-style: bold; display: none; }
    CautionBanner.-shown { display: block; }
    """

    @dataclass
    class Loaded(Message):
        lines: list[MarkerLine]

    def __init__(self, detail_key: str = "", **kwargs) -> None:
        super().__init__("", markup=False, **kwargs)
        self.lines: list[MarkerLine] = []
        self.detail_key = detail_key
        """The screen's key that opens the detail, named on the banner ("" if none)."""

    @work(thread=True, exclusive=True, exit_on_error=False, group="caution-banner")
    def load(self, customer_id: str) -> None:
        """The markers on the resident and on the address their record holds now."""
        session = self.desk.session
        found = q.markers_for_customers(
            self.desk.store,
            [customer_id],
            role=session.role if session else "advisor",
            today=today(),
        )
        self.post_message(self.Loaded(found.get(customer_id, [])))

    @on(Loaded)
    def _show_loaded(self, message: Loaded) -> None:
        message.stop()
        self.lines = message.lines
        text = banner_text(message.lines)
        if message.lines and self.detail_key:
            text.append(f"  ({self.detail_key}: detail)")
        self.update(text)
        self.set_class(bool(message.lines), "-shown")


class MarkerDetailModal(OnDesk, ModalScreen[None]):
    """The detail behind a marker, shown once its view was recorded. Escape closes."""

    DEFAULT_CSS = """
    MarkerDetailModal { align: center middle; }
    MarkerDetailModal > Static { width: 70; max-width: 100%; height: auto; max-height: 20;
        border: round $error; padding: 0 1; background: $surface; }
    """
    BINDINGS = [Binding("escape", "close", "Close", id="marker-detail-close")]

    def __init__(self, detail: cmd.MarkerDetail) -> None:
        super().__init__()
        self.detail = detail

    def compose(self) -> ComposeResult:
        d = self.detail
        text = Text()
        text.append(f"{CATEGORIES.get(d.category, d.category)}: ", style="bold")
        text.append(safe_text(d.precaution))
        text.append("\n\n")
        text.append(safe(d.detail, multiline=True))
        text.append(
            f"\n\nEvidence: {safe_text(d.evidence_ref) or 'none given'} · proposed by "
            f"{safe_text(d.proposed_by)}, approved by {safe_text(d.approved_by or 'nobody yet')}"
            f" · review by {d.review_due}\nEscape closes. This view was recorded."
        )
        yield Static(text, markup=False)

    def action_close(self) -> None:
        self.dismiss(None)


def open_detail(screen: OnDesk, lines: list[MarkerLine]) -> None:
    """Ask why, record the view, then show the detail of the first marker (or the only one)."""
    if not lines:
        screen.app.notify("No cautionary marker here.", timeout=3)
        return
    app, desk, marker = screen.app, screen.desk, lines[0]
    session = screen.signed_in

    def view(values: dict[str, str]) -> cmd.MarkerDetail:
        return cmd.view_detail(desk.store, session, marker.marker_id, values["reason"])

    form = FormModal(
        "Why do you need the detail behind this marker?",
        [FormField("reason", "Reason (recorded)", "e.g. booking a home visit")],
        view,
        intro=marker.line(),
    )

    def show(detail: cmd.MarkerDetail | None) -> None:
        if detail:
            app.push_screen(MarkerDetailModal(detail))

    app.push_screen(form, show)


def _category(value: str) -> str:
    value = value.strip().lower()
    for code, words in CATEGORIES.items():
        if value in (code, words.lower()) or (value and words.lower().startswith(value)):
            return code
    raise ValidationError(
        "Category: violence, verbal, weapons, animals, lone worker or other.", field="category"
    )


def propose_form(screen: OnDesk, customer: CustomerRecord, on_done=None) -> None:
    """A supervisor proposes a marker on this resident (P), their address (A) or both (B)."""
    app, desk, session = screen.app, screen.desk, screen.desk.session
    if session is None or session.role not in SUPERVISOR_ROLES:
        screen.app.notify("Only a supervisor can propose a cautionary marker.", timeout=4)
        return

    def propose(values: dict[str, str]) -> str:
        on = values["on"].strip().upper()[:1]
        if on not in ("P", "A", "B"):
            raise ValidationError("P (person), A (address) or B (both).", field="on")
        review = values["review_due"].strip()
        due = parse_date(review, field="review_due") if review else None
        return cmd.propose_marker(
            desk.store,
            session,
            customer_id=customer.customer_id if on in "PB" else None,
            address=customer.address if on in "AB" else "",
            postcode=customer.postcode if on in "AB" else "",
            category=_category(values["category"]),
            precaution=values["precaution"],
            detail=values["detail"],
            evidence_ref=values["evidence_ref"],
            review_due=due,
        )

    fields = [
        FormField("on", "On the person (P), the address (A) or both (B)?", "P, A or B"),
        FormField("category", "Category", "violence, verbal, weapons, animals, lone worker, other"),
        FormField("precaution", "Precaution shown to everyone", "e.g. Do not visit alone"),
        FormField("detail", "What happened (shown only with a reason)", "the detail"),
        FormField("evidence_ref", "Evidence reference", "e.g. incident INC-1234"),
        FormField("review_due", "Review by (blank: in 12 months)", "dd/mm/yyyy"),
    ]

    def done(marker_id) -> None:
        if marker_id:
            screen.app.notify("Marker proposed: a second supervisor must approve it.", timeout=5)
            if on_done:
                on_done()

    app.push_screen(FormModal("Propose a cautionary marker", fields, propose), done)


MARKER_COLUMNS = (
    Column("state", "State"),
    Column("category", "Category"),
    Column("precaution", "Precaution", flex=True, min_width=20),
    Column("due", "Review by", rank=1),
    Column("by", "Proposed by", rank=2),
)


class CautionsScreen(DeskScreen):
    """Supervisors: markers waiting for approval, and reviews overdue."""

    PALETTE_CATEGORY = "supervisor"
    BINDINGS = [
        Binding("a", "approve", "Approve", id="caution-approve"),
        Binding("k", "review('keep')", "Keep", id="caution-keep"),
        Binding("d", "review('remove')", "Remove", id="caution-remove"),
        Binding("enter", "detail", "Detail", id="caution-detail"),
        Binding("escape", "back", "Back", id="cautions-back"),
    ]

    @dataclass
    class _Loaded(Message):
        rows: list[q.MarkerRow]

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[q.MarkerRow] = []

    def compose_body(self) -> ComposeResult:
        yield Static(
            "Cautionary markers: waiting for approval, and reviews overdue", id="cautions-title"
        )
        yield FitTable(MARKER_COLUMNS, id="cautions-table")
        yield RowDetail(id="cautions-detail")
        yield Static("", id="cautions-status", markup=False)

    def on_screen_resume(self) -> None:
        self._load()

    def on_mount(self) -> None:
        self.query_one("#cautions-table").focus()

    @work(thread=True, exclusive=True, exit_on_error=False, group="cautions-load")
    def _load(self) -> None:
        store = self.desk.store
        self.post_message(self._Loaded(q.waiting_approval(store) + q.reviews_due(store, today())))

    @on(_Loaded)
    def _show_loaded(self, message: _Loaded) -> None:
        self.rows = message.rows
        self.query_one("#cautions-table", FitTable).set_rows(
            [
                (
                    r.marker_id,
                    [
                        "approve" if r.status == "proposed" else "review overdue",
                        CATEGORIES.get(r.category, r.category),
                        safe(r.precaution),
                        r.review_due.strftime("%d/%m/%Y"),
                        safe(r.proposed_by),
                    ],
                )
                for r in message.rows
            ]
        )
        self.query_one("#cautions-status", Static).update(
            f"{len(message.rows)} marker(s). A approves, K keeps, D removes, Enter detail."
            if message.rows
            else "Nothing waiting: no proposals and no overdue reviews."
        )

    def _current(self) -> q.MarkerRow | None:
        table = self.query_one("#cautions-table", DataTable)
        if not self.rows or table.cursor_row >= len(self.rows):
            self.notify("No marker chosen.", timeout=3)
            return None
        return self.rows[table.cursor_row]

    def action_approve(self) -> None:
        if (row := self._current()) is not None:
            self._approve(row.marker_id)

    @work(thread=True, exclusive=True, exit_on_error=False, group="cautions-write")
    def _approve(self, marker_id: str) -> None:
        cmd.approve_marker(self.desk.store, self.desk.session, marker_id)
        self.app.call_from_thread(self.notify, "Approved: the marker is now shown.", timeout=4)
        self._load()

    def action_review(self, outcome: str) -> None:
        row = self._current()
        if row is None:
            return
        desk, session = self.desk, self.signed_in

        def review(values: dict[str, str]):
            review = values.get("review_due", "").strip()
            due = parse_date(review, field="review_due") if review else None
            return cmd.review_marker(
                desk.store,
                session,
                row.marker_id,
                outcome=outcome,
                reason=values["reason"],
                review_due=due,
            )

        fields = [FormField("reason", "Reason (recorded)", "why it is kept or removed")]
        if outcome == "keep":
            fields.append(FormField("review_due", "Next review (blank: 12 months)", "dd/mm/yyyy"))
        title = "Keep this marker" if outcome == "keep" else "Remove this marker"
        self.app.push_screen(FormModal(title, fields, review), self._reload_if)

    def _reload_if(self, done: object) -> None:
        if done:
            self._load()

    def action_detail(self) -> None:
        if (row := self._current()) is not None:
            line = MarkerLine(
                row.marker_id,
                "person" if row.customer_id else "address",
                row.category,
                row.precaution,
                row.review_due,
                "",
            )
            open_detail(self, [line])

    def action_back(self) -> None:
        self.app.pop_screen()


def reveal_form(screen: OnDesk, customer_id: str) -> None:
    """A protected address is shown only with a reason, which is recorded first."""
    app, desk, session = screen.app, screen.desk, screen.signed_in

    def reveal(values: dict[str, str]) -> str:
        return cmd.reveal_address(desk.store, session, customer_id, values["reason"])

    def shown(address) -> None:
        if address:
            app.notify(f"Protected address: {safe_text(address)}", timeout=10, markup=False)

    fields = [FormField("reason", "Why do you need the address? (recorded)", "the reason")]
    app.push_screen(FormModal("Show a protected address", fields, reveal), shown)


def protect_form(screen: OnDesk, customer_id: str, on_done=None) -> None:
    """Protect a resident's address (fleeing abuse): the route to use instead, and why."""
    app, desk, session = screen.app, screen.desk, screen.signed_in

    def protect(values: dict[str, str]):
        return cmd.protect_address(
            desk.store,
            session,
            customer_id,
            route=values["route"].strip().lower(),
            reason=values["reason"],
        )

    fields = [
        FormField("route", "Contact only by", "phone, text, email, letter or in person"),
        FormField("reason", "Why (recorded)", "e.g. fleeing domestic abuse"),
    ]

    def done(event) -> None:
        if event and on_done:
            on_done()

    app.push_screen(FormModal("Protect this resident's address", fields, protect), done)


def marked_names(desk: Desk, people: list[tuple[str, str]]) -> dict[str, Text]:
    """The name cell of each marked resident in a list (search rows, a team's queue):
    "⚠ name · precaution"; RowDetail shows it whole. ``people`` are (customer id, name);
    runs in the list's worker."""
    session = desk.session
    found = q.markers_for_customers(
        desk.store,
        sorted({cid for cid, _ in people if cid}),
        role=session.role if session else "advisor",
        today=today(),
    )
    return {
        cid: safe(f"⚠ {name} · {found[cid][0].precaution}") for cid, name in people if cid in found
    }


def search_cautions(desk: Desk, hits) -> dict[str, Text]:
    return marked_names(desk, [(hit.customer_id, hit.name) for hit in hits])


@dataclass
class Protected:
    """What a customer search must hide of residents whose address is protected."""

    ids: set[str]
    """Every protected resident among the hits: their district is not shown."""
    hidden: list
    """Hits found only because the search named where they live (postcode or district):
    left out until someone gives a reason (Ctrl+R)."""


def protected_in_search(desk: Desk, query: str, hits) -> Protected:
    """Runs in the search worker. A search by postcode or district that finds a protected
    resident would reveal where they live, so those hits are held back."""
    from cxdesk.domain.customers import parse_search

    ids = q.protected_among(desk.store, [hit.customer_id for hit in hits])
    if not ids:
        return Protected(set(), [])
    try:
        terms = parse_search(query)
    except ValidationError:
        terms = None
    by_place = terms is not None and bool(terms.postcode or terms.district)
    hidden = [hit for hit in hits if hit.customer_id in ids] if by_place else []
    return Protected(ids, hidden)


def reveal_hidden(screen: OnDesk, hidden: list, on_done) -> None:
    """Ctrl+R on a search: one reason, recorded for each resident it shows, then shown."""
    app, desk, session = screen.app, screen.desk, screen.signed_in
    if not hidden:
        screen.app.notify("Nothing is held back in this search.", timeout=3)
        return

    def reveal(values: dict[str, str]) -> list:
        for hit in hidden:
            cmd.reveal_address(desk.store, session, hit.customer_id, values["reason"])
        return hidden

    fields = [FormField("reason", "Why does this search need them? (recorded)", "the reason")]
    title = f"Show {len(hidden)} resident(s) with a protected address"
    app.push_screen(FormModal(title, fields, reveal), lambda shown: shown and on_done(shown))
