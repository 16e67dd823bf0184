"""Register a customer, or change their details: every field checked, errors beside it.

Ctrl+S saves. The whole form is checked at once (``clean_customer``) and each
message appears under its own field; what was typed stays exactly as typed.
Before a NEW record is created the desk looks for likely matches (name, date of
birth, postcode) and offers them, so the same person is not registered twice.
Saving happens in a thread worker; the screen only shows the outcome.
One line per field, label beside it and a hint inside it, so the whole form
fits 80x24 without scrolling; an error goes as soon as its field is changed.

Likely matches are looked for as soon as both names and a date of birth are
typed (not only at Ctrl+S), and named on a line under the title, so the
resident does not tell their story twice before the advisor learns they are
already registered (Ctrl+O shows them). Escape with something typed asks
first, and an accidental close keeps a draft (``DraftGuard``).
"""

from __future__ import annotations

from dataclasses import dataclass

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.message import Message
from textual.widgets import Checkbox, Input, Label, Select, Static

from cxdesk.domain.customers import FormErrors, clean_customer
from cxdesk.domain.safe_text import safe
from cxdesk.errors import CxDeskError
from cxdesk.events.customers import CONTACT_METHODS
from cxdesk.screens.base import DeskScreen
from cxdesk.screens.customer_dialogs import LikelyMatchDialog
from cxdesk.screens.discard import DraftGuard
from cxdesk.store import customer_commands, customer_queries
from cxdesk.widgets.limited_input import LimitedInput
from cxdesk.widgets.quick_select import QuickSelect
from cxdesk.widgets.row_form import RowForm
from cxdesk.widgets.tick_box import TickBox

TEXT_FIELDS = (
    ("given_name", "Given name(s)", 60, ""),
    ("family_name", "Family name", 60, ""),
    ("date_of_birth", "Date of birth", 10, "day/month/year, e.g. 11/02/1984"),
    ("address", "Address", 300, "house, street, town"),
    ("postcode", "Postcode", 9, "e.g. EM1 4QT or BFPO 1234"),
    ("phone", "Phone", 20, "e.g. 07700 900101"),
    ("email", "Email", 254, ""),
    ("contact_times", "Best times", 120, "best times to contact, e.g. weekday mornings"),
    ("language", "Language", 40, "e.g. English"),
    ("accessibility_needs", "Access needs", 300, "accessibility needs (optional)"),
    ("vulnerability_flags", "Vulnerability", 500, "comma separated, e.g. debt, disability"),
    ("council_reference", "Council ref", 20, "optional, e.g. CT-1048823"),
)
CHECKS = (
    ("no_fixed_abode", "No fixed abode"),
    ("no_email", "No email"),
    ("interpreter_needed", "Interpreter"),
)
CHECK_ROW = {"postcode": "no_fixed_abode", "email": "no_email", "language": "interpreter_needed"}
"""Which text field's row also holds a tick box, so the form fits 80x24."""


MATCH_FIELDS = ("given_name", "family_name", "date_of_birth")


