"""Issue a £5 food voucher or a payment card to a customer, from the customer view.

The repeat-claim check runs as the screen opens and is shown before anything
can be confirmed, with how old the desk's knowledge of other locations is.
The advisor types or scans the serial (a scanner types it and presses Enter,
which checks it at once), a card's amount, and the reason. What the policy
asks for a repeat claim is enforced here and again in the store: ``warn``
needs a second Ctrl+S, ``reason`` a written reason, ``supervisor`` a reason
and a supervisor signing in at the desk (``FormModal`` with staff id and
passcode; a non-supervisor is refused). The confirmation and the customer's
slip appear only after the issue has been durably committed; then the form
gives way to the outcome, with the slip beside it so it all fits 80x24; the
slip becomes a file (0600, for printing) only when Ctrl+T asks for it.

For a payment card the screen says at once, before anything is confirmed,
whether the Welfare Assistance Team is open (from its directory entry) and so
when the payment will be due, and warns straight away when the desk is
offline: the request reaches the team only when the desk reconnects, so the
advisor rings them.
"""

from __future__ import annotations

from datetime import datetime

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.message import Message
from textual.widgets import Input, Label, Static

from cxdesk.domain import deskclock
from cxdesk.domain.approvals import Approval
from cxdesk.domain.crisis_hours import WelfareContact, crisis_due
from cxdesk.domain.money import format_pounds
from cxdesk.domain.repeat_claims import CheckResult, knowledge_text
from cxdesk.domain.safe_text import safe
from cxdesk.domain.sla import london_time
from cxdesk.domain.stock import KIND_NAMES
from cxdesk.errors import CxDeskError
from cxdesk.screens.base import DeskScreen
from cxdesk.screens.form_modal import FormField, FormModal
from cxdesk.store import issue_commands as ic
from cxdesk.store.staff_queries import location_names


def describe_check(result: CheckResult, now: datetime, names: dict[str, str]) -> str:
    """The repeat-claim result in words, as the advisor sees it before confirming."""
    lines = [knowledge_text(result.knowledge_as_of, now)]
    if not result.matches:
        lines.insert(0, "Repeat claims: none found.")
        return "\n".join(lines)
    for m in result.matches[:3]:
        where = names.get(m.issue.location, m.issue.location)
        lines.append(f"- {london_time(m.issue.at, with_date=True)} at {where} ({m.how})")
    if len(result.matches) > 3:
        lines.append(f"- and {len(result.matches) - 3} more")
    if result.breached:
        need = {
            "warn": "confirm with Ctrl+S twice",
            "reason": "write why it should go ahead",
            "supervisor": "write why, and a supervisor must approve",
        }[result.action]
        head = f"REPEAT CLAIM: {'; '.join(result.breached)}. Policy: {need}."
    else:
        head = "Earlier issues found, within the policy."
    return "\n".join([head, *lines])


