"""The desk header: who is signed in, their role, where, and the sync status.

It sits at the top of every full screen (``DeskScreen`` composes it; the app
adds one to any screen that lacks it), because a shared terminal must always
show whose name work is being recorded under. It watches the app's ``session``
so it changes the moment someone signs in, out, or is replaced.

``SyncIndicator`` is the slot the sync worker fills: it shows "Offline only"
when no server is configured. Every screen has its own header, so the worker
sets the app's ``sync_text`` (and ``sync_alert``) reactives once and every
indicator follows them ("Online · 0 waiting", "Offline · 3 waiting 4 min").
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.reactive import reactive
from textual.widgets import Static

from cxdesk.desk_app import OnDesk
from cxdesk.domain.safe_text import safe

OFFLINE_ONLY = "Offline only"


class SyncIndicator(OnDesk, Static):
    """A short sync status; the sync worker sets ``text`` (and ``alert`` for loud states)."""

    text: reactive[str] = reactive(OFFLINE_ONLY)
    alert: reactive[bool] = reactive(False)

    def on_mount(self) -> None:
        if self.desk.settings.server_url:
            self.text = "Not synced yet"
        self.watch(self.app, "sync_text", self._follow_text)
        self.watch(self.app, "sync_alert", self._follow_alert)

    def _follow_text(self, value: str) -> None:
        if value:
            self.text = value

    def _follow_alert(self, value: bool) -> None:
        self.alert = value

    def watch_text(self, value: str) -> None:
        self.update(safe(value))

    def watch_alert(self, value: bool) -> None:
        self.set_class(value, "-alert")


class DeskHeader(OnDesk, Horizontal):
    """Signed-in person, role and location on the left; sync status on the right."""

    def compose(self) -> ComposeResult:
        yield Static("", id="desk-who")
        yield SyncIndicator(id="desk-sync")

    def on_mount(self) -> None:
        self.watch(self.app, "session", self._show_session)
        self.watch(self.app, "locked", lambda _locked: self._show_session(self.desk.session))

    def _show_session(self, session) -> None:
        who = self.query_one("#desk-who", Static)
        if session is None:
            who.update("cxdesk · Not signed in")
            return
        # The location's short id keeps name, role, place and the sync status on
        # one 80-column line; the sign-in screen shows the location's full name.
        text = f"{session.name} · {session.role_label} · {session.location}"
        who.update(safe(text + " · LOCKED" if self.desk.locked else text))
