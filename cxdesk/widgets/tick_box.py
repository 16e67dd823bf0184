"""A check box whose tick is a character, not only a colour.

Textual's ``Checkbox`` draws "X" whether it is ticked or not and tells them
apart by colour alone, so on a monochrome thin client or with NO_COLOR an
advisor cannot see whether "No email" is ticked. ``TickBox`` draws the X
only when ticked (and a blank when not), in colour as before.
"""

from __future__ import annotations

from textual.widgets import Checkbox


class TickBox(Checkbox):
    """A ``Checkbox`` readable without colour: X when ticked, blank when not."""

    @property
    def BUTTON_INNER(self) -> str:  # noqa: N802 (Textual's name for the inner character)
        """The character inside the box, following the value."""
        return "X" if self.value else " "
