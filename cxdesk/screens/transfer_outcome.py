"""What happened on a team's direct line, in one key, right after the number was copied.

Copying a directory entry's number (Ctrl+Y on the list, C on the entry) is how
an advisor dials or transfers a resident. The council needs to know whether
those lines answer (it once checked by hand), so this small modal waits while
the call is made: A answered, N no answer, R refused, W wrong number, and it
records ``TransferOutcomeRecorded`` against the entry's team. Escape (or any
other key) closes it with nothing recorded: it never guesses.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from rich.text import Text
from textual import events, on, work
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Label, Static

from cxdesk.desk_app import OnDesk, desk_of
from cxdesk.domain.contacts import TRANSFER_KEYS, TRANSFER_RESULTS
from cxdesk.domain.directory import DirectoryEntry
from cxdesk.domain.safe_text import safe
from cxdesk.errors import CxDeskError
from cxdesk.events import FRONTLINE


class TransferOutcomeScreen(OnDesk, ModalScreen[str | None]):
    """Returns the result code recorded, or None if closed without one."""

    PALETTE_CATEGORY = "transfer"
    DEFAULT_CSS = """
    TransferOutcomeScreen { align: center bottom; }
    TransferOutcomeScreen > Vertical { width: 76; max-width: 100%; height: auto;
        border: round $accent; padding: 0 1; background: $surface; margin-bottom: 1; }
    TransferOutcomeScreen #transfer-error { color: $error; height: auto; }
    """
    BINDINGS = [
        *[
            Binding(key, f"record('{code}')", TRANSFER_RESULTS[code], id=f"transfer-{code}")
            for key, code in TRANSFER_KEYS.items()
        ],
        Binding("escape", "close", "Not now", id="transfer-close"),
    ]

    @dataclass
    class _Done(Message):
        result: str

    @dataclass
    class _Failed(Message):
        error: CxDeskError

    def __init__(self, entry: DirectoryEntry) -> None:
        super().__init__()
        self.entry = entry
        self.team = entry.team or entry.name
        self._saving = False

    def compose(self) -> ComposeResult:
        with Vertical() as box:
            box.border_title = "Transfer"
            yield Label(safe(f"Ringing {self.team}: what happened on the line?"))
            keys = Text()
            for key, code in TRANSFER_KEYS.items():
                keys.append(f"{key.upper()} ", style="bold")
                keys.append(f"{TRANSFER_RESULTS[code]}   ")
            keys.append("Esc ", style="bold")
            keys.append("not now")
            yield Static(keys, id="transfer-keys")
            yield Static("", id="transfer-error")

    def on_key(self, event: events.Key) -> None:
        # Any key that is not an answer closes the question: nothing is guessed or recorded.
        if event.key not in TRANSFER_KEYS and event.key != "escape" and not self._saving:
            event.stop()
            self.dismiss(None)

    def action_close(self) -> None:
        self.dismiss(None)

    def action_record(self, result: str) -> None:
        if not self._saving:
            self._saving = True
            self._save(result)

    @work(thread=True, exclusive=True, exit_on_error=False, group="transfer-save")
    def _save(self, result: str) -> None:
        from cxdesk.store import contact_commands

        s = self.signed_in
        try:
            contact_commands.record_transfer(
                self.desk.store,
                actor=s.staff_id,
                role=s.role,
                entry_id=self.entry.id,
                team=self.team,
                result=result,
            )
        except CxDeskError as exc:
            self.post_message(self._Failed(exc))
        else:
            self.post_message(self._Done(result))

    @on(_Done)
    def _done(self, message: _Done) -> None:
        said = TRANSFER_RESULTS[message.result].lower()
        self.app.notify(f"Recorded: {said}.", timeout=2, markup=False)
        self.dismiss(message.result)

    @on(_Failed)
    def _failed(self, message: _Failed) -> None:
        self._saving = False
        self.query_one("#transfer-error", Static).update(safe(message.error.message))


def ask_transfer_outcome(app: App[Any], entry: DirectoryEntry) -> None:
    """After a number is copied: ask what happened, if the person signed in transfers calls."""
    session = desk_of(app).session
    if session is None or session.role not in FRONTLINE:
        return
    if isinstance(app.screen, TransferOutcomeScreen):
        app.pop_screen()
    app.push_screen(TransferOutcomeScreen(entry))
