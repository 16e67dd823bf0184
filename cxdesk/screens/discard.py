"""Escape on a form with something typed in it asks first, and keeps a draft.

An advisor with a distressed resident in front of them must never lose a
story to a stray Escape. ``DraftGuard`` is mixed into a form screen: its
``leave`` closes an open dropdown first; with nothing typed it just leaves;
otherwise it asks "Discard what you typed?" (Enter keeps, D discards).

What was typed also survives an accidental close (a colleague signing in at
the lock screen, the form swept away with the session): the form's values are
kept in memory on the desk (``Desk.form_drafts``) under (form, resident) until that form is opened
again for that resident, when they are put back. Only a deliberate discard or
a save forgets them. Drafts never touch the disk.
"""

from __future__ import annotations

from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Checkbox, Input, Label, Select, Static, TextArea

from cxdesk.screens.base import DeskScreen


class DiscardDialog(ModalScreen[bool]):
    """ "Discard what you typed?": Enter (or Escape) keeps it, D discards."""

    DEFAULT_CSS = """
    DiscardDialog { align: center middle; }
    DiscardDialog > Vertical { width: 50; height: auto; border: round $error;
        padding: 0 1; background: $surface; }
    """
    BINDINGS = [
        Binding("enter,escape", "keep", "Keep typing", id="discard-keep"),
        Binding("d", "discard", "Discard", id="discard-yes"),
    ]

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label("Discard what you typed?", classes="title")
            yield Static("Enter: no, keep it and carry on\nD: yes, discard it and go back")

    def action_keep(self) -> None:
        self.dismiss(False)

    def action_discard(self) -> None:
        self.dismiss(True)


class DraftGuard(DeskScreen):
    """The base of a form screen that has ``values()`` and ``restore(values)``.

    Subclasses set ``DRAFT_FORM`` (a name) and ``draft_key`` (the resident's
    id, or "" for a new registration), call ``start_draft()`` once the fields
    are mounted, ``forget_draft()`` on save, and bind Escape to ``leave``.
    """

    DRAFT_FORM = ""
    draft_key = ""
    _initial: dict | None = None
    _latest: dict | None = None
    _finished = False

    def values(self) -> dict[str, Any]:
        """What the form's fields hold now."""
        raise NotImplementedError

    def restore(self, values: dict[str, Any]) -> None:
        """Put ``values`` back into the form's fields."""
        raise NotImplementedError

    def start_draft(self) -> None:
        """Put back a draft left for this form and resident; note the starting values."""
        self._initial = dict(self.values())
        self._latest = dict(self._initial)
        kept = self.desk.form_drafts.pop((self.DRAFT_FORM, self.draft_key), None)
        if kept:
            self.restore(kept)
            self._latest = dict(kept)
            self.notify("What you typed before is back.", timeout=4)

    @on(Input.Changed)
    @on(Select.Changed)
    @on(TextArea.Changed)
    @on(Checkbox.Changed)
    def _note_change(self) -> None:
        # Kept up to date as fields change: when the screen is swept away its fields may
        # already be gone, so the draft is what was last seen, not read at the end.
        if self._initial is not None:
            self._latest = dict(self.values())

    def is_dirty(self) -> bool:
        return self._initial is not None and self._latest != self._initial

    def forget_draft(self) -> None:
        """Saved (or deliberately discarded): nothing to keep."""
        self._finished = True
        self.desk.form_drafts.pop((self.DRAFT_FORM, self.draft_key), None)

    def on_unmount(self) -> None:
        # Closed any other way (a new person at the desk, the session swept away): keep it.
        if not self._finished and self.is_dirty():
            self.desk.form_drafts[(self.DRAFT_FORM, self.draft_key)] = dict(self._latest or {})

    def leave(self) -> None:
        """Escape: close a dropdown first; ask before throwing typed work away."""
        for select in self.query(Select):
            if select.expanded:
                select.expanded = False
                select.focus()
                return
        if not self.is_dirty():
            self.forget_draft()
            self.app.pop_screen()
            return

        def answered(discard: bool | None) -> None:
            if discard:
                self.forget_draft()
                self.app.pop_screen()

        self.app.push_screen(DiscardDialog(), answered)


def ask_before_leaving(screen, typed: bool, leave) -> None:
    """For a small form without drafts: ``leave()`` at once if nothing was typed, else ask."""
    if not typed:
        leave()
        return

    def answered(discard: bool | None) -> None:
        if discard:
            leave()

    screen.app.push_screen(DiscardDialog(), answered)
