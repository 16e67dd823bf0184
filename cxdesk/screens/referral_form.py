"""Raise a referral from a customer's record: their story, once, to the team that can help.

The advisor picks the team (any directory entry or a hub), the reason, the
urgency, types the story in the customer's words and what they have already
been told, and records consent: given or refused, and how. Without consent the
record is saved as "advice given" and goes to no team.

Before raising, the desk looks for an open referral for this customer to the
same team; if there is one it is shown and the advisor can add the story to it
as a note instead. After raising, the customer's confirmation (reference,
team, when and how they will be contacted, what they must do, the number to
call) is shown and saved to a file whose path is on screen.

The whole form fits one 80x24 screen: one line per field with its label
beside it (the focused field's label in reverse, readable without colour),
dropdowns that take typed letters and start on the usual answer (standard
urgency, consent in person), a story box seven lines tall, and each error
under its field until that field is changed. Consent has no default and its
list opens on its prompt, so no stray Down-Enter can record a refusal (or a
consent) the resident never gave.

The open-referral check runs as soon as the team is chosen, and says so on a
line under the title before the story is typed. Escape with something typed
asks first, and an accidental close keeps a draft (``DraftGuard``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.message import Message
from textual.widget import Widget
from textual.widgets import Input, Label, Select, Static, TextArea

from cxdesk.domain.customers import FormErrors
from cxdesk.domain.referrals import CONSENT_METHODS, REASON_CATEGORIES, URGENCIES, clean_referral
from cxdesk.domain.safe_text import safe, safe_text
from cxdesk.errors import CxDeskError
from cxdesk.screens.base import DeskScreen
from cxdesk.screens.customer_dialogs import DuplicateReferralDialog
from cxdesk.screens.discard import DraftGuard
from cxdesk.store import referral_commands, referral_queries
from cxdesk.widgets.limited_input import LimitedInput
from cxdesk.widgets.quick_select import QuickSelect
from cxdesk.widgets.row_form import RowForm

if TYPE_CHECKING:
    from cxdesk.store.customer_queries import CustomerRecord

LABELS = {
    "to_team": "Team",
    "reason_category": "Reason",
    "urgency": "Urgency",
    "story": "Their story",
    "already_told": "Already told",
    "vulnerability_flags": "Vulnerability",
    "customer_actions": "They must do",
    "consent": "Consent",
    "consent_method": "Consent how",
}
"""Field name -> the short label beside it (14 columns at most, so fields get the width)."""


class ReferralFormScreen(DraftGuard, DeskScreen):
    """The referral form for one customer (``customer`` is their record as a dict)."""

    PALETTE_CATEGORY = "referral"
    DRAFT_FORM = "referral"
    BINDINGS = [
        Binding("ctrl+s", "save", "Raise", id="save-referral"),
        Binding("escape", "back", "Back", id="referral-form-back"),
    ]
    DEFAULT_CSS = """
    ReferralFormScreen #f-story { height: 9; }
    ReferralFormScreen #f-already_told { height: 4; }
    ReferralFormScreen .row > TextArea { width: 1fr; border: round $primary; padding: 0 1; }
    ReferralFormScreen #form-status.-shown { display: block; }
    ReferralFormScreen #form-status { display: none; height: 1; text-style: bold reverse; }
    ReferralFormScreen #open-referral { display: none; height: auto; text-style: bold reverse; }
    ReferralFormScreen #open-referral.-shown { display: block; }
    """

    @dataclass
    class _OpenReferral(Message):
        team: str
        line: referral_queries.ReferralLine | None

    @dataclass
    class _Targets(Message):
        targets: list

    @dataclass
    class _Checked(Message):
        errors: dict[str, str]
        duplicate: referral_queries.ReferralLine | None
        raw: dict

    @dataclass
    class _Raised(Message):
        referral_id: str
        text: str
        reference: str

    def __init__(self, customer: CustomerRecord) -> None:
        super().__init__()
        self.customer = customer
        self.targets: list = []
        self._errors: dict[str, str] = {}
        self.draft_key = customer.customer_id

    def compose_body(self) -> ComposeResult:
        c = self.customer
        yield Static(
            safe(
                f"Refer {c.given_name} {c.family_name} (born {c.birth_year})"
                "  · type to choose · Ctrl+S raises · Esc back"
            ),
            classes="title",
        )
        yield Static("", id="open-referral", markup=False)
        with RowForm(id="referral-fields"):
            yield from self._row("to_team", QuickSelect([], prompt="Loading teams…"))
            reasons = [(r, r) for r in REASON_CATEGORIES]
            yield from self._row("reason_category", QuickSelect(reasons, prompt="Choose"))
            urgencies = [(f"{u.capitalize()}: {text}", u) for u, text in URGENCIES.items()]
            yield from self._row(
                "urgency", QuickSelect(urgencies, value="standard", allow_blank=False)
            )
            story = TextArea(placeholder="What the customer said, in their words")
            yield from self._row("story", story)
            told = TextArea(placeholder="Advice or numbers already given (optional)")
            yield from self._row("already_told", told)
            flags = safe_text(", ".join(c.vulnerability_flags))
            yield from self._row(
                "vulnerability_flags",
                LimitedInput(
                    flags, placeholder="comma separated, e.g. debt, disability", max_length=500
                ),
            )
            yield from self._row(
                "customer_actions",
                LimitedInput(placeholder="goes on their letter (optional)", max_length=500),
            )
            consent = [
                ("Given: the team may see this", "given"),
                ("Refused: record as advice given only", "refused"),
            ]
            yield from self._row(
                "consent", QuickSelect(consent, prompt="Ask the customer", open_on_prompt=True)
            )
            methods = [(m, m) for m in CONSENT_METHODS]
            yield from self._row(
                "consent_method",
                QuickSelect(methods, value=CONSENT_METHODS[0], allow_blank=False),
            )
        yield Static("", id="form-status")

    @staticmethod
    def _row(name: str, field: Widget) -> ComposeResult:
        """Label beside its field, the field's error (hidden until there is one) below."""
        field.id = f"f-{name}"
        if isinstance(field, Input | QuickSelect):
            field.compact = True  # one line each, so the whole form fits 80x24
        with Horizontal(classes="row"):
            yield Label(LABELS[name])
            yield field
        yield Static("", id=f"e-{name}", classes="field-error")

    def on_mount(self) -> None:
        self.query_one("#f-to_team", Select).focus()
        self._load_targets()
        self.start_draft()

    def restore(self, values: dict) -> None:
        """Put a draft's values back (the team once the list of teams has loaded)."""
        self._pending_team = values.get("to_team") or ""
        for name in ("reason_category", "urgency", "consent", "consent_method"):
            if values.get(name):
                self.query_one(f"#f-{name}", Select).value = values[name]
        for name in ("story", "already_told"):
            self.query_one(f"#f-{name}", TextArea).text = values.get(name, "")
        for name in ("vulnerability_flags", "customer_actions"):
            self.query_one(f"#f-{name}", Input).value = values.get(name, "")

    @on(Select.Changed, "#f-to_team")
    def _team_chosen(self, event: Select.Changed) -> None:
        team = "" if event.value is Select.BLANK else str(event.value)
        self._check_open_referral(team)

    @work(thread=True, exclusive=True, exit_on_error=False, group="referral-open-check")
    def _check_open_referral(self, team: str) -> None:
        line = None
        if team:
            line = referral_queries.open_referral_to(
                self.desk.store, self.customer.customer_id, team
            )
        self.post_message(self._OpenReferral(team, line))

    @on(_OpenReferral)
    def _show_open_referral(self, message: _OpenReferral) -> None:
        shown = self.query_one("#open-referral", Static)
        line = message.line
        if line is not None:
            shown.update(
                safe(
                    f"Already open: {line.reference} to {line.to_team_name} "
                    f"({line.status.replace('_', ' ')}). Ctrl+S will offer to add this as a note."
                )
            )
        shown.set_class(line is not None, "-shown")

    @work(thread=True, exclusive=True, exit_on_error=False, group="referral-targets")
    def _load_targets(self) -> None:
        self.post_message(self._Targets(referral_queries.referral_targets(self.desk.store)))

    @on(_Targets)
    def _show_targets(self, message: _Targets) -> None:
        self.targets = message.targets
        select = self.query_one("#f-to_team", Select)
        select.set_options([(safe(t.name), t.target_id) for t in message.targets])
        select.prompt = "Choose the team (type to jump: hous…)"
        pending = getattr(self, "_pending_team", "")
        if pending and any(t.target_id == pending for t in message.targets):
            select.value = pending

    def values(self) -> dict:
        raw = {}
        for name in ("to_team", "reason_category", "urgency", "consent", "consent_method"):
            value = self.query_one(f"#f-{name}", Select).value
            raw[name] = "" if value is Select.BLANK else value
        for name in ("story", "already_told"):
            raw[name] = self.query_one(f"#f-{name}", TextArea).text
        for name in ("vulnerability_flags", "customer_actions"):
            raw[name] = self.query_one(f"#f-{name}", Input).value
        return raw

    def show_errors(self, errors: dict[str, str]) -> None:
        self._errors = dict(errors)
        for widget in self.query(".field-error").results(Static):
            message = errors.get((widget.id or "")[2:], "")
            widget.update(safe(message))
            widget.set_class(bool(message), "-shown")
        if errors:
            first = self.query(f"#f-{next(iter(errors))}")
            if first:
                first.first().focus()
                first.first().scroll_visible()
        self._status(errors)

    def _status(self, errors: dict[str, str]) -> None:
        """One line under the form naming what is left to check (a toast would hide fields)."""
        status = self.query_one("#form-status", Static)
        status.update(f"To check: {', '.join(LABELS.get(n, n) for n in errors)}" if errors else "")
        status.set_class(bool(errors), "-shown")

    @on(Input.Changed)
    @on(Select.Changed)
    @on(TextArea.Changed)
    def _clear_error(self, event: Message) -> None:
        """A field's old error goes as soon as the advisor changes that field."""
        field = getattr(event, "control", None)
        name = (getattr(field, "id", None) or "")[2:]
        if name in self._errors:
            del self._errors[name]
            error = self.query_one(f"#e-{name}", Static)
            error.update("")
            error.remove_class("-shown")
            self._status(self._errors)

    def action_save(self) -> None:
        self._check(self.values())

    def action_back(self) -> None:
        self.leave()

    @work(thread=True, exclusive=True, exit_on_error=False, group="referral-form")
    def _check(self, raw: dict) -> None:
        _clean, errors = clean_referral(raw)
        duplicate = None
        if not errors and raw["consent"] == "given":
            duplicate = referral_queries.open_referral_to(
                self.desk.store, self.customer.customer_id, raw["to_team"]
            )
        self.post_message(self._Checked(errors, duplicate, raw))

    @on(_Checked)
    def _show_checked(self, message: _Checked) -> None:
        self.show_errors(message.errors)
        if message.errors:
            return
        if message.duplicate is not None:
            line = message.duplicate

            def chosen(answer: str | None) -> None:
                if answer == "note":
                    self._add_as_note(line.referral_id, message.raw)
                elif answer == "view":
                    self._open(line.referral_id)  # the draft stays for this resident

            self.app.push_screen(DuplicateReferralDialog(line), chosen)
            return
        self._raise(message.raw)

    @work(thread=True, exclusive=True, exit_on_error=False, group="referral-form")
    def _raise(self, raw: dict) -> None:
        store, session = self.desk.store, self.desk.session
        try:
            referral_id = referral_commands.raise_referral(
                store, session, self.customer.customer_id, raw
            )
        except FormErrors as exc:
            self.app.call_from_thread(self.show_errors, exc.errors)
            return
        text, reference = referral_commands.confirmation_letter(store, referral_id)
        self.post_message(self._Raised(referral_id, text, reference))

    @work(thread=True, exclusive=True, exit_on_error=False, group="referral-form")
    def _add_as_note(self, referral_id: str, raw: dict) -> None:
        note = raw["story"].strip()
        if raw.get("already_told", "").strip():
            note += f"\nAlready told: {raw['already_told'].strip()}"
        try:
            referral_commands.add_note(self.desk.store, self.desk.session, referral_id, note[:2000])
        except CxDeskError as exc:
            self.app.call_from_thread(self.notify, exc.message, severity="warning")
            return
        self.app.call_from_thread(self.forget_draft)
        self.app.call_from_thread(self.notify, "Added as a note to the open referral.")
        self.app.call_from_thread(self._open, referral_id)

    def _open(self, referral_id: str) -> None:
        from cxdesk.screens.referral_view import ReferralViewScreen

        self.app.pop_screen()
        self.app.push_screen(ReferralViewScreen(referral_id))

    @on(_Raised)
    def _show_raised(self, message: _Raised) -> None:
        from cxdesk.screens.referral_view import ConfirmationScreen

        self.forget_draft()
        self.app.pop_screen()
        self.app.push_screen(ConfirmationScreen(message.text, message.reference))
