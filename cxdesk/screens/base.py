"""The base for every full desk screen: the desk header on top, the footer of keys below.

Subclass ``DeskScreen`` and write ``compose_body`` instead of ``compose``; the
header (who is signed in, role, location, sync) and the footer (every key that
works here) then appear on every area without each screen remembering them.
``palette_commands`` lets a screen offer its own "category: verb" entries to
the command palette, next to the app's own.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from textual.app import ComposeResult
from textual.screen import Screen

from cxdesk.desk_app import OnDesk
from cxdesk.widgets.footer import DeskFooter
from cxdesk.widgets.header import DeskHeader

PaletteCommand = tuple[str, str, Callable[[], object]]
"""(title "category: verb", help text, callback)."""


class DeskScreen(OnDesk, Screen):
    """A full screen with the desk header and the key footer."""

    def compose(self) -> ComposeResult:
        yield DeskHeader()
        yield from self.compose_body()
        yield DeskFooter(compact=True)

    def compose_body(self) -> ComposeResult:
        """The screen's own widgets, between header and footer."""
        return iter(())

    def palette_commands(self) -> Iterable[PaletteCommand]:
        """Commands this screen adds to the command palette while it is in use."""
        return ()
