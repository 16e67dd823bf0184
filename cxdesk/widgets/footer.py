"""The footer of keys: Textual's own, rebuilt only when the keys it shows change.

Textual's ``Footer`` throws its keys away and builds them again whenever the
screen's bindings may have changed, which is every move of the focus: three
times before the sign-in screen is first drawn, and again at each Tab between
fields, though the keys shown are nearly always the same. This one compares
what it would show with what it shows, and rebuilds only on a difference.
"""

from __future__ import annotations

from textual.screen import Screen
from textual.widgets import Footer


class DeskFooter(Footer):
    """A ``Footer`` that leaves its keys alone when the bindings shown have not changed."""

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self._shown: tuple | None = None

    def bindings_changed(self, screen: Screen) -> None:
        shown = _keys_shown(screen)
        if shown == self._shown:
            return
        super().bindings_changed(screen)
        if screen.app.app_focus and self.is_attached and screen is self.screen:
            self._shown = shown  # the keys Textual is rebuilding it with


def _keys_shown(screen: Screen) -> tuple:
    """What a footer draws for ``screen``: each binding it shows, whether it is enabled
    and its tooltip, with the command palette's key among them."""
    return tuple(
        (binding.key, binding.key_display, binding.description, binding.action, binding.group)
        + (enabled, tooltip)
        for _node, binding, enabled, tooltip in screen.active_bindings.values()
        if binding.show or binding.action == "command_palette"
    )
