"""What the supervisor's screens share: the supervisors-only guard and the compact look.

Every screen of the issued-voucher log shows customers' names and who issued
what, so each one refuses anyone but a supervisor (or administrator) itself,
however it was reached (F7, the command palette, a test): ``check_action``
turns its keys off and the body says why, in words, instead of showing data.
The central API refuses supervisor-only events from anyone else on its own.
"""

from __future__ import annotations

from datetime import date, timedelta

from textual.widgets import Checkbox, Input, Static

from cxdesk.domain.validation import london_today, parse_date
from cxdesk.errors import ValidationError
from cxdesk.events import SUPERVISORS
from cxdesk.screens.base import DeskScreen

REFUSAL = (
    "The supervisor's log is for supervisors only. You are signed in as {role}. "
    "Ask a supervisor if you need to know about an issue."
)

COMPACT_CSS = """
.bar { height: 1; width: 100%; }
.bar Label, .bar .lbl { width: auto; padding: 0 1 0 0; }
.bar Input { border: none; height: 1; padding: 0; width: 12; margin: 0 1 0 0; }
.bar Input.-invalid { text-style: reverse; }
.bar Input:focus { text-style: bold underline; }
.bar Input.narrow { width: 8; }
.bar Checkbox { border: none; height: 1; padding: 0; margin: 0 1 0 0; width: auto; }
.bar Checkbox:focus { text-style: reverse; }
.totals { height: 1; text-style: bold; }
.error-line { height: auto; max-height: 2; text-style: bold; }
.refusal { padding: 1 2; text-style: bold; }
DataTable { height: 1fr; }
"""


class FilterToggle(Checkbox):
    """A checkbox whose mark is an X only when ticked, so it reads the same with NO_COLOR."""

    BUTTON_INNER = " "

    def watch_value(self) -> None:
        self.BUTTON_INNER = "X" if self.value else " "
        super().watch_value()  # posts Changed
        self.refresh()


def is_supervisor(app) -> bool:
    session = getattr(app, "session", None)
    return session is not None and session.role in SUPERVISORS


class SupervisorScreen(DeskScreen):
    """A desk screen only supervisors may use (see the module docstring)."""

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("app.back", "back"):
            return True
        return is_supervisor(self.app)

    def refusal_text(self) -> str:
        session = getattr(self.app, "session", None)
        role = session.role_label if session is not None else "nobody"
        return REFUSAL.format(role=role)

    def refuse_if_needed(self) -> bool:
        """Hide everything but the refusal for non-supervisors; True if refused."""
        if is_supervisor(self.app):
            return False
        for child in self.query(".supervisor-only"):
            child.display = False
        refusal = self.query_one("#refusal", Static)
        refusal.update(self.refusal_text())
        refusal.display = True
        return True


def default_range(days: int = 7) -> tuple[date, date]:
    today = london_today()
    return today - timedelta(days=days - 1), today


def read_date(field: Input, *, required: bool = False) -> date | None:
    """The date typed in ``field`` (blank allowed unless required); marks the field if wrong."""
    field.remove_class("-invalid")
    if not field.value.strip() and not required:
        return None
    try:
        return parse_date(field.value, field=field.id or "date")
    except ValidationError:
        field.add_class("-invalid")
        raise


def show_date(day: date | None) -> str:
    return "" if day is None else day.strftime("%d/%m/%Y")
