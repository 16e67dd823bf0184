"""Why a resident cannot use online services: recorded once on their record, shown there.

D on a resident's record opens this short checklist (``EXCLUSION_REASONS``:
no device, no internet, no email address, skills or confidence, disability,
language, prefers not to), ticked as last recorded; Ctrl+S or Enter saves it
as ``DigitalExclusionRecorded`` (the latest applies everywhere; saving with
nothing ticked records that they can, after all). The record shows one line,
"Online: cannot use online services (...)", so the next advisor does not send
them to a web form. The managers' figures count residents by reason.
"""

from __future__ import annotations

from dataclasses import dataclass

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import SelectionList, Static

from cxdesk.desk_app import OnDesk
from cxdesk.domain.contacts import EXCLUSION_REASONS
from cxdesk.domain.safe_text import safe
from cxdesk.errors import CxDeskError


def describe(reasons: list[str]) -> str:
    """The record's line for these reasons ("" when none is recorded)."""
    if not reasons:
        return ""
    words = ", ".join(EXCLUSION_REASONS.get(r, r).lower() for r in reasons)
    return f"Online: cannot use online services ({words}) · D to change"


class DigitalExclusionScreen(OnDesk, ModalScreen[list[str] | None]):
    """Returns the reasons recorded, or None if closed without saving."""

    DEFAULT_CSS = """
    DigitalExclusionScreen { align: center middle; }
    DigitalExclusionScreen > Vertical { width: 60; max-width: 100%; height: auto;
        border: round $accent; padding: 0 1; background: $surface; }
    DigitalExclusionScreen SelectionList { height: auto; max-height: 9; }
    DigitalExclusionScreen #exclusion-error { color: $error; height: auto; }
    """
    BINDINGS = [
        Binding("ctrl+s,enter", "save", "Save", id="exclusion-save", priority=True),
        Binding("escape", "cancel", "Cancel", id="exclusion-cancel"),
    ]

    @dataclass
    class _Saved(Message):
        reasons: list[str]

    @dataclass
    class _Failed(Message):
        error: CxDeskError

    def __init__(self, customer_id: str, customer_name: str, current: list[str]) -> None:
        super().__init__()
        self.customer_id, self.customer_name, self.current = customer_id, customer_name, current

    def compose(self) -> ComposeResult:
        with Vertical() as box:
            box.border_title = "Online services"
            box.border_subtitle = "Space ticks · Enter saves · Esc cancels"
            # Static, not Label: a long name wraps instead of being cut at the box's edge.
            yield Static(safe(f"Why can {self.customer_name} not use online services?"))
            yield SelectionList[str](
                *[(words, code, code in self.current) for code, words in EXCLUSION_REASONS.items()],
                id="exclusion-reasons",
            )
            yield Static("", id="exclusion-error")

    def on_mount(self) -> None:
        self.query_one(SelectionList).focus()

    def action_save(self) -> None:
        self._save(list(self.query_one(SelectionList).selected))

    def action_cancel(self) -> None:
        self.dismiss(None)

    @work(thread=True, exclusive=True, exit_on_error=False, group="exclusion-save")
    def _save(self, reasons: list[str]) -> None:
        from cxdesk.store import contact_commands

        s = self.signed_in
        try:
            contact_commands.record_digital_exclusion(
                self.desk.store,
                actor=s.staff_id,
                role=s.role,
                customer_id=self.customer_id,
                reasons=reasons,
            )
        except CxDeskError as exc:
            self.post_message(self._Failed(exc))
        else:
            self.post_message(self._Saved(reasons))

    @on(_Saved)
    def _saved(self, message: _Saved) -> None:
        self.dismiss(message.reasons)

    @on(_Failed)
    def _failed(self, message: _Failed) -> None:
        self.query_one("#exclusion-error", Static).update(safe(message.error.message))
