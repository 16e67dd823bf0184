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
"""

from __future__ import annotations

from dataclasses import dataclass

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.message import Message
from textual.widgets import Input, Label, Select, Static, TextArea

from cxdesk.domain.customers import FormErrors
from cxdesk.domain.referrals import CONSENT_METHODS, REASON_CATEGORIES, URGENCIES, clean_referral
from cxdesk.errors import CxDeskError
from cxdesk.screens.base import DeskScreen
from cxdesk.screens.customer_dialogs import DuplicateReferralDialog
from cxdesk.store import referral_commands, referral_queries


class ReferralFormScreen(DeskScreen):
    """The referral form for one customer (``customer`` is their record as a dict)."""

    PALETTE_CATEGORY = "referral"
    BINDINGS = [
        Binding("ctrl+s", "save", "Raise", id="save-referral"),
        Binding("escape", "back", "Back", id="referral-form-back"),
    ]
    DEFAULT_CSS = """
    ReferralFormScreen .field-error { color: $error; height: auto; }
    ReferralFormScreen TextArea { height: 5; width: 76; }
    ReferralFormScreen Input, ReferralFormScreen Select { width: 76; }
    """

    @dataclass
    class _Targets(Message):
        targets: list

    @dataclass
    class _Checked(Message):
        errors: dict[str, str]
        duplicate: object
        raw: dict

    @dataclass
    class _Raised(Message):
        referral_id: str
        text: str
        path: str

    def __init__(self, customer: dict) -> None:
        super().__init__()
        self.customer = customer
        self.targets: list = []

    def compose_body(self) -> ComposeResult:
        c = self.customer
        yield Static(
            f"Refer {c['given_name']} {c['family_name']} (born {c['birth_year']})"
            "  · Ctrl+S raises · Escape goes back",
            classes="title",
        )
        with VerticalScroll(can_focus=False):
            yield Label("To which team")
            yield Select([], prompt="Loading the directory…", id="f-to_team")
            yield Static("", id="e-to_team", classes="field-error")
            yield Label("Reason")
            yield Select(
                [(r, r) for r in REASON_CATEGORIES], prompt="Choose", id="f-reason_category"
            )
            yield Static("", id="e-reason_category", classes="field-error")
            yield Label("The customer's story, in their words")
            yield TextArea(id="f-story")
            yield Static("", id="e-story", classes="field-error")
            yield Label("Urgency")
            urgencies = [(f"{u.capitalize()}: {text}", u) for u, text in URGENCIES.items()]
            yield Select(urgencies, value="standard", allow_blank=False, id="f-urgency")
            yield Static("", id="e-urgency", classes="field-error")
            yield Label("Vulnerability flags (comma separated)")
            flags = ", ".join(c.get("vulnerability_flags") or [])
            yield Input(flags, id="f-vulnerability_flags", max_length=500)
            yield Static("", id="e-vulnerability_flags", classes="field-error")
            yield Label("What they have already been told")
            yield TextArea(id="f-already_told")
            yield Static("", id="e-already_told", classes="field-error")
            yield Label("Anything the customer must do (goes on their letter)")
            yield Input(id="f-customer_actions", max_length=500)
            yield Static("", id="e-customer_actions", classes="field-error")
            yield Label("Consent to share with the team")
            consent = [("Given: the team may see this", "given"),
                       ("Refused: record as advice given only", "refused")]  # fmt: skip
            yield Select(consent, prompt="Ask the customer", id="f-consent")
            yield Static("", id="e-consent", classes="field-error")
            yield Label("How consent was obtained")
            yield Select([(m, m) for m in CONSENT_METHODS], prompt="Choose", id="f-consent_method")
            yield Static("", id="e-consent_method", classes="field-error")

    def on_mount(self) -> None:
        self.query_one("#f-to_team", Select).focus()
        self._load_targets()

    @work(thread=True, exclusive=True, exit_on_error=False, group="referral-targets")
    def _load_targets(self) -> None:
        self.post_message(self._Targets(referral_queries.referral_targets(self.app.store)))

    def on_referral_form_screen__targets(self, message: _Targets) -> None:
        self.targets = message.targets
        select = self.query_one("#f-to_team", Select)
        select.set_options([(t.name, t.target_id) for t in message.targets])
        select.prompt = "Choose the team"

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
        for widget in self.query(".field-error"):
            widget.update(errors.get((widget.id or "")[2:], ""))
        if errors:
            first = self.query(f"#f-{next(iter(errors))}")
            if first:
                first.first().focus()
                first.first().scroll_visible()
            self.notify(f"{len(errors)} field(s) need checking.", severity="warning", timeout=4)

    def action_save(self) -> None:
        self._check(self.values())

    def action_back(self) -> None:
        self.app.pop_screen()

    @work(thread=True, exclusive=True, exit_on_error=False, group="referral-form")
    def _check(self, raw: dict) -> None:
        _clean, errors = clean_referral(raw)
        duplicate = None
        if not errors and raw["consent"] == "given":
            duplicate = referral_queries.open_referral_to(
                self.app.store, self.customer["customer_id"], raw["to_team"]
            )
        self.post_message(self._Checked(errors, duplicate, raw))

    def on_referral_form_screen__checked(self, message: _Checked) -> None:
        self.show_errors(message.errors)
        if message.errors:
            return
        if message.duplicate is not None:
            line = message.duplicate

            def chosen(answer: str | None) -> None:
                if answer == "note":
                    self._add_as_note(line.referral_id, message.raw)
                elif answer == "view":
                    self._open(line.referral_id)

            self.app.push_screen(DuplicateReferralDialog(line), chosen)
            return
        self._raise(message.raw)

    @work(thread=True, exclusive=True, exit_on_error=False, group="referral-form")
    def _raise(self, raw: dict) -> None:
        store, session = self.app.store, self.app.session
        try:
            referral_id = referral_commands.raise_referral(
                store, session, self.customer["customer_id"], raw
            )
        except FormErrors as exc:
            self.app.call_from_thread(self.show_errors, exc.errors)
            return
        text, path = referral_commands.write_confirmation(store, referral_id)
        self.post_message(self._Raised(referral_id, text, str(path)))

    @work(thread=True, exclusive=True, exit_on_error=False, group="referral-form")
    def _add_as_note(self, referral_id: str, raw: dict) -> None:
        note = raw["story"].strip()
        if raw.get("already_told", "").strip():
            note += f"\nAlready told: {raw['already_told'].strip()}"
        try:
            referral_commands.add_note(self.app.store, self.app.session, referral_id, note[:2000])
        except CxDeskError as exc:
            self.app.call_from_thread(self.notify, exc.message, severity="warning")
            return
        self.app.call_from_thread(self.notify, "Added as a note to the open referral.")
        self.app.call_from_thread(self._open, referral_id)

    def _open(self, referral_id: str) -> None:
        from cxdesk.screens.referral_view import ReferralViewScreen

        self.app.pop_screen()
        self.app.push_screen(ReferralViewScreen(referral_id))

    def on_referral_form_screen__raised(self, message: _Raised) -> None:
        from cxdesk.screens.referral_view import ConfirmationScreen

        self.app.pop_screen()
        self.app.push_screen(ConfirmationScreen(message.text, message.path))
