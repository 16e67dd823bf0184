"""One customer's record: their details, then everything that happened, newest first.

Opening this screen records ``CustomerRecordViewed`` (who, which customer,
when, from where) before anything is shown, so "who looked at my record" always
has an answer. The history is the generic customer timeline: referrals and
their steps, vouchers, cards, crisis flags, notes and changes, from every
location, with who did it, where and when. Record views are hidden from the
history unless asked for (V), so they do not drown it.

Keys: R raise a referral, E change details, N add a note, X void an issue, Enter open the
highlighted referral, V show or hide record views. Crisis support adds its
actions in the marked place in ``BINDINGS``.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import datetime

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.message import Message
from textual.widgets import DataTable, Static

from cxdesk.domain.safe_text import safe, safe_text
from cxdesk.domain.ukcontact import format_phone_national
from cxdesk.events import FRONTLINE
from cxdesk.events.customers import NOTE_MAX
from cxdesk.screens.base import DeskScreen
from cxdesk.screens.customer_dialogs import MovePrompt, TextPrompt
from cxdesk.store import customer_commands, customer_queries, referral_queries
from cxdesk.widgets.history_table import HistoryTable


class CustomerViewScreen(DeskScreen):
    """A customer's details and whole history."""

    PALETTE_CATEGORY = "customer"
    BINDINGS = [
        Binding("r", "raise_referral", "Refer", id="raise-referral"),
        Binding("e", "edit_customer", "Edit", id="edit-customer"),
        Binding("n", "add_note", "Note", id="customer-note"),
        Binding("enter", "open_line", "Open referral", id="open-history-line"),
        Binding("v", "toggle_views", "Views", id="toggle-views"),
        Binding("escape", "back", "Back", id="customer-view-back"),
        Binding("d", "digital_exclusion", "Online", show=False, id="digital-exclusion"),
        Binding("o", "move_customer", "Moved away", show=False, id="move-customer"),
        # --- crisis support actions: "issue voucher", "issue card", "flag crisis" ---
        # (added here by crisis support; keys i, c and f are kept free for them)
        Binding("i", "issue('food_voucher')", "Voucher", id="issue-voucher"),
        Binding("c", "issue('payment_card')", "Card", id="issue-card"),
        Binding("f", "flag_crisis", "Crisis", id="flag-crisis"),
        Binding("x", "void_issue", "Void issue", id="void-issue"),
        # --- end of crisis support actions ---
        # --- cautionary register (screens/cautions.py): detail, propose, protected address ---
        Binding("k", "caution_detail", "Caution", show=False, id="caution-detail"),
        Binding("m", "propose_marker", "Marker", show=False, id="propose-marker"),
        Binding("a", "reveal_address", "Address", show=False, id="reveal-address"),
        Binding("p", "protect_address", "Protect", show=False, id="protect-address"),
    ]
    DEFAULT_CSS = """
    CustomerViewScreen #customer-details { height: auto; max-height: 8; padding: 0 1; }
    CustomerViewScreen #customer-history { height: 1fr; }
    CustomerViewScreen #customer-digital { height: auto; padding: 0 1; display: none; }
    """

    @dataclass
    class _Loaded(Message):
        customer: customer_queries.CustomerRecord | None
        history: list
        views: int
        protected_route: str | None = None

    def __init__(self, customer_id: str) -> None:
        super().__init__()
        self.customer_id = customer_id
        self.customer: customer_queries.CustomerRecord | None = None
        self.protected_route: str | None = None
        """How a resident with a protected address is contacted (the address is not shown)."""
        self.history: list = []
        self.show_views = False
        self._viewed = False
        self._wrapped = False  # a wrap-up (or a reason for none) was recorded on this visit
        self._referrals_seen: set[str] | None = None
        self._may_wrap = False  # this desk has the council's contact reasons (after a sync)

    def compose_body(self) -> ComposeResult:
        from cxdesk.screens.cautions import CautionBanner

        yield CautionBanner("K", id="caution-banner")
        yield Static("Opening the record…", id="customer-details", markup=False)
        yield Static("", id="customer-digital")
        yield HistoryTable(id="customer-history")

    def on_mount(self) -> None:
        self.query_one("#customer-history", HistoryTable).focus()

    def on_screen_resume(self) -> None:
        self._load()
        self._look_for_new_referral()
        self._load_digital()

    @work(thread=True, exclusive=True, exit_on_error=False, group="customer-view")
    def _load(self) -> None:
        store = self.desk.store
        if not self._viewed:
            customer_commands.record_view(store, self.desk.session, self.customer_id)
            self._viewed = True
        customer = customer_queries.get_customer(store, self.customer_id)
        route = None
        if customer is not None:
            from cxdesk.store.caution_queries import protection_of

            route = protection_of(store, self.customer_id)
        history = customer_queries.customer_history(
            store, self.customer_id, include_views=self.show_views
        )
        views = customer_queries.view_count(store, self.customer_id)
        self.post_message(self._Loaded(customer, history, views, route))

    @on(_Loaded)
    def _show_loaded(self, message: _Loaded) -> None:
        self.customer, self.history = message.customer, message.history
        self.protected_route = message.protected_route
        details = self.query_one("#customer-details", Static)
        if message.customer is None:
            details.update("This customer is not on this desk.")
            return
        details.update(self.describe(message.customer, message.views, message.protected_route))
        from cxdesk.screens.cautions import CautionBanner

        self.query_one("#caution-banner", CautionBanner).load(self.customer_id)
        table = self.query_one("#customer-history", HistoryTable)
        table.clear()
        for line in message.history:
            table.add_event(
                line.at_ms, line.summary, line.actor_name, line.location, key=line.event_id
            )
        from cxdesk.tasks import take_pending

        task = take_pending(self.desk)  # chosen from the palette before the resident was found
        if task is not None and task.record_action:
            self.call_later(self.run_action, task.record_action)

    @staticmethod
    def describe(
        record: customer_queries.CustomerRecord, views: int, protected_route: str | None = None
    ) -> Text:
        """The record as a few dense lines, most-needed first; every value made safe to show."""
        s = safe_text
        born = datetime.strptime(s(record.date_of_birth), "%Y-%m-%d").strftime("%d/%m/%Y")
        phone = format_phone_national(s(record.phone)) if record.phone else "no phone"
        email = s(record.email) or ("no email" if record.no_email else "email not recorded")
        lang = s(record.language) + (" (interpreter needed)" if record.interpreter_needed else "")
        times = f", {s(record.contact_times)}" if record.contact_times else ""
        contact = s(record.preferred_contact) + times
        lines = [
            f"{s(record.given_name)} {s(record.family_name).upper()}  born {born}"
            + (f"  ref {s(record.council_reference)}" if record.council_reference else ""),
            f"{s(record.address.replace(chr(10), ', '))}, {s(record.postcode)}"
            if not protected_route
            else f"Address protected: contact by {s(protected_route)} only (A shows it)",
            f"{phone} · {email} · prefers {contact}",
            f"Language: {lang}"
            + (f" · Access: {s(record.accessibility_needs)}" if record.accessibility_needs else ""),
        ]
        if record.vulnerability_flags:
            lines.append("Flags: " + ", ".join(s(flag) for flag in record.vulnerability_flags))
        registered = s(record.registered_location_name or record.registered_location)
        lines.append(f"Registered at {registered} · record opened {views} time(s)")
        return Text("\n".join(lines))

    # -- actions --------------------------------------------------------------
    def action_raise_referral(self) -> None:
        if self.customer is None:
            return
        from cxdesk.screens.referral_form import ReferralFormScreen

        self.app.push_screen(ReferralFormScreen(self.customer))

    def action_edit_customer(self) -> None:
        if self.customer is None:
            return
        from cxdesk.screens.customer_form import CustomerFormScreen

        # An Input shows its value raw: stored text goes in made safe (one line each).
        record = dataclasses.asdict(self.customer)  # the form's fields carry the same names
        c = {k: safe_text(v) if isinstance(v, str) else v for k, v in record.items()}
        c["date_of_birth"] = datetime.strptime(c["date_of_birth"], "%Y-%m-%d").strftime("%d/%m/%Y")
        c["phone"] = format_phone_national(c["phone"]) if c["phone"] else ""
        c["vulnerability_flags"] = safe_text(", ".join(c["vulnerability_flags"]))
        self.app.push_screen(CustomerFormScreen(self.customer_id, prefill=c))

    def action_add_note(self) -> None:
        def save(note: str | None) -> None:
            if note:
                self._save_note(note)

        self.app.push_screen(
            TextPrompt("Note on the customer's record", "Note:", max_length=NOTE_MAX), save
        )

    @work(thread=True, exclusive=True, exit_on_error=False, group="customer-view-write")
    def _save_note(self, note: str) -> None:
        customer_commands.add_customer_note(
            self.desk.store, self.desk.session, self.customer_id, note
        )
        self._load()

    def action_move_customer(self) -> None:
        if self.customer is not None:
            self._ask_move()

    @work(thread=True, exclusive=True, exit_on_error=False, group="customer-view-move")
    def _ask_move(self) -> None:
        places = customer_queries.other_locations(self.desk.store, self.signed_in.location)

        def chosen(answer: tuple[str, str] | None) -> None:
            if answer is not None:
                self._save_move(*answer)

        screen = MovePrompt(self._display_name(), places)
        self.app.call_from_thread(self.app.push_screen, screen, chosen)

    @work(thread=True, exclusive=True, exit_on_error=False, group="customer-view-write")
    def _save_move(self, place: str, reason: str) -> None:
        name = customer_commands.move_customer(
            self.desk.store, self.desk.session, self.customer_id, place, reason
        )
        self.app.call_from_thread(
            self.app.notify,
            f"Recorded: {self._display_name()} now belongs to {name}. It receives the record "
            "with the next sync.",
            timeout=8,
        )
        self._load()

    @on(DataTable.RowSelected, "#customer-history")
    def _row_selected(self) -> None:
        self.action_open_line()

    def action_open_line(self) -> None:
        table = self.query_one("#customer-history", DataTable)
        if not self.history or table.cursor_row >= len(self.history):
            return
        self._open_referral(self.history[table.cursor_row].event_id)

    @work(thread=True, exclusive=True, exit_on_error=False, group="customer-view-open")
    def _open_referral(self, event_id: str) -> None:
        from cxdesk.screens.referral_view import ReferralViewScreen

        referral_id = referral_queries.referral_of_event(self.desk.store, event_id)
        if referral_id is None:
            self.app.call_from_thread(self.notify, "That line is not a referral.", timeout=3)
            return
        self.app.call_from_thread(self.app.push_screen, ReferralViewScreen(referral_id))

    def action_toggle_views(self) -> None:
        self.show_views = not self.show_views
        self.notify("Showing record views." if self.show_views else "Record views hidden.")
        self._load()

    def action_back(self) -> None:
        session = self.desk.session
        if (
            not self._may_wrap
            or self._wrapped
            or self.customer is None
            or session is None
            or (session.role not in FRONTLINE)
        ):
            self.app.pop_screen()
            return
        self.offer_wrap_up(leaving=True)

    # -- digital exclusion: why this resident cannot use online services ------------------
    @work(thread=True, exclusive=True, exit_on_error=False, group="customer-view-digital")
    def _load_digital(self) -> None:
        from cxdesk.store.contact_queries import digital_exclusion

        reasons = digital_exclusion(self.desk.store, self.customer_id)
        self.app.call_from_thread(self._show_digital, reasons)

    def _show_digital(self, reasons: list[str]) -> None:
        from cxdesk.screens.digital_exclusion import describe

        self.digital_reasons = reasons
        line = self.query_one("#customer-digital", Static)
        line.update(safe(describe(reasons)))
        line.display = bool(reasons)

    def action_digital_exclusion(self) -> None:
        from cxdesk.screens.digital_exclusion import DigitalExclusionScreen

        if self.customer is not None:
            current = getattr(self, "digital_reasons", [])
            screen = DigitalExclusionScreen(self.customer_id, self._display_name(), current)
            self.app.push_screen(screen, self._digital_saved)

    def _digital_saved(self, saved: list[str] | None) -> None:
        if saved is not None:
            self._load_digital()

    # -- the contact's wrap-up: after an issue or a referral, and on leaving ------------
    def wrapped_up(self, answer) -> None:
        if answer is not None:
            self._wrapped = True

    def offer_wrap_up(self, *, leaving: bool = False, referral_id: str | None = None) -> None:
        """Offer the wrap-up; when ``leaving``, Escape needs a reason and the record closes."""
        from cxdesk.screens.wrap_up import WrapUpScreen

        def answered(answer) -> None:
            self.wrapped_up(answer)
            if leaving and answer is not None:
                self.app.pop_screen()

        screen = WrapUpScreen(
            self.customer_id, self._display_name(), offered=leaving, referral_id=referral_id
        )
        self.app.push_screen(screen, answered)

    @work(thread=True, exclusive=True, exit_on_error=False, group="customer-view-referral")
    def _look_for_new_referral(self) -> None:
        """A referral this person raised here since the record opened: offer its wrap-up."""
        from cxdesk.store.contact_queries import has_reasons, referrals_by

        may_wrap = has_reasons(self.desk.store)
        self.app.call_from_thread(setattr, self, "_may_wrap", may_wrap)
        found = referrals_by(self.desk.store, self.customer_id, self.signed_in.staff_id)
        if self._referrals_seen is None:
            self._referrals_seen = set(found)
            return
        new = [r for r in found if r not in self._referrals_seen]
        self._referrals_seen.update(found)
        if new and may_wrap and not self._wrapped:
            self.app.call_from_thread(self.offer_wrap_up, referral_id=new[0])

    # -- cautionary register ------------------------------------------------------
    def action_caution_detail(self) -> None:
        from cxdesk.screens.cautions import CautionBanner, open_detail

        open_detail(self, self.query_one("#caution-banner", CautionBanner).lines)

    def action_propose_marker(self) -> None:
        from cxdesk.screens.cautions import propose_form

        if self.customer is not None:
            propose_form(self, self.customer, self._load)

    def action_reveal_address(self) -> None:
        from cxdesk.screens.cautions import reveal_form

        if self.customer is not None and self.protected_route:
            reveal_form(self, self.customer_id)

    def action_protect_address(self) -> None:
        from cxdesk.screens.cautions import protect_form

        if self.customer is not None:
            protect_form(self, self.customer_id, self._load)

    # -- crisis support: issue a voucher or card, flag a crisis --------------------
    def _display_name(self) -> str:
        c = self.customer
        name = f"{c.given_name} {c.family_name}".strip() if c is not None else ""
        return safe_text(name) or "this customer"

    def _reload_if(self, changed: object) -> None:
        """A dialog's answer: anything but None or False means the record changed."""
        if changed:
            self._load()

    def action_issue(self, kind: str) -> None:
        from cxdesk.screens.issue_item import IssueScreen

        if self.customer is not None:
            self.app.push_screen(
                IssueScreen(kind, self.customer_id, self._display_name()),
                self._issued,
            )

    def _issued(self, done) -> None:
        if done:
            self._load()
            if self._may_wrap and not self._wrapped:
                self.offer_wrap_up()  # Escape here is "later": leaving the record asks again

    def action_void_issue(self) -> None:
        """Void a voucher or card handed over by mistake; nothing is deleted."""
        from cxdesk.screens.form_modal import FormField, FormModal
        from cxdesk.store import issue_commands

        if self.customer is None:
            return
        session, customer_id = self.signed_in, self.customer_id

        def void(values: dict[str, str]):
            return issue_commands.void_customer_issue(
                self.desk.store,
                actor=session.staff_id,
                role=session.role,
                customer_id=customer_id,
                serial_text=values["serial"],
                reason=values["reason"],
                item=values["item"],
            )

        fields = [
            FormField("serial", "Serial of the voucher or card", "e.g. FV001003"),
            FormField("reason", "Why it is voided", "e.g. wrong serial typed"),
            FormField("item", "Item back in the drawer (B) or spoiled (S)?", "B or S"),
        ]
        form = FormModal(f"Void an issue to {self._display_name()}", fields, void)
        self.app.push_screen(form, lambda event: event and self._voided(event))

    def _voided(self, event) -> None:
        self.app.notify(
            f"Voided: {safe_text(event.payload['serial'])}. It stays in the log.",
            timeout=4,
            markup=False,
        )
        self._load()

    def action_flag_crisis(self) -> None:
        from cxdesk.screens.crisis_flag import CrisisFlagScreen

        if self.customer is not None:
            self.app.push_screen(
                CrisisFlagScreen(self.customer_id, self._display_name()),
                self._reload_if,
            )
