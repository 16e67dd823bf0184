"""The sign-in screen: the first thing on a desk, and where the desk returns after sign-out.

It is the base screen of the ``signin`` mode; the app switches to the
``lookup`` mode once someone signs in. On a demo store it lists one demo
account per role with its passcode (they are published in fixtures/staff.json
and are worthless outside the demo), so anyone trying the demo can get in.
Whenever the screen comes back into view the form is emptied: the next person
at the desk must not find the last one's staff id waiting.
"""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.widgets import Static

from cxdesk.domain.safe_text import safe, safe_text
from cxdesk.screens.base import DeskScreen
from cxdesk.widgets.signin_form import SignInForm


class SignInScreen(DeskScreen):
    """Staff id and passcode; on a demo store, the demo accounts beside them."""

    PALETTE_CATEGORY = "session"

    @dataclass
    class _Loaded(Message):
        place: str
        demo_lines: list[str]

    def compose_body(self) -> ComposeResult:
        with Horizontal(id="signin-body"):
            with Vertical(id="signin-panel"):
                yield Static("Sign in", id="signin-title", classes="title")
                yield Static("", id="signin-place")
                yield SignInForm(id="signin-form")
            yield Static("", id="demo-accounts")

    def on_mount(self) -> None:
        self._load()

    def on_screen_resume(self) -> None:
        if self.is_mounted:
            self.query_one(SignInForm).reset()

    @work(thread=True, exclusive=True, exit_on_error=False, group="signin-load")
    def _load(self) -> None:
        # Two small queries: the passcode check's modules load on the first key press.
        from cxdesk.store.demo_mark import is_demo_store
        from cxdesk.store.staff_queries import location_name

        desk = self.desk
        place = location_name(desk.store, desk.store.location) or "this desk (not set up)"
        lines: list[str] = []
        if desk.settings.demo and is_demo_store(desk.store):  # never on a real desk
            from cxdesk.seed.staff import demo_accounts
            from cxdesk.session import may_sign_in_at

            for account in demo_accounts(location=desk.store.location):
                where = ""
                if not may_sign_in_at(account.role, account.locations, desk.store.location):
                    where = f" (at {', '.join(account.locations)})"
                lines += [
                    f"{account.role_label}: {account.staff_id}{where}",
                    f"  {account.passcode}",
                ]
        self.post_message(self._Loaded(place, lines))

    @on(_Loaded)
    def _show_loaded(self, event: _Loaded) -> None:
        self.query_one("#signin-place", Static).update(safe(f"at {event.place}"))
        demo = self.query_one("#demo-accounts", Static)
        if event.demo_lines:
            demo.update(
                Text(
                    "DEMO COUNCIL: fictional staff.\nStaff ID, then passcode:\n\n"
                    + "\n".join(safe_text(line) for line in event.demo_lines)
                )
            )
        demo.display = bool(event.demo_lines)
