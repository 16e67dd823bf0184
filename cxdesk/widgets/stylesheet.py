"""The desk's stylesheet: Textual's own, parsing each piece of CSS once per set of colours.

Textual refreshes the CSS when a mode's first screen is made, and when a screen
brings CSS of its own, even when the theme's variables are the ones already
parsed with. Its refresh throws every parsed rule away and parses all the CSS
again, and the next widget class to arrive then parses all of it a third time.
At start that is the desk's stylesheet and every widget's default CSS, parsed
three times before the sign-in screen is drawn. Here a refresh with the same
variables keeps what was parsed: a new source is still parsed (once) when
the rules are next wanted, and new variables still mean a full re-parse.
"""

from __future__ import annotations

from textual.css.stylesheet import Stylesheet


class DeskStylesheet(Stylesheet):
    """A ``Stylesheet`` whose refresh with unchanged variables keeps its parsed rules."""

    def __init__(self, *, variables: dict[str, str] | None = None) -> None:
        super().__init__(variables=variables)
        self._parsed_with = dict(variables or {})
        self._variables_changed = False

    def set_variables(self, variables: dict[str, str]) -> None:
        if variables == self._parsed_with:
            return  # the parsed rules hold: nothing that went into them has changed
        self._parsed_with = dict(variables)
        self._variables_changed = True
        super().set_variables(variables)

    def reparse(self) -> None:
        if not self._variables_changed:
            # Parsed if a source was added since (``rules`` parses when it must); what
            # was parsed before comes from the cache.
            self.rules  # noqa: B018 - read for its parse
            return
        super().reparse()
        self._variables_changed = False
