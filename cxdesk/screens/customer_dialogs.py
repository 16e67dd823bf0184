"""Small modal questions for the customer and referral screens.

Each is a typed ``ModalScreen`` that returns its answer with ``dismiss``:
a line of text (an outcome, a reason, a note), a team plus a reason (reassign),
which likely match to use before registering, and what to do about an open
referral to the same team. Escape always means "go back, nothing done".
"""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, OptionList, Select, Static
from textual.widgets.option_list import Option

from cxdesk.domain.safe_text import safe
from cxdesk.widgets.limited_input import LimitedInput


class _Dialog(ModalScreen):
    DEFAULT_CSS = """
    _Dialog, TextPrompt, TeamPrompt, MovePrompt, LikelyMatchDialog, DuplicateReferralDialog {
        align: center middle;
    }
    .dialog { width: 72; height: auto; max-height: 20; border: round $accent;
              padding: 0 1; background: $surface; }
    .dialog-error { color: $error; height: auto; }
    .dialog Horizontal { height: auto; }
    .dialog Button { margin: 0 1 0 0; }
    """
    BINDINGS = [Binding("escape", "cancel", "Back", id="dialog-cancel")]

    def action_cancel(self) -> None:
        self.dismiss(None)


class TextPrompt(_Dialog):
    """Ask for one line of text; refuses blank with a message beside the box."""

    def __init__(self, title: str, label: str, *, max_length: int = 500) -> None:
        super().__init__()
        self.title_text, self.label, self.max_length = title, label, max_length

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(safe(self.title_text), classes="title")
            yield Label(safe(self.label))
            yield LimitedInput(id="prompt-text", max_length=self.max_length)
            yield Static("", id="prompt-error", classes="dialog-error")
            yield Static("Enter to save · Escape to go back")

    @on(Input.Submitted, "#prompt-text")
    def _submit(self, event: Input.Submitted) -> None:
        if not event.value.strip():
            self.query_one("#prompt-error", Static).update("Please write something first.")
            return
        self.dismiss(event.value)


class TeamPrompt(_Dialog):
    """Choose a team (and give a reason): returns (team id, reason) or None."""

    def __init__(self, title: str, targets: list, *, exclude: str = "") -> None:
        super().__init__()
        self.title_text = title
        self.options = [(safe(t.name), t.target_id) for t in targets if t.target_id != exclude]

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(safe(self.title_text), classes="title")
            yield Select(self.options, prompt="Choose the team", id="team-choice")
            yield Label("Why?")
            yield Input(id="team-reason", max_length=500)
            yield Static("", id="team-error", classes="dialog-error")
            yield Static("Enter in 'Why?' to save · Escape to go back")

    @on(Input.Submitted, "#team-reason")
    def _submit(self, event: Input.Submitted) -> None:
        team = self.query_one("#team-choice", Select).value
        error = self.query_one("#team-error", Static)
        if not isinstance(team, str):  # nothing chosen (Select.NULL; BLANK is not a value)
            error.update("Choose a team first.")
        elif not event.value.strip():
            error.update("Please say why, for the team and the record.")
        else:
            self.dismiss((team, event.value))


class MovePrompt(_Dialog):
    """Choose the resident's new location and say why: returns (location id, reason) or None."""

    def __init__(self, name: str, places: list[tuple[str, str]]) -> None:
        super().__init__()
        self.name_text = name
        self.options = [(safe(f"{label} ({place})"), place) for place, label in places]

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(safe(f"{self.name_text} now belongs to another location"), classes="title")
            yield Select(self.options, prompt="Choose the location", id="move-choice")
            yield Label("Why? (for example: moved house)")
            yield Input(id="move-reason", max_length=120)
            yield Static(
                "The new location receives the record and its history; this desk drops it "
                "at a later sync unless it still works with them (a referral).",
                classes="hint",
            )
            yield Static("", id="move-error", classes="dialog-error")
            yield Static("Enter in 'Why?' to save · Escape to go back")

    @on(Input.Submitted, "#move-reason")
    def _submit(self, event: Input.Submitted) -> None:
        place = self.query_one("#move-choice", Select).value
        error = self.query_one("#move-error", Static)
        if not isinstance(place, str):  # nothing chosen (Select.NULL)
            error.update("Choose the location first.")
        elif len(event.value.strip()) < 3:
            error.update("Please say why (a few words).")
        else:
            self.dismiss((place, event.value))


class LikelyMatchDialog(_Dialog):
    """Likely matches found: returns a customer id to open, "new" to register anyway, or None."""

    def __init__(self, matches: list) -> None:
        super().__init__()
        self.matches = matches

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label("This may be someone already registered", classes="title")
            options = [
                Option(
                    safe(
                        f"{hit.name}, born {hit.birth_year}, {hit.district}  "
                        f"({', '.join(m.reasons)})"
                    ),
                    id=hit.customer_id,
                )
                for hit, m in self.matches
            ]
            options.append(Option("None of these: register a new customer", id="new"))
            yield OptionList(*options, id="match-list")
            yield Static("Enter to choose · Escape to go back to the form")

    def on_mount(self) -> None:
        self.query_one(OptionList).focus()

    @on(OptionList.OptionSelected)
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)


class DuplicateReferralDialog(_Dialog):
    """An open referral to the same team exists: returns "note", "view" or None."""

    def __init__(self, line) -> None:
        super().__init__()
        self.line = line

    def compose(self) -> ComposeResult:
        line = self.line
        with Vertical(classes="dialog"):
            yield Label("There is already an open referral to this team", classes="title")
            yield Static(
                safe(
                    f"{line.reference} to {line.to_team_name} (now "
                    f"{line.status.replace('_', ' ')}; from {line.from_location_name}). Add "
                    "what the customer told you as a note on it, so the team has everything "
                    "in one place."
                )
            )
            with Horizontal():
                yield Button("Add as a note", id="note", variant="primary")
                yield Button("Open that referral", id="view")
                yield Button("Back", id="back")

    def on_mount(self) -> None:
        self.query_one("#note", Button).focus()

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        self.dismiss(None if event.button.id == "back" else event.button.id)
