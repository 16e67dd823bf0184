"""The council's list of contact reasons, and typo-tolerant search over it.

The list is policy data: set centrally (``cxdesk admin set-contact-reasons``,
event ``ContactReasonsSet``), the latest in feed order applies, and the server
refuses a wrap-up naming a reason not on it. An advisor finds a reason by
typing a few letters while the resident talks, with the directory's habits:
words folded the same way (``directory_search.fold``), any order, a word being
typed matches the words it begins, and ``rapidfuzz`` forgives typos
("counsil tax"). The list is short (tens of reasons), so a plain scan per
keystroke costs well under a millisecond.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from pydantic import BaseModel, ConfigDict, Field

from cxdesk.domain.contacts import REASON_CODE
from cxdesk.domain.directory_search import fold

_FUZZY_CUTOFF = 75.0  # as the directory: "housng" vs "housing" is 92
_MIN_SCORE = 50.0


class ContactReason(BaseModel):
    """One reason on the council's list."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    code: str = Field(pattern=REASON_CODE)
    label: str = Field(min_length=1, max_length=80)
    keywords: list[str] = Field(default_factory=list, max_length=12)


@dataclass(frozen=True, slots=True)
class _Indexed:
    reason: ContactReason
    words: tuple[str, ...]
    label: str


class ReasonIndex:
    """Search the reasons list by label and keywords, forgiving typos and word order."""

    def __init__(self, reasons: Iterable[ContactReason]) -> None:
        self._items: list[_Indexed] = []
        for reason in reasons:
            label = fold(reason.label)
            words = {w for text in (label, *map(fold, reason.keywords)) for w in text.split()}
            self._items.append(_Indexed(reason, tuple(sorted(words)), label))

    def __len__(self) -> int:
        return len(self._items)

    @property
    def reasons(self) -> list[ContactReason]:
        return [item.reason for item in self._items]

    def search(self, query: str, limit: int = 8) -> list[ContactReason]:
        """The best matches, best first; an empty query gives the list in its own order."""
        terms = fold(query).split()
        if not terms:
            return self.reasons[:limit]
        scored: list[tuple[float, int, ContactReason]] = []
        for position, item in enumerate(self._items):
            score = sum(_word_score(term, item.words) for term in terms) / len(terms)
            if score < _MIN_SCORE:
                continue
            if item.label.startswith(" ".join(terms)):
                score += 5  # the label begins with what was typed
            scored.append((score, position, item.reason))
        scored.sort(key=lambda hit: (-hit[0], hit[1]))
        return [reason for _, _, reason in scored[:limit]]


def _word_score(term: str, words: tuple[str, ...]) -> float:
    # Imported here, not at the top: the event catalogue imports this module when the
    # desk starts, and the sign-in screen needs no fuzzy matching (DESIGN.md, start-up).
    from rapidfuzz import fuzz

    best = 0.0
    for word in words:
        if word == term:
            return 100.0
        if word.startswith(term):
            best = max(best, 95.0)
        elif len(term) >= 3:
            ratio = fuzz.ratio(term, word, score_cutoff=_FUZZY_CUTOFF)
            best = max(best, ratio * 0.9)
    return best
