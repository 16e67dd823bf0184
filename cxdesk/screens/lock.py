"""The lock screen: covers everything on an unattended desk until someone signs in.

It is a full, opaque screen pushed on top of whatever was in use, never a
teardown: when the same person signs in again the app pops it and they are
back exactly where they were, half-typed form included. Nothing about the
resident on screen shows through. A different person signing in here ends the
first session (recorded) and starts afresh: F12 ("someone else", a key nobody
presses from habit, unlike F2) empties the form and puts them in the Staff ID
box, so their staff id is never taken as a wrong passcode against the person
locked out. F10 signs out instead.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import Static

from cxdesk.domain.safe_text import safe
from cxdesk.screens.base import DeskScreen
from cxdesk.session import DeskSession
from cxdesk.widgets.signin_form import SignInForm


class LockScreen(DeskScreen):
    """ "This desk is locked": sign in again to carry on, or sign out."""

    DEFAULT_CSS = """
    #lock-panel {
        padding: 1 2;
        height: 1fr;
    }
    #lock-form {
        width: 76;
        height: auto;
    }
    #lock-form Input { width: 40; }
    #lock-help {
        height: auto;
        margin-top: 1;
    }
    """
    PALETTE_CATEGORY = "session"
    BINDINGS = [
        Binding("f12", "someone_else", "Someone else", id="lock-someone-else"),
        Binding("f10", "app.sign_out", "Sign out", id="lock-sign-out"),
    ]

    def __init__(self, session: DeskSession, reason: str) -> None:
        super().__init__()
        self.locked_session = session
        self.reason = reason

    def compose_body(self) -> ComposeResult:
        who = self.locked_session
        with Vertical(id="lock-panel"):
            yield Static("This desk is locked", id="lock-title", classes="title")
            yield Static(
                safe(
                    f"{self.reason}. {who.name} ({who.staff_id}) is signed in.\n"
                    "Type your passcode to carry on where you left off.\n"
                    "Someone else? Press F12, then your own staff ID and passcode:\n"
                    "you start afresh. F10 signs out.",
                    multiline=True,
                ),
                id="lock-help",
            )
            yield SignInForm(staff_id=who.staff_id, id="lock-form")

    def action_someone_else(self) -> None:
        """A different person at the desk: an empty form, the cursor in Staff ID."""
        self.query_one(SignInForm).reset()
