"""The enrol screen: where a desk lands after it was revoked and wiped.

It says what happened (the wipe's own sentence: what was deleted, how many
unsent records were lost) and offers the one way forward, enrolling the desk
afresh with the central API's address and a new device token from an
administrator. Enrolling runs in a thread worker (it opens a new encrypted
store and asks the server who the token belongs to); the app then swaps the
new store in and returns to the sign-in screen (``CxDeskApp.on_enrol_screen_enrolled``).
The token is typed into a password field and never shown or logged.
"""

from __future__ import annotations

from dataclasses import dataclass

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import Input, Static

from cxdesk.domain.safe_text import safe
from cxdesk.errors import CxDeskError
from cxdesk.screens.base import DeskScreen


class EnrolScreen(DeskScreen):
    """The revoked-and-wiped notice, and the server address and token to enrol again."""

    BINDINGS = [Binding("ctrl+s", "enrol", "Enrol", id="enrol-desk")]
    DEFAULT_CSS = """
    EnrolScreen #enrol-body { padding: 1 2; }
    EnrolScreen #enrol-notice { margin-bottom: 1; }
    EnrolScreen #enrol-error { margin-top: 1; }
    """

    @dataclass
    class Enrolled(Message):
        """A new store, enrolled with the central API, ready for the app to use."""

        store: object
        device: str
        location: str

    @dataclass
    class _Failed(Message):
        message: str

    def __init__(self, notice: str, server_url: str = "") -> None:
        super().__init__()
        self.notice = notice
        self.server_url = server_url

    def compose_body(self) -> ComposeResult:
        with Vertical(id="enrol-body"):
            yield Static("Desk revoked", classes="title")
            yield Static(safe(self.notice, multiline=True), id="enrol-notice")
            yield Static("Central API address")
            yield Input(self.server_url, placeholder="https://…", id="enrol-url")
            yield Static("New device token (from an administrator)")
            yield Input(password=True, placeholder="cxd_…", id="enrol-token")
            yield Static("", id="enrol-error", classes="error")

    def on_mount(self) -> None:
        self.query_one("#enrol-token" if self.server_url else "#enrol-url", Input).focus()

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        if event.input.id == "enrol-url":
            self.query_one("#enrol-token", Input).focus()
        else:
            self.action_enrol()

    def action_enrol(self) -> None:
        url = self.query_one("#enrol-url", Input).value.strip()
        token = self.query_one("#enrol-token", Input).value.strip()
        if not url.startswith(("http://", "https://")):
            self._show_error("Type the central API's address, starting https://")
            return
        if not token:
            self._show_error("Type the device token the administrator gave you.")
            return
        self._show_error("Enrolling …")
        self._enrol(url, token)

    def _show_error(self, message: str) -> None:
        self.query_one("#enrol-error", Static).update(safe(message, multiline=True))

    @work(thread=True, exclusive=True, exit_on_error=False, group="enrol")
    def _enrol(self, url: str, token: str) -> None:
        from cxdesk.store import open_store
        from cxdesk.sync.desk import enrol_desk

        settings = self.desk.settings
        try:
            store = open_store(settings.store_path)
        except CxDeskError as exc:
            self.post_message(self._Failed(exc.message))
            return
        try:
            info = enrol_desk(settings, store, url, token)
        except CxDeskError as exc:
            store.close()
            self.post_message(self._Failed(exc.message))
            return
        self.post_message(self.Enrolled(store, info.device, info.location))

    @on(_Failed)
    def _failed(self, event: _Failed) -> None:
        self._show_error(event.message)
        self.query_one("#enrol-token", Input).value = ""