class IssueScreen(DeskScreen):
    """Record handing over one voucher or card."""

    DEFAULT_CSS = """
    IssueScreen .row { height: 1; }
    IssueScreen .row Label { width: 16; }
    IssueScreen .row Input { border: none; height: 1; width: 1fr; padding: 0; }
    IssueScreen .error { color: $error; text-style: bold; height: auto; }
    IssueScreen #crisis-note { height: auto; text-style: bold; color: $warning; }
    IssueScreen #check { height: auto; border: round $primary; padding: 0 1; }
    IssueScreen #title { text-style: bold; width: 1fr; height: auto; }
    IssueScreen #done { height: auto; }
    IssueScreen #result { width: 1fr; height: auto; padding: 0 1 0 0; }
    IssueScreen #slip { width: 42; height: auto; border-left: vkey $primary; padding: 0 0 0 1; }
    """
    BINDINGS = [
        Binding("ctrl+s", "confirm", "Confirm issue", id="issue-confirm"),
        Binding("p", "print_slip", "Print slip", id="issue-print-slip"),
        Binding("ctrl+t", "save_slip", "Save slip to print", id="issue-save-slip"),
        Binding("escape", "close", "Back", id="issue-back"),
    ]

    class Checked(Message):
        def __init__(
            self, result: CheckResult, names: dict[str, str], contact: WelfareContact | None
        ) -> None:
            super().__init__()
            self.result, self.names, self.contact = result, names, contact

    class SerialChecked(Message):
        def __init__(self, serial: str | None, error: CxDeskError | None) -> None:
            super().__init__()
            self.serial, self.error = serial, error

    class Issued(Message):
        def __init__(self, receipt: ic.IssueReceipt) -> None:
            super().__init__()
            self.receipt = receipt

    class Refused(Message):
        def __init__(self, error: CxDeskError) -> None:
            super().__init__()
            self.error = error

    def __init__(self, kind: str, customer_id: str, customer_name: str) -> None:
        super().__init__()
        self.kind, self.customer_id, self.customer_name = kind, customer_id, customer_name
        self.check: CheckResult | None = None
        self.warned = False
        self.approval: Approval | None = None
        """The supervisor's signed approval of the form as it stood; void on any change."""
        self.done = False
        self.contact: WelfareContact | None = None

    def _offline(self) -> bool:
        """Whether a request recorded now would wait on this desk (no server, or none reached)."""
        if self.desk.sync is None:
            return True
        status = self.desk.sync_status
        return status is not None and status.online is False

    def _crisis_note(self, now: datetime) -> str:
        """When the crisis payment will be due, and a warning if the desk is offline."""
        contact = self.contact
        lines = []
        opens = contact.opens_at(now) if contact else None
        due = london_time(crisis_due(now, contact), with_date=True)
        if contact is not None and opens is not None:
            lines.append(
                f"{contact.name} is closed: opens {london_time(opens, with_date=True)}. "
                f"The payment will be due by {due}."
            )
        if self._offline():
            ring = f" on {contact.phone}" if contact else ""
            lines.append(
                "OFFLINE: the crisis payment request will reach the Welfare Assistance Team "
                f"only when this desk reconnects. Ring them{ring} once it is issued."
            )
        return "\n".join(lines)

    def compose_body(self) -> ComposeResult:
        with VerticalScroll(id="issue-form", can_focus=False):
            yield Label(
                safe(f"Issue a {KIND_NAMES[self.kind]} to {self.customer_name}"), id="title"
            )
            yield Static("", id="crisis-note", markup=False)
            yield Static("Checking for repeat claims...", id="check")
            yield from self._row("serial", "Serial", "type or scan, e.g. FV000123")
            if self.kind == "payment_card":
                yield from self._row("amount", "Amount (£)", "e.g. 25 or 25.50")
            yield from self._row("reason", "Reason", "why they need it today")
            yield from self._row("override_reason", "Repeat reason", "only if a repeat claim")
            yield Static("", id="err-form", classes="error")
            with Horizontal(id="done"):
                yield Static("", id="result", markup=False)
                yield Static("", id="slip", markup=False)

    def _row(self, name: str, label: str, placeholder: str) -> ComposeResult:
        with Horizontal(classes="row", id=f"row-{name}"):
            yield Label(label)
            yield Input(placeholder=placeholder, id=f"f-{name}")
        yield Static("", id=f"err-{name}", classes="error")

    def on_mount(self) -> None:
        self.query_one("#row-override_reason").display = False
        self.query_one("#slip").display = False
        self.query_one("#f-serial", Input).focus()
        self._load_check()

    @work(thread=True, exclusive=True, exit_on_error=False, group="issue-check")
    def _load_check(self) -> None:
        store = self.desk.store
        try:
            result = ic.check_repeat_claims(store, self.kind, self.customer_id)
        except CxDeskError as exc:
            self.post_message(self.Refused(exc))
            return
        names = location_names(store)
        contact = ic.welfare_contact(store) if self.kind == "payment_card" else None
        self.post_message(self.Checked(result, names, contact))

    @on(Checked)
    def _show_check(self, message: Checked) -> None:
        self.check = message.result
        self.contact = message.contact
        now = deskclock.now()
        check = describe_check(message.result, now, message.names)
        self.query_one("#check", Static).update(safe(check, multiline=True))
        if self.kind == "payment_card":
            note = safe(self._crisis_note(now), multiline=True)
            self.query_one("#crisis-note", Static).update(note)
        self.query_one("#row-override_reason").display = message.result.needs_reason or bool(
            message.result.breached
        )

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        if event.input.id == "f-serial":
            self._check_serial(event.value)
        shown = [
            i for i in self.query(Input) if i.display and i.parent is not None and i.parent.display
        ]
        if shown and event.input is shown[-1]:
            # Not back round to the serial, where the next keys would replace it.
            self.query_one("#err-form", Static).update("All filled in? Ctrl+S confirms the issue.")
        else:
            self.focus_next()

    @work(thread=True, exclusive=True, exit_on_error=False, group="issue-serial")
    def _check_serial(self, text: str) -> None:
        location = self.signed_in.location
        try:
            serial = ic.check_serial(self.desk.store, self.kind, text, location)
        except CxDeskError as exc:
            self.post_message(self.SerialChecked(None, exc))
        else:
            self.post_message(self.SerialChecked(serial, None))

    @on(SerialChecked)
    def _serial_checked(self, message: SerialChecked) -> None:
        err = self.query_one("#err-serial", Static)
        if message.error:
            err.update(safe(message.error.message))
            serial = self.query_one("#f-serial", Input)
            focused = self.focused
            # Back to the serial with the bad text selected, so the next scan replaces it;
            # unless the advisor has already typed into another field (keep their place).
            if focused is serial or not (isinstance(focused, Input) and focused.value):
                serial.focus()
                serial.select_all()
        else:
            err.update(safe(f"{message.serial} is in stock here."))

    def _values(self) -> dict[str, str]:
        return {i.id[2:]: i.value for i in self.query(Input) if i.id and i.id.startswith("f-")}

    def action_confirm(self) -> None:
        if self.done or self.check is None:
            return
        for static in self.query(".error").results(Static):
            static.update("")
        if self.check.breached and self.check.action == "warn" and not self.warned:
            self.warned = True
            self.query_one("#err-form", Static).update(
                "This is a repeat claim. Press Ctrl+S again to issue anyway."
            )
            return
        if self.check.needs_supervisor and not self.approval:
            if not self._values().get("override_reason", "").strip():
                self.query_one("#err-override_reason", Static).update(
                    "Write why this repeat claim should go ahead."
                )
                self.query_one("#f-override_reason", Input).focus()
                return
            self.app.push_screen(self._approval_form(), self._approved)
            return
        self._record(self._values())

    def _approval_form(self) -> FormModal:
        store, session, values = self.desk.store, self.signed_in, self._values()

        def approve(typed: dict[str, str]) -> Approval:
            # The supervisor signs the issue exactly as the form holds it now.
            content = ic.issue_content(
                store,
                kind=self.kind,
                customer_id=self.customer_id,
                serial_text=values.get("serial", ""),
                reason=values.get("reason", ""),
                override_reason=values.get("override_reason", ""),
                amount_text=values.get("amount", ""),
                location=session.location,
            )
            return ic.verify_approver(store, typed["staff_id"], typed["passcode"], content)

        fields = [
            FormField("staff_id", "Supervisor staff ID"),
            FormField("passcode", "Passcode", password=True),
        ]
        return FormModal(
            "Supervisor approval for a repeat claim",
            fields,
            approve,
            intro="A supervisor signs in here to approve this issue as it stands.",
        )

    def _approved(self, result: Approval | None) -> None:
        if result:
            self.approval = result
            self.query_one("#err-form", Static).update(safe(f"Approved by {result.name}."))
            self._record(self._values())

    @on(Input.Changed)
    def _void_approval(self, event: Input.Changed) -> None:
        """Any change after the approval voids it (the supervisor approved what they saw)."""
        if self.approval is not None and not self.done:
            self.approval = None
            self.query_one("#err-form", Static).update(
                "Changed after approval: a supervisor must approve again (Ctrl+S)."
            )

    @work(thread=True, exclusive=True, exit_on_error=False, group="issue-record")
    def _record(self, values: dict[str, str]) -> None:
        session, store, check = self.signed_in, self.desk.store, self.check
        if check is None:  # action_confirm starts this only once the check has answered
            return
        try:
            receipt = ic.issue_item(
                store,
                actor=session.staff_id,
                role=session.role,
                location=session.location,
                kind=self.kind,
                customer_id=self.customer_id,
                serial_text=values["serial"],
                amount_text=values.get("amount", ""),
                reason=values["reason"],
                check=check,
                override_reason=values.get("override_reason", ""),
                approval=self.approval,
            )
        except CxDeskError as exc:
            self.post_message(self.Refused(exc))
            return
        self.post_message(self.Issued(receipt))

    @on(Refused)
    def _refused(self, message: Refused) -> None:
        # A failed save voids the approval: what is saved next is approved afresh.
        self.approval = None
        field = getattr(message.error, "field", None)
        target = self.query(f"#err-{field}")
        (target.first(Static) if target else self.query_one("#err-form", Static)).update(
            safe(message.error.message)
        )
        if field and self.query(f"#f-{field}"):
            self.query_one(f"#f-{field}", Input).focus()

    @on(Issued)
    def _issued(self, message: Issued) -> None:
        self.done = True
        self.receipt = r = message.receipt
        what = f"{KIND_NAMES[r.kind].capitalize()} {r.serial} ({format_pounds(r.value_pence)})"
        extra = ""
        if r.due_at:
            extra = f" Crisis payment due by {london_time(r.due_at, with_date=True)}."
            if self._offline():
                ring = f" on {self.contact.phone}" if self.contact else ""
                extra += (
                    f"\n\nOFFLINE: ring the Welfare Assistance Team{ring} now; the request"
                    " waits on this desk until it reconnects."
                )
        result = (
            f"CONFIRMED and saved: {what}.{extra}\n\nGive {self.customer_name} the slip"
            " (right).\n\nP: print the slip. Ctrl+T: save it to print later.\n"
            "Escape: back to their record."
        )
        self.query_one("#result", Static).update(safe(result, multiline=True))
        self.query_one("#slip", Static).update(safe(r.slip, multiline=True))
        # Only the outcome now: the repeat-claim box and the fields would read as still to do.
        hide = (self.query_one("#check"), self.query_one("#crisis-note"))
        for widget in (*self.query(".row"), *self.query(".error"), *hide):
            widget.display = False
        self.query_one("#slip").display = True
        self.query_one("#title", Label).update(safe(f"Issued to {self.customer_name}"))
        # The fields are hidden: keys (P, Escape) now belong to the screen, not a text box.
        self.set_focus(None)
        self.refresh_bindings()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Once issued there is nothing left to confirm: hide the key; a slip to save
        exists only then."""
        done = getattr(self, "done", False)
        if action in ("save_slip", "print_slip"):
            return done
        return not (action == "confirm" and done)

    @work(thread=True, exclusive=True, exit_on_error=False, group="issue-slip")
    def action_save_slip(self) -> None:
        """The slip is a file only when asked for (it names what the customer was given)."""
        try:
            path = ic.save_slip(self.desk.store, self.receipt)
        except OSError:
            self.app.call_from_thread(
                self.notify,
                "The issue is recorded, but the slip could not be saved (the disk may be "
                "full). Read the slip on screen to the customer and tell a supervisor.",
                severity="error",
                timeout=12,
            )
            return
        self.slip_path = str(path)
        self.app.call_from_thread(self.notify, f"Slip saved to print: {path}", timeout=6)

    @work(thread=True, exclusive=True, exit_on_error=False, group="issue-slip")
    def action_print_slip(self) -> None:
        """Print the slip through the desk's print command (saved as a file if that fails)."""
        from cxdesk.printing import print_or_save

        command = self.desk.settings.print_command
        outcome = print_or_save(
            self.receipt.slip,
            command,
            lambda: ic.save_slip(self.desk.store, self.receipt),
            "the slip",
        )
        if outcome.path is not None:
            self.slip_path = str(outcome.path)
        severity = "information" if outcome.printed or outcome.path else "error"
        self.app.call_from_thread(self.notify, outcome.message, severity=severity, timeout=10)

    def action_close(self) -> None:
        """Escape: back to the record; before an issue, ask if a serial or reason was typed."""
        from cxdesk.screens.discard import ask_before_leaving

        typed = not self.done and any(v.strip() for v in self._values().values())
        ask_before_leaving(self, typed, lambda: self.dismiss(self.done))
