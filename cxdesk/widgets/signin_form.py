"""Staff id and passcode, checked in a thread worker; used by the sign-in and lock screens.

The form never decides anything itself: ``cxdesk.store.signin_commands.sign_in``
checks the roster and the lock-out rule and records the outcome. Checking a
passcode costs ~50 ms of argon2id, so it runs in a thread worker and the form
posts ``SignedIn`` (with the new ``DeskSession``) when it succeeds; a refusal
is shown under the field at fault and the passcode is cleared, the staff id
kept. Enter (or Tab) in the staff id moves on to the passcode; Enter there signs in.

Keys typed while the passcode is being checked are held (the app's
``typeahead``): on success they go to the screen the person lands on; on a
refusal they are dropped, since they may be a second try at a passcode and must
never appear in clear in the Staff ID box.
"""

from __future__ import annotations

from dataclasses import dataclass

from textual import on, work
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import Input, Label, Static

from cxdesk.desk_app import OnDesk
from cxdesk.domain.safe_text import safe
from cxdesk.errors import AuthError, CxDeskError, ValidationError
from cxdesk.session import DeskSession


class SignInForm(OnDesk, Vertical):
    """Staff id + passcode; posts ``SignInForm.SignedIn`` on success."""

    HOLD = "sign-in"
    """The name under which keys are held while a passcode is checked."""

    @dataclass
    class SignedIn(Message):
        """Someone signed in: the screen above decides what happens next."""

        session: DeskSession

    @dataclass
    class _Refused(Message):
        message: str
        field: str | None

    @dataclass
    class _Accepted(Message):
        session: DeskSession

    def __init__(self, *, staff_id: str = "", id: str | None = None) -> None:
        super().__init__(id=id)
        self._initial_staff_id = staff_id
        self.busy = False

    def compose(self) -> ComposeResult:
        yield Label("Staff ID", classes="field-label")
        yield Input(
            value=self._initial_staff_id,
            placeholder="e.g. A1001",
            id="staff-id",
            max_length=20,
        )
        yield Label("Passcode", classes="field-label")
        yield Input(placeholder="your passcode", password=True, id="passcode", max_length=128)
        yield Static("", id="signin-message", classes="message")

    def on_mount(self) -> None:
        self.focus_first()

    def focus_first(self) -> None:
        """Focus the staff id, or the passcode when the staff id is already filled in."""
        staff = self.query_one("#staff-id", Input)
        (self.query_one("#passcode", Input) if staff.value else staff).focus()

    def reset(self, staff_id: str = "") -> None:
        """Empty the form (a new person at the desk)."""
        self.query_one("#staff-id", Input).value = staff_id
        self.query_one("#passcode", Input).value = ""
        self.show_message("")
        self.focus_first()

    def show_message(self, text: str, *, error: bool = True) -> None:
        message = self.query_one("#signin-message", Static)
        message.update(safe(text, multiline=True))  # may echo what was typed
        message.set_class(bool(text) and error, "-error")

    @on(Input.Submitted, "#staff-id")
    def _staff_id_entered(self, event: Input.Submitted) -> None:
        event.stop()
        self.query_one("#passcode", Input).focus()

    @on(Input.Submitted, "#passcode")
    def _passcode_entered(self, event: Input.Submitted) -> None:
        event.stop()
        self.submit()

    def submit(self) -> None:
        """Check what was typed (in a thread worker)."""
        if self.busy:
            return
        staff_id = self.query_one("#staff-id", Input).value
        passcode = self.query_one("#passcode", Input).value
        self.busy = True
        self._hold_keys()
        self.show_message("Checking…", error=False)
        self._check(staff_id, passcode)

    def _hold_keys(self) -> None:
        self.desk.typeahead.hold(self.HOLD)

    def _drop_held_keys(self) -> None:
        self.desk.typeahead.release(self.HOLD, discard=True)

    @dataclass
    class _SomeoneElse(Message):
        staff_id: str

    def _is_other_staff_id(self, staff_id: str, passcode: str) -> str | None:
        """The roster staff id typed into the passcode box by someone else, if that is what
        happened (no passcode can be a staff id: passcodes must be long and not guessable)."""
        typed = passcode.strip().upper()
        if not typed or typed == staff_id.strip().upper() or len(typed) > 20:
            return None
        from cxdesk.store.staff_queries import on_roster

        return on_roster(self.desk.store, typed)

    @work(thread=True, exclusive=True, exit_on_error=False, group="signin")
    def _check(self, staff_id: str, passcode: str) -> None:
        from cxdesk.store.signin_commands import sign_in

        other = self._is_other_staff_id(staff_id, passcode) if self._initial_staff_id else None
        if other is not None:
            # At the lock screen the next person typed their staff id where the passcode
            # goes: take it as theirs, never as a wrong try against the person locked out.
            self.post_message(self._SomeoneElse(other))
            return
        try:
            session = sign_in(self.desk.store, staff_id, passcode)
        except CxDeskError as exc:
            # An unknown staff ID goes back to the staff ID (selected, to retype), so a
            # passcode typed next never lands, readable, in the staff ID box.
            field = exc.field if isinstance(exc, ValidationError | AuthError) else None
            field = field or "passcode"
            self.post_message(self._Refused(exc.message, field))
        except Exception as exc:  # never leave the desk holding keys on a fault
            self.app.log.error(f"sign-in check failed: {exc!r}")
            self.post_message(
                self._Refused("The desk could not check that just now. Please try again.", None)
            )
        else:
            self.post_message(self._Accepted(session))

    @on(_Refused)
    def _show_refusal(self, event: _Refused) -> None:
        event.stop()
        self.busy = False
        self._drop_held_keys()
        self.show_message(event.message)
        passcode = self.query_one("#passcode", Input)
        passcode.value = ""
        staff = self.query_one("#staff-id", Input)
        (staff if event.field == "staff_id" or not staff.value else passcode).focus()

    @on(_SomeoneElse)
    def _someone_else(self, event: _SomeoneElse) -> None:
        event.stop()
        self.busy = False
        self._drop_held_keys()
        self.query_one("#staff-id", Input).value = event.staff_id
        self.query_one("#passcode", Input).value = ""
        self.query_one("#passcode", Input).focus()
        self.show_message(f"Signing in as {event.staff_id}: now type your passcode.", error=False)

    @on(_Accepted)
    def _pass_on_session(self, event: _Accepted) -> None:
        event.stop()
        self.busy = False
        self.query_one("#passcode", Input).value = ""
        self.show_message("")
        self.post_message(self.SignedIn(event.session))
