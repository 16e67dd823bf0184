"""A dropdown you can type into, that opens on a real choice rather than its prompt.

Textual's ``Select`` only searches once its list is open, and a blank select
opens with the prompt highlighted, so choosing "Housing Options" from sixty
teams meant Enter, Down, many Downs, Enter. At a busy desk that is too slow.
``QuickSelect`` behaves like a browser's select: with the field focused and
closed, typing letters ("hous") jumps straight to the best-matching choice
(name starting with what was typed first, then a word starting with it, then
anywhere in the name); a pause of a second starts a new search. Enter, Down
or Space still open the list, and a blank list opens on its first real choice
unless it is made with ``open_on_prompt`` (consent: where no answer may be
assumed, a stray Down-Enter must not pick one).
"""

from __future__ import annotations

from collections.abc import Iterable
from time import monotonic
from typing import Any

from rich.text import Text
from textual import events
from textual.widgets import OptionList, Select

SEARCH_RESET_SECONDS = 1.0


def best_match(query: str, prompts: list[str]) -> int | None:
    """Index of the prompt that best matches ``query`` (case-insensitive), or None."""
    q = query.lower().strip()
    if not q:
        return None
    lowered = [p.lower() for p in prompts]
    for test in (
        lambda p: p.startswith(q),
        lambda p: any(word.startswith(q) for word in p.split()),
        lambda p: q in p,
    ):
        for index, prompt in enumerate(lowered):
            if test(prompt):
                return index
    return None


def _plain(prompt: Any) -> str:
    return prompt.plain if isinstance(prompt, Text) else str(prompt)


class QuickSelect(Select):
    """A ``Select`` that takes typed letters while closed and never opens on its prompt."""

    def __init__(
        self, options: Iterable[tuple[Any, Any]], *, open_on_prompt: bool = False, **kwargs: Any
    ) -> None:
        options = list(options)
        super().__init__(options, **kwargs)
        self.open_on_prompt = open_on_prompt
        self._choices = options
        self._query = ""
        self._typed_at = 0.0

    def set_options(self, options: Iterable[tuple[Any, Any]]) -> None:
        """Replace the choices (and remember them for typing)."""
        self._choices = list(options)
        super().set_options(self._choices)

    def check_consume_key(self, key: str, character: str | None = None) -> bool:
        """Printable keys are typing into the field, not shortcuts."""
        return bool(character and character.isprintable()) or super().check_consume_key(
            key, character
        )

    async def on_key(self, event: events.Key) -> None:
        char = event.character
        if self.expanded or not char or not char.isprintable():
            return
        now = monotonic()
        if now - self._typed_at > SEARCH_RESET_SECONDS:
            self._query = ""
        if char == " " and not self._query:
            return  # a lone space opens the list, as in any Select
        self._typed_at = now
        event.stop()
        event.prevent_default()
        self._query += char
        index = best_match(self._query, [_plain(p) for p, _v in self._choices])
        if index is not None:
            self.value = self._choices[index][1]

    def action_show_overlay(self) -> None:
        """Open the list; a blank field opens on its first real choice, not the prompt."""
        self._query = ""
        super().action_show_overlay()
        # The open list is Textual's SelectOverlay, an OptionList; found by its type
        # name so that nothing here imports Textual's private ``_select`` module.
        overlay = self.query_one("SelectOverlay", OptionList)
        if self.open_on_prompt:
            return
        if self.is_blank() and self._choices and overlay.highlighted == 0:
            overlay.highlighted = 1
            overlay.scroll_to_highlight()
