"""Flag a customer in crisis: tick the signs seen, say what was done.

A modal over the customer view. The checklist is ``cxdesk.domain.crisis.SIGNS``
(space to tick; a line under it says in words what is ticked, since the tick
marks differ only by colour); "Other" covers anything else. Saving records ``CrisisFlagged``
in a worker; refusals show under the form and nothing typed is lost.
"""

from __future__ import annotations

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Input, Label, SelectionList, Static

from cxdesk.desk_app import OnDesk
from cxdesk.domain.crisis import SIGNS
from cxdesk.domain.safe_text import safe
from cxdesk.errors import CxDeskError
from cxdesk.store import crisis_commands as cc


class CrisisFlagScreen(OnDesk, ModalScreen[str | None]):
    """Returns the new flag's id, or None if cancelled."""

    DEFAULT_CSS = """
    CrisisFlagScreen { align: center middle; }
    CrisisFlagScreen > VerticalScroll { width: 70; max-width: 100%; height: auto;
        max-height: 22; border: round $error; padding: 0 1; background: $surface; }
    CrisisFlagScreen SelectionList { height: auto; max-height: 10; }
    CrisisFlagScreen #ticked { height: auto; text-style: bold; }
    CrisisFlagScreen Input { height: 3; }
    CrisisFlagScreen #err-form { color: $error; text-style: bold; }
    """
    BINDINGS = [
        Binding("ctrl+s", "save", "Save flag", id="flag-save"),
        Binding("escape", "cancel", "Cancel", id="flag-cancel"),
    ]

    class Saved(Message):
        def __init__(self, flag_id: str) -> None:
            super().__init__()
            self.flag_id = flag_id

    class Failed(Message):
        def __init__(self, error: CxDeskError) -> None:
            super().__init__()
            self.error = error

    def __init__(self, customer_id: str, customer_name: str) -> None:
        super().__init__()
        self.customer_id, self.customer_name = customer_id, customer_name

    def compose(self) -> ComposeResult:
        with VerticalScroll(can_focus=False) as form:
            form.border_title = "Crisis flag"
            form.border_subtitle = "Space ticks · Tab next · Ctrl+S saves · Esc cancels"
            yield Label(safe(f"Flag {self.customer_name} as in crisis: tick the signs you see"))
            yield SelectionList[str](*[(words, code) for code, words in SIGNS.items()], id="signs")
            yield Static("Ticked: none yet", id="ticked")
            yield Input(placeholder="Other signs (optional)", id="f-other_signs")
            yield Input(placeholder="Actions taken (required)", id="f-actions")
            yield Static("", id="err-form")

    def on_mount(self) -> None:
        self.query_one("#signs", SelectionList).focus()

    @on(SelectionList.SelectedChanged)
    def _ticked(self, event: SelectionList.SelectedChanged) -> None:
        """Say in words what is ticked: the tick marks differ only by colour."""
        chosen = set(event.selection_list.selected)
        words = [w for code, w in SIGNS.items() if code in chosen]
        self.query_one("#ticked", Static).update(f"Ticked: {', '.join(words) or 'none yet'}")

    def action_save(self) -> None:
        values = {
            "signs": list(self.query_one("#signs", SelectionList).selected),
            "other_signs": self.query_one("#f-other_signs", Input).value,
            "actions": self.query_one("#f-actions", Input).value,
        }
        self._save(values)

    @on(Input.Submitted)
    def _next(self, event: Input.Submitted) -> None:
        if event.input.id == "f-actions":
            self.action_save()
        else:
            self.focus_next()

    @work(thread=True, exclusive=True, exit_on_error=False, group="flag-save")
    def _save(self, values: dict) -> None:
        s = self.signed_in
        try:
            event = cc.flag_crisis(
                self.desk.store,
                actor=s.staff_id,
                role=s.role,
                customer_id=self.customer_id,
                signs=values["signs"],
                other_signs=values["other_signs"],
                actions=values["actions"],
            )
        except CxDeskError as exc:
            self.post_message(self.Failed(exc))
        else:
            self.post_message(self.Saved(event.payload["flag_id"]))

    @on(Saved)
    def _saved(self, message: Saved) -> None:
        self.dismiss(message.flag_id)

    @on(Failed)
    def _failed(self, message: Failed) -> None:
        self.query_one("#err-form", Static).update(safe(message.error.message))

    def action_cancel(self) -> None:
        """Escape: straight back if nothing was ticked or typed, else ask first."""
        from cxdesk.screens.discard import ask_before_leaving

        typed = bool(self.query_one("#signs", SelectionList).selected) or any(
            i.value.strip() for i in self.query(Input)
        )
        ask_before_leaving(self, typed, lambda: self.dismiss(None))
