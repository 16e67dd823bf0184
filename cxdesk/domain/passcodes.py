"""Staff passcodes: the rules for choosing one.

Every desk keeps the staff roster for offline sign-in, and the roster carries
each person's public signing key (``cxdesk.domain.staff_keys``), which can be
attacked offline like a password hash: guess a passcode, derive, compare. So a
passcode must be long and hard to guess: at least 12 characters, scored by
``zxcvbn`` (3 of 4 or better, with its advice as the message), and not built
from the council's name, the staff id or the person's own name.

Passcodes are Unicode-normalised (NFKC) before use, as NIST SP 800-63B
advises, so the same passcode typed on two terminals matches. Passcodes are
never logged or kept in memory longer than the call.
"""

from __future__ import annotations

import unicodedata

from zxcvbn import zxcvbn

from cxdesk.errors import ValidationError

MIN_LENGTH = 12
MAX_LENGTH = 128
MIN_SCORE = 3
COUNCIL_NAME = "London Borough of Eastmere"
"""Words of the council's own name are the first an attacker tries."""
# zxcvbn's cost grows with length; the score of the first 100 characters is plenty.
_SCORED_LENGTH = 100


def _normalise(passcode: str) -> str:
    return unicodedata.normalize("NFKC", passcode)


# Passcodes anyone would try first. Checked on the letters left after taking
# off leading and trailing digits and symbols, so "Password123!" counts.
_COMMON_WORDS = frozenset(
    {
        "password",
        "passw0rd",
        "passcode",
        "letmein",
        "welcome",
        "changeme",
        "qwerty",
        "qwertyuiop",
        "iloveyou",
        "secret",
        "admin",
        "council",
        "monkey",
        "football",
        "sunshine",
        "dragon",
        "princess",
        "trustno",
    }
)
_RUNS = (
    "01234567890123456789012345678901234567890123456789",
    "abcdefghijklmnopqrstuvwxyz",
    "qwertyuiopasdfghjklzxcvbnm",
    "1qaz2wsx3edc4rfv5tgb6yhn7ujm8ik9ol0p",
)


def _core_word(passcode: str) -> str:
    """The passcode in lower case without leading and trailing non-letters."""
    lowered = passcode.lower()
    start, end = 0, len(lowered)
    while start < end and not lowered[start].isalpha():
        start += 1
    while end > start and not lowered[end - 1].isalpha():
        end -= 1
    return lowered[start:end]


def _name_words(*texts: str | None) -> list[str]:
    """Words of 3+ letters from names, lower-cased ("Amara Osei" -> amara, osei)."""
    words: list[str] = []
    for text in texts:
        for word in "".join(c if c.isalnum() else " " for c in (text or "")).lower().split():
            if len(word) >= 3 and word not in ("the", "and", "of"):
                words.append(word)
    return words


def check_passcode_strength(
    passcode: str,
    *,
    staff_id: str | None = None,
    name: str | None = None,
    council_name: str = COUNCIL_NAME,
    field: str = "passcode",
) -> str:
    """``passcode`` if it may be chosen; otherwise ValidationError saying what to change."""
    text = _normalise(passcode or "")
    if not text:
        raise ValidationError("Please choose a passcode.", field=field)
    if len(text) < MIN_LENGTH:
        raise ValidationError(
            f"A passcode needs at least {MIN_LENGTH} characters (this one has {len(text)}). "
            "Every desk keeps a copy of the staff list for offline sign-in; if a laptop "
            "is lost, a short passcode could be worked out from it, a long one could "
            "not. A short phrase of unrelated words is easy to remember.",
            field=field,
        )
    if len(text) > MAX_LENGTH:
        raise ValidationError(
            f"A passcode can be at most {MAX_LENGTH} characters (this one has {len(text)}).",
            field=field,
        )
    if len(set(text)) == 1:
        raise ValidationError("A passcode cannot be one character repeated.", field=field)
    lowered = text.lower()
    if any(lowered in run or lowered in run[::-1] for run in _RUNS):
        raise ValidationError(
            "A passcode cannot be a run of keys or characters such as 1234567890 or abcdefghij.",
            field=field,
        )
    if _core_word(text) in _COMMON_WORDS:
        raise ValidationError(
            "That passcode is one of the first anyone would guess. Please choose another.",
            field=field,
        )
    # Only IDs of 4+ characters: a 2-letter ID such as "JS" turns up in innocent phrases.
    if staff_id and len(staff_id.strip()) >= 4 and staff_id.strip().lower() in lowered:
        raise ValidationError("A passcode must not contain your staff ID.", field=field)
    squashed = "".join(c for c in lowered if c.isalnum())
    if any(word in squashed for word in _name_words(name)):
        raise ValidationError("A passcode must not contain your own name.", field=field)
    if any(word in squashed for word in _name_words(council_name) if word != "borough"):
        raise ValidationError("A passcode must not contain the council's name.", field=field)
    hints = [h for h in [staff_id, name, *_name_words(name, council_name)] if h]
    result = zxcvbn(text[:_SCORED_LENGTH], user_inputs=hints)
    if result["score"] < MIN_SCORE:
        feedback = result.get("feedback") or {}
        advice = [feedback.get("warning") or "", *(feedback.get("suggestions") or [])]
        said = " ".join(a.strip() for a in advice if a and a.strip())
        raise ValidationError(
            "That passcode would be too easy to guess. "
            + (said or "Add another word or two that do not belong together."),
            field=field,
        )
    return passcode
