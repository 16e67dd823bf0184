"""Crisis flags and crisis payment requests: the checklist and the allowed steps.

The checklist is short on purpose: an advisor ticks what they saw in seconds,
and a free-text "other" covers the rest. The step rules are pure functions so
the desk and the central API's server checks agree: a request is completed or
declined once; a flag is closed once.
"""

from __future__ import annotations

SIGNS: dict[str, str] = {
    "no_food": "no food",
    "no_money": "no money",
    "no_heating": "no heating or power",
    "at_risk_of_harm": "at risk of harm",
    "eviction_today": "eviction today",
    "no_safe_place": "no safe place to sleep",
    "needs_medication": "cannot get medication",
    "children_affected": "children affected",
}
"""Sign code (stored) -> words shown to people."""

PAYMENT_STEPS = {
    "open": {"completed", "declined"},
    "completed": set(),
    "declined": set(),
}


def payment_step_allowed(current: str | None, new: str) -> bool:
    """Whether a crisis payment request in ``current`` status may become ``new``."""
    return new in PAYMENT_STEPS.get(current or "", set())


def flag_close_allowed(current: str | None) -> bool:
    """Whether a crisis flag in ``current`` status may be closed."""
    return current == "open"


def signs_text(codes: list[str], other: str = "") -> str:
    """The signs as words, in checklist order."""
    words = [SIGNS.get(code, code) for code in codes]
    if other.strip():
        words.append(other.strip())
    return ", ".join(words)
