"""The command palette (Ctrl+P): every action that works now, as "category: verb".

Entries come from the live bindings of the screen in use and of the app, so
every key in the footer is also in the palette, with no second list to keep
up to date; a keymap override changes both. The category is the
``PALETTE_CATEGORY`` of the screen (or widget) that owns the binding ("desk"
for the app's own), the verb its footer description: "directory: copy
number", "desk: lock". A ``DeskScreen`` may add entries without a key through
``palette_commands``. Every task the signed-in person may do is offered on
every screen too (``cxdesk.tasks``): "task: issue food voucher", "task: refer".
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from functools import partial

from textual.command import DiscoveryHit, Hit, Hits, Provider

Entry = tuple[str, str, Callable[[], object]]


class DeskCommands(Provider):
    """Palette entries for the actions available on the screen in use."""

    def _entries(self) -> Iterator[Entry]:
        screen = self.screen
        app = self.app
        seen: set[str] = set()
        for active in screen.active_bindings.values():
            binding, node = active.binding, active.node
            if not active.enabled or not binding.description or not binding.show:
                continue
            category = getattr(node, "PALETTE_CATEGORY", None) or "desk"
            title = f"{category}: {binding.description.lower()}"
            if title in seen:
                continue
            seen.add(title)
            help_text = f"{app.get_key_display(binding)}  {binding.tooltip or ''}".strip()
            yield title, help_text, partial(app.run_action, binding.action, node)
        extra = getattr(screen, "palette_commands", None)
        if extra is not None:
            for title, help_text, callback in extra():
                if title not in seen:
                    seen.add(title)
                    yield title, help_text, callback
        # Every task this person may do, from any screen ("voucher", "refer", "food").
        from cxdesk.tasks import palette_entries

        for title, help_text, callback in palette_entries(app):
            if title not in seen:
                seen.add(title)
                yield title, help_text, callback

    async def discover(self) -> Hits:
        for title, help_text, callback in self._entries():
            yield DiscoveryHit(title, callback, help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for title, help_text, callback in self._entries():
            score = matcher.match(title)
            if score > 0:
                yield Hit(score, matcher.highlight(title), callback, help=help_text)
