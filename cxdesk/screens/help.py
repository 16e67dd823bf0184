"""The help screen (F1): how to do this screen's tasks in words, then every key that works.

The words are per screen (``HOW_TO``), each sentence marked with the roles it
is for, so an advisor is never told about the supervisor's log. The key list is
built from the live bindings (the screen below plus the app) that are enabled
for this person now, so it is always what the footer and any keymap overrides
say, never a copy that drifts out of date.
"""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widgets import Static

from cxdesk.desk_app import desk_of
from cxdesk.events import FRONTLINE, SUPERVISORS

ANY = None
FRONT = FRONTLINE

INTRO = (
    "Function keys move between areas. Ctrl+P opens the command palette: type "
    "a few letters of what you want to do. F9 locks the desk when you step away; "
    "it locks by itself after a few minutes without a key press."
)


HOW_TO: dict[str, list[tuple[str, frozenset[str] | None]]] = {
    "SignInScreen": [
        (
            "Type your staff ID, press Enter (or Tab), type your passcode, press Enter. "
            "You can type it all at once.",
            ANY,
        ),
    ],
    "LockScreen": [
        ("The person shown: type your passcode and press Enter to carry on where you were.", ANY),
        (
            "Someone else: press F12, then your own staff ID and passcode. The first "
            "person's session ends; yours starts fresh. F10 signs out.",
            ANY,
        ),
    ],
    "LookupScreen": [
        (
            "Find a number: just type a team, a service, a keyword or part of a number. "
            "Up/Down choose, Enter shows the entry (hours, out-of-hours route), Ctrl+Y copies "
            "the number. STAFF means a priority line: not for the public.",
            ANY,
        ),
    ],
    "CustomerSearchScreen": [
        (
            "Find a resident: type a name (any order, typos are fine), a date of birth, a "
            "postcode or a phone number, then Enter on their name to open the record.",
            ANY,
        ),
        (
            "Not there? Ctrl+N registers them; likely matches show as soon as their names and "
            "date of birth are typed.",
            ANY,
        ),
    ],
    "CustomerViewScreen": [
        ("A food voucher: I, then scan or type the serial and a reason, Ctrl+S.", FRONT),
        (
            "A crisis payment card: C, the serial, the amount and why, Ctrl+S; the Welfare "
            "Assistance Team loads it within a working hour.",
            FRONT,
        ),
        (
            "Refer them to a team: R, choose the team, their story in their words, consent, "
            "Ctrl+S.",
            FRONT,
        ),
        ("Flag a crisis: F, tick what you saw and write what you did.", FRONT),
        ("N adds a note; E changes their details; Enter opens a referral in the history.", ANY),
    ],
    "CustomerFormScreen": [
        (
            "Fill in each line (Tab moves on), then Ctrl+S. Escape asks before throwing away "
            "what you typed. No fixed abode: tick it beside the postcode.",
            ANY,
        ),
    ],
    "ReferralFormScreen": [
        (
            "Type letters to choose the team, then the reason, their story in their own "
            "words, and consent (ask them: there is no default). Ctrl+S raises it; you are told "
            "at once if they already have an open referral to that team.",
            ANY,
        ),
    ],
    "IssueScreen": [
        (
            "Scan or type the serial (Enter checks it), then the reason; Ctrl+S confirms. "
            "After that P prints the slip for the resident.",
            ANY,
        ),
    ],
    "ConfirmationScreen": [("P prints the letter for the resident; Escape when done.", ANY)],
    "ReferralQueuesScreen": [
        (
            "Pick your team's queue, then Enter on a referral to accept, start, complete or "
            "decline it. Outgoing lists what your desk sent, with the outcome.",
            ANY,
        ),
    ],
    "CrisisQueueScreen": [
        ("Open crisis payments and flags, most urgent first.", ANY),
        (
            "C when the funds are loaded, D to decline with a reason.",
            frozenset({"welfare", "admin"}),
        ),
    ],
    "IssueLogScreen": [
        (
            "Filter by dates, location, advisor or kind and press Ctrl+R; Enter shows an "
            "issue's whole story.",
            SUPERVISORS,
        ),
    ],
}


def screen_help(screen: Screen) -> str:
    """How to do this screen's tasks, in words, for the person signed in."""
    session = desk_of(screen.app).session
    role = session.role if session else None
    lines = [
        text
        for text, roles in HOW_TO.get(type(screen).__name__, [])
        if roles is None or role in roles
    ]
    return "\n\n".join(lines)


def key_rows(screen: Screen) -> list[tuple[str, str]]:
    """(key, what it does) for every binding that works on ``screen`` now."""
    rows: list[tuple[str, str]] = []
    seen: set[tuple[str, str]] = set()
    app = screen.app
    for active in screen.active_bindings.values():
        binding = active.binding
        # A text box's own editing keys (left, backspace, ...) are not worth listing.
        own_keys = isinstance(active.node, Screen | App)
        if not binding.description or not (own_keys or binding.show) or not active.enabled:
            continue  # nothing this person cannot use now
        label = app.get_key_display(binding)
        if (label, binding.description) in seen:
            continue
        seen.add((label, binding.description))
        rows.append((label, binding.description))
    return sorted(rows, key=lambda r: (not r[0].startswith("F"), len(r[0]), r[0]))


class HelpScreen(ModalScreen[None]):
    """Keys and a few words on how the desk works; Escape or F1 closes it."""

    DEFAULT_CSS = """
    HelpScreen { align: center middle; }
    #help-panel {
        width: 76;
        height: 22;
        border: round $primary;
        background: $surface;
        padding: 0 1;
    }
    #help-panel > Static {
        height: auto;
        margin-bottom: 1;
    }
    """
    BINDINGS = [
        Binding("escape,f1", "dismiss", "Close help", id="close-help"),
    ]

    def __init__(self, rows: list[tuple[str, str]], how_to: str = "") -> None:
        super().__init__()
        self.rows = rows
        self.how_to = how_to

    def compose(self) -> ComposeResult:
        table = Table(box=None, show_header=False, padding=(0, 2, 0, 0))
        table.add_column("Key", style="bold", no_wrap=True)
        table.add_column("What it does")
        for key, description in self.rows:
            table.add_row(Text(key), Text(description))  # a str cell would be read as markup
        with VerticalScroll(id="help-panel"):
            yield Static("Help", classes="title")
            if self.how_to:
                yield Static(Text(self.how_to), id="help-how-to")
                yield Static("")
            yield Static(Text(INTRO))
            yield Static(table, id="help-keys")
            yield Static("Escape closes this help.", classes="hint")

    def action_dismiss(self) -> None:
        self.dismiss(None)
