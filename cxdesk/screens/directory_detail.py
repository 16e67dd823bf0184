"""One directory entry in full: the number as dialled in the UK, hours, and what to do when closed.

What an advisor must not miss comes first: a staff-only number carries a loud
"STAFF ONLY: do not give to the public" bar (in words, so it survives NO_COLOR
and a monochrome terminal), then the number, then whether the line is open now
and when that changes. Below: the weekly hours, the out-of-hours alternative,
notes, and the team and service. C copies the number, O the out-of-hours
number; Escape goes back to the search with the query as it was.
"""

from __future__ import annotations

from datetime import UTC, datetime

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widgets import Static

from cxdesk.domain.directory import DirectoryEntry, format_uk
from cxdesk.domain.hours import is_open, status_text
from cxdesk.domain.safe_text import safe, safe_text
from cxdesk.screens.base import DeskScreen
from cxdesk.screens.lookup import copy_number

STAFF_ONLY_TEXT = "STAFF ONLY: do not give to the public"


class DirectoryDetailScreen(DeskScreen):
    """The full entry; pushed on top of the lookup screen."""

    DEFAULT_CSS = """
    #detail { padding: 0 1; }
    #detail > Static {
        height: auto;
        margin-bottom: 1;
    }
    #detail > .tight { margin-bottom: 0; }
    #staff-only {
        background: $error;
        color: $text;
        text-style: bold reverse;
        padding: 0 1;
        width: auto;
    }
    """
    PALETTE_CATEGORY = "directory"
    BINDINGS = [
        Binding("escape", "back", "Back", id="back-to-search"),
        Binding("c,ctrl+y", "copy_number", "Copy number", id="copy-number"),
        Binding("o", "copy_out_of_hours", "Copy OOH number", id="copy-ooh-number"),
    ]

    def __init__(self, entry: DirectoryEntry) -> None:
        super().__init__()
        self.entry = entry

    def compose_body(self) -> ComposeResult:
        entry = self.entry
        with VerticalScroll(id="detail"):
            yield Static(safe(entry.name, "bold"), id="detail-name", classes="title tight")
            if entry.staff_only:
                yield Static(f"!! {STAFF_ONLY_TEXT} !!", id="staff-only")
            yield Static(
                safe(format_uk(entry.phone, entry.extension), "bold"),
                id="detail-number",
                classes="tight",
            )
            yield Static("", id="detail-status")
            yield Static(self._section("Opening hours", "\n".join(entry.hours.describe())))
            yield Static(self._out_of_hours(), id="detail-ooh")
            if entry.notes:
                yield Static(self._section("Notes", entry.notes), id="detail-notes")
            about = [part for part in (entry.team, entry.service) if part]
            if entry.email:
                about.append(f"Email: {entry.email}")
            if entry.keywords:
                about.append("Keywords: " + ", ".join(entry.keywords))
            if about:
                yield Static(self._section("About", "\n".join(about)), id="detail-about")

    def on_mount(self) -> None:
        self._show_status()
        self.set_interval(60, self._show_status, name="open-now")
        self.query_one("#detail", VerticalScroll).focus()

    def _show_status(self) -> None:
        now = datetime.now(UTC)
        open_now = is_open(self.entry.hours, now)
        text = Text(status_text(self.entry.hours, now), style="bold" if open_now else "")
        self.query_one("#detail-status", Static).update(text)

    @staticmethod
    def _section(title: str, body: str) -> Text:
        text = Text()
        text.append(title + "\n", style="bold underline")
        text.append(safe_text(body, multiline=True))  # directory text, made safe to show
        return text

    def _out_of_hours(self) -> Text:
        entry = self.entry
        lines = []
        if entry.out_of_hours:
            lines.append(entry.out_of_hours)
        if entry.out_of_hours_phone:
            ooh = format_uk(entry.out_of_hours_phone, entry.out_of_hours_extension)
            lines.append(f"Number: {ooh}  (O copies it)")
        return self._section(
            "Out of hours", "\n".join(lines) or "No out-of-hours alternative given."
        )

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # No out-of-hours number: no key for copying one in the footer or palette.
        if action == "copy_out_of_hours":
            return self.entry.out_of_hours_phone is not None
        return True

    def action_back(self) -> None:
        self.dismiss()

    def action_copy_number(self) -> None:
        copy_number(self.app, self.entry)

    def action_copy_out_of_hours(self) -> None:
        copy_number(self.app, self.entry, out_of_hours=True)
