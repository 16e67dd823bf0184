"""The help screen (F1): every key that works on the screen in use, and how the desk works.

The key list is built from the live bindings (the screen below plus the app),
so it is always what the footer and any keymap overrides say, never a copy
that drifts out of date.
"""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widgets import Static

INTRO = (
    "Function keys move between areas. Ctrl+P opens the command palette: type "
    "a few letters of what you want to do. F9 locks the desk when you step away; "
    "it locks by itself after a few minutes without a key press."
)


def key_rows(screen: Screen) -> list[tuple[str, str]]:
    """(key, what it does) for every binding that works on ``screen`` now."""
    rows: list[tuple[str, str]] = []
    seen: set[tuple[str, str]] = set()
    app = screen.app
    for active in screen.active_bindings.values():
        binding = active.binding
        # A text box's own editing keys (left, backspace, ...) are not worth listing.
        own_keys = isinstance(active.node, Screen | App)
        if not binding.description or not (own_keys or binding.show):
            continue
        label = app.get_key_display(binding)
        if (label, binding.description) in seen:
            continue
        seen.add((label, binding.description))
        rows.append((label, binding.description))
    return sorted(rows, key=lambda r: (not r[0].startswith("F"), len(r[0]), r[0]))


class HelpScreen(ModalScreen[None]):
    """Keys and a few words on how the desk works; Escape or F1 closes it."""

    BINDINGS = [
        Binding("escape,f1", "dismiss", "Close help", id="close-help"),
    ]

    def __init__(self, rows: list[tuple[str, str]]) -> None:
        super().__init__()
        self.rows = rows

    def compose(self) -> ComposeResult:
        table = Table(box=None, show_header=False, padding=(0, 2, 0, 0))
        table.add_column("Key", style="bold", no_wrap=True)
        table.add_column("What it does")
        for key, description in self.rows:
            table.add_row(key, description)
        with VerticalScroll(id="help-panel"):
            yield Static("Help", classes="title")
            yield Static(Text(INTRO))
            yield Static(table, id="help-keys")
            yield Static("Escape closes this help.", classes="hint")

    def action_dismiss(self) -> None:
        self.dismiss(None)