class CustomerFormScreen(DraftGuard, DeskScreen):
    """The customer form: new when ``customer_id`` is None, else an edit of that record."""

    PALETTE_CATEGORY = "customer"
    DRAFT_FORM = "customer"
    BINDINGS = [
        Binding("ctrl+s", "save", "Save", id="save-customer"),
        Binding("escape", "back", "Back", id="customer-form-back"),
        Binding("ctrl+o", "show_matches", "Likely matches", id="customer-form-matches"),
    ]
    DEFAULT_CSS = """
    CustomerFormScreen .row > Checkbox { width: auto; margin: 0 0 0 1; }
    CustomerFormScreen #match-line { height: auto; text-style: bold reverse; display: none; }
    CustomerFormScreen #match-line.-shown { display: block; }
    """

    @dataclass
    class _EarlyMatches(Message):
        matches: list

    @dataclass
    class _Checked(Message):
        errors: dict[str, str]
        matches: list
        values: dict

    @dataclass
    class _Saved(Message):
        customer_id: str
        created: bool

    def __init__(self, customer_id: str | None = None, prefill: dict | None = None) -> None:
        super().__init__()
        self.customer_id = customer_id
        self.prefill = prefill or {}
        self.draft_key = customer_id or ""
        self.early_matches: list = []
        self.declined: set[str] = set()
        """Matches the advisor has already said are someone else."""

    def compose_body(self) -> ComposeResult:
        title = "Change details" if self.customer_id else "Register a new customer"
        yield Static(f"{title}  (Ctrl+S saves, Escape goes back)", classes="title")
        yield Static("", id="match-line", markup=False)
        with RowForm(id="customer-fields"):
            for name, label, size, hint in TEXT_FIELDS:
                value = str(self.prefill.get(name) or "")
                with Horizontal(classes="row"):
                    yield Label(label)
                    yield LimitedInput(
                        value, placeholder=hint, id=f"f-{name}", max_length=size, compact=True
                    )
                    if name in CHECK_ROW:
                        check = CHECK_ROW[name]
                        yield TickBox(
                            dict(CHECKS)[check],
                            bool(self.prefill.get(check)),
                            id=f"f-{check}",
                            compact=True,
                        )
                yield Static("", id=f"e-{name}", classes="field-error")
                if name in CHECK_ROW:
                    yield Static("", id=f"e-{CHECK_ROW[name]}", classes="field-error")
            method = self.prefill.get("preferred_contact") or "phone"
            with Horizontal(classes="row"):
                yield Label("Contact by")
                yield QuickSelect(
                    [(m.capitalize(), m) for m in CONTACT_METHODS],
                    value=method,
                    allow_blank=False,
                    compact=True,
                    id="f-preferred_contact",
                )
            yield Static("", id="e-preferred_contact", classes="field-error")

    def on_mount(self) -> None:
        self.query_one("#f-given_name", Input).focus()
        self.start_draft()

    def restore(self, values: dict) -> None:
        """Put a draft's values back into the fields."""
        for name, *_rest in TEXT_FIELDS:
            self.query_one(f"#f-{name}", Input).value = str(values.get(name) or "")
        for check, _label in CHECKS:
            self.query_one(f"#f-{check}", Checkbox).value = bool(values.get(check))
        if values.get("preferred_contact"):
            self.query_one("#f-preferred_contact", Select).value = values["preferred_contact"]

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "show_matches":
            return bool(getattr(self, "early_matches", None))
        return True

    @on(Input.Changed, "#f-given_name, #f-family_name, #f-date_of_birth")
    def _names_or_birth_changed(self) -> None:
        if self.customer_id is not None:
            return
        raw = {name: self.query_one(f"#f-{name}", Input).value for name in MATCH_FIELDS}
        self._look_for_matches(raw)

    @work(thread=True, exclusive=True, exit_on_error=False, group="customer-early-match")
    def _look_for_matches(self, raw: dict) -> None:
        from cxdesk.domain import validation as v

        matches = []
        if raw["given_name"].strip() and raw["family_name"].strip():
            try:
                dob = v.parse_date_of_birth(raw["date_of_birth"]).isoformat()
            except CxDeskError:
                dob = None
            if dob:
                matches = customer_queries.likely_matches(
                    self.desk.store, raw["given_name"], raw["family_name"], dob
                )
        self.post_message(self._EarlyMatches(matches))

    @on(_EarlyMatches)
    def _show_early_matches(self, message: _EarlyMatches) -> None:
        self.early_matches = [m for m in message.matches if m[0].customer_id not in self.declined]
        line = self.query_one("#match-line", Static)
        if self.early_matches:
            hit, _match = self.early_matches[0]
            more = len(self.early_matches) - 1
            others = f" and {more} more" if more else ""
            line.update(
                safe(
                    f"Already registered? {hit.name}, born {hit.birth_year}, {hit.district}"
                    f"{others}. Ctrl+O to look."
                )
            )
        line.set_class(bool(self.early_matches), "-shown")
        self.refresh_bindings()

    def action_show_matches(self) -> None:
        if not self.early_matches:
            return
        shown = list(self.early_matches)

        def chosen(answer: str | None) -> None:
            if answer == "new":
                self.declined.update(hit.customer_id for hit, _m in shown)
                self._show_early_matches(self._EarlyMatches(shown))
            elif answer:
                self.forget_draft()
                self._open(answer)

        self.app.push_screen(LikelyMatchDialog(shown), chosen)

    def values(self) -> dict:
        raw: dict[str, object] = {
            name: self.query_one(f"#f-{name}", Input).value for name, *_rest in TEXT_FIELDS
        }
        for check, _label in CHECKS:
            raw[check] = self.query_one(f"#f-{check}", Checkbox).value
        raw["preferred_contact"] = self.query_one("#f-preferred_contact", Select).value
        return raw

    def show_errors(self, errors: dict[str, str]) -> None:
        for widget in self.query(".field-error").results(Static):
            message = errors.get((widget.id or "")[2:], "")
            widget.update(safe(message))
            widget.set_class(bool(message), "-shown")
        if errors:
            first = next(iter(errors))
            target = self.query(f"#f-{first}")
            if target:
                target.first().focus()
                target.first().scroll_visible()
            self.notify(f"{len(errors)} field(s) need checking.", severity="warning", timeout=4)

    @on(Input.Changed)
    @on(Checkbox.Changed)
    @on(Select.Changed)
    def _clear_error(self, event: Message) -> None:
        """A field's old error goes as soon as the advisor changes that field."""
        name = (getattr(event.control, "id", None) or "")[2:]
        error = self.query(f"#e-{name}") if name else None
        if error:
            error.first(Static).update("")
            error.first().remove_class("-shown")

    def action_save(self) -> None:
        self._check(self.values())

    def action_back(self) -> None:
        self.leave()

    @work(thread=True, exclusive=True, exit_on_error=False, group="customer-form")
    def _check(self, raw: dict) -> None:
        clean, errors = clean_customer(raw)
        matches = []
        if not errors and self.customer_id is None:
            matches = customer_queries.likely_matches(
                self.desk.store,
                clean["given_name"],
                clean["family_name"],
                clean["date_of_birth"],
                clean["postcode"],
            )
        self.post_message(self._Checked(errors, matches, raw))

    @on(_Checked)
    def _show_checked(self, message: _Checked) -> None:
        self.show_errors(message.errors)
        if message.errors:
            return
        fresh = [m for m in message.matches if m[0].customer_id not in self.declined]
        if fresh:

            def chosen(answer: str | None) -> None:
                if answer == "new":
                    self._save(message.values)
                elif answer:
                    self.forget_draft()
                    self._open(answer)

            self.app.push_screen(LikelyMatchDialog(fresh), chosen)
            return
        self._save(message.values)

    @work(thread=True, exclusive=True, exit_on_error=False, group="customer-form")
    def _save(self, raw: dict) -> None:
        session, store = self.desk.session, self.desk.store
        try:
            if self.customer_id is None:
                customer_id = customer_commands.register_customer(store, session, raw)
                self.post_message(self._Saved(customer_id, True))
            else:
                customer_commands.change_customer(store, session, self.customer_id, raw)
                self.post_message(self._Saved(self.customer_id, False))
        except FormErrors as exc:
            self.app.call_from_thread(self.show_errors, exc.errors)
        except CxDeskError as exc:
            self.app.call_from_thread(self.notify, exc.message, severity="warning")

    @on(_Saved)
    def _show_saved(self, message: _Saved) -> None:
        self.forget_draft()
        self.notify("Customer registered." if message.created else "Details saved.", timeout=3)
        self._open(message.customer_id)

    def _open(self, customer_id: str) -> None:
        """Leave the form for the record (an edit returns to the record it came from)."""
        from cxdesk.screens.customer_view import CustomerViewScreen

        self.app.pop_screen()
        if self.customer_id is None:
            self.app.push_screen(CustomerViewScreen(customer_id))
