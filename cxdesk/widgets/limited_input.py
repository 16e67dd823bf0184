"""A text box that says so when a paste does not fit, instead of dropping it silently.

Textual's ``Input`` refuses a whole paste that would go past ``max_length``
(a 10,000-character paste inserts nothing, without a word) and keeps only
the first line of a multi-line paste. Here a paste keeps as much as fits, its
lines joined by spaces, and the advisor is told how much was left out, so
nothing vanishes without them knowing.
"""

from __future__ import annotations

from textual import events
from textual.widgets import Input


def fit_paste(text: str, room: int) -> tuple[str, int]:
    """The pasted text as one line cut to ``room`` characters, and how many were left out."""
    line = " ".join(part.strip() for part in text.splitlines() if part.strip())
    if room < 0 or len(line) <= room:
        return line, 0
    return line[:room], len(line) - room


class LimitedInput(Input):
    """An ``Input`` whose paste keeps what fits and tells the advisor about the rest."""

    def _on_paste(self, event: events.Paste) -> None:
        event.stop()
        if not event.text:
            return
        start, end = sorted(self.selection)
        room = self.max_length - (len(self.value) - (end - start)) if self.max_length else -1
        text, dropped = fit_paste(event.text, room)
        if text:
            self.replace(text, start, end)
        if dropped:
            self.notify(
                f"Only {self.max_length:,} characters fit here: the last {dropped:,} pasted "
                "were left out. Check the end of what you pasted.",
                severity="warning",
                timeout=8,
            )
