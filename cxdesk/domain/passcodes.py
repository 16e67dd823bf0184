"""Staff passcodes: hashing, checking and the rules for choosing one.

Every desk keeps the staff roster, passcode hashes included, so that staff can
sign in while a hub is offline. A laptop can be lost, so a copy of the roster
must not give the passcodes away: hashes are argon2id at OWASP's recommended
cost, and passcodes are long enough that guessing through a copied roster
takes far longer than the hours a 4-6 digit PIN would last.

Passcodes are Unicode-normalised (NFKC) before hashing, as NIST SP 800-63B
advises, so the same passcode typed on two terminals matches. Passcodes are
never logged or kept in memory longer than the call.
"""

from __future__ import annotations

import unicodedata

from argon2 import PasswordHasher, Type, extract_parameters
from argon2.exceptions import InvalidHashError, VerificationError

from cxdesk.errors import ValidationError

# OWASP Password Storage Cheat Sheet (Argon2id section): "a minimum configuration
# of 19 MiB of memory, an iteration count of 2, and 1 degree of parallelism".
# https://cheatsheetseries.owasp.org/cheatsheets/Password_Storage_Cheat_Sheet.html
MEMORY_COST_KIB = 19_456
TIME_COST = 2
PARALLELISM = 1
_HASHER = PasswordHasher(
    time_cost=TIME_COST,
    memory_cost=MEMORY_COST_KIB,
    parallelism=PARALLELISM,
    hash_len=32,
    salt_len=16,
    type=Type.ID,
)

# Hashes arrive in the roster from the server. Refuse to verify against one
# whose cost would stall or exhaust a thin client (a corrupt or hostile row).
_MAX_MEMORY_KIB = 262_144  # 256 MiB
_MAX_TIME_COST = 10
_MAX_PARALLELISM = 8

MIN_LENGTH = 10
MAX_LENGTH = 128
MIN_DIGITS_ONLY = 12


def _normalise(passcode: str) -> str:
    return unicodedata.normalize("NFKC", passcode)


def hash_passcode(passcode: str) -> str:
    """The argon2id hash of ``passcode`` (PHC string format, salt included)."""
    return _HASHER.hash(_normalise(passcode))


def _acceptable_hash(stored_hash: str) -> bool:
    try:
        params = extract_parameters(stored_hash)
    except InvalidHashError:
        return False
    return (
        params.type is Type.ID
        and params.memory_cost <= _MAX_MEMORY_KIB
        and params.time_cost <= _MAX_TIME_COST
        and params.parallelism <= _MAX_PARALLELISM
    )


def verify_passcode(stored_hash: str, passcode: str) -> bool:
    """Whether ``passcode`` matches ``stored_hash``.

    The comparison is argon2's own (constant-time). A wrong passcode, a
    malformed or foreign hash, or a hash with unreasonable cost gives False;
    this never raises for bad input.
    """
    if not isinstance(stored_hash, str) or not isinstance(passcode, str):
        return False
    if not _acceptable_hash(stored_hash):
        return False
    try:
        return _HASHER.verify(stored_hash, _normalise(passcode))
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(stored_hash: str) -> bool:
    """Whether ``stored_hash`` was made with other parameters than today's (or is unreadable).

    Call after a successful sign-in; if True, hash the passcode again and
    record the new hash.
    """
    try:
        return _HASHER.check_needs_rehash(stored_hash)
    except InvalidHashError:
        return True


# Passcodes anyone would try first. Checked on the letters left after taking
# off leading and trailing digits and symbols, so "Password123!" counts.
_COMMON_WORDS = frozenset(
    {
        "password", "passw0rd", "passcode", "letmein", "welcome", "changeme",
        "qwerty", "qwertyuiop", "iloveyou", "secret", "admin", "council",
        "monkey", "football", "sunshine", "dragon", "princess", "trustno",
    }
)  # fmt: skip
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


def check_passcode_strength(
    passcode: str, *, staff_id: str | None = None, field: str = "passcode"
) -> str:
    """``passcode`` if it may be chosen; otherwise ValidationError saying what to change."""
    text = _normalise(passcode or "")
    if not text:
        raise ValidationError("Please choose a passcode.", field=field)
    if len(text) < MIN_LENGTH:
        raise ValidationError(
            f"A passcode needs at least {MIN_LENGTH} characters (this one has {len(text)}). "
            "Every desk keeps a copy of the staff list for offline sign-in; if a laptop "
            "is lost, a short PIN could be worked out from it within hours, a long "
            "passcode could not. A short phrase is easy to remember.",
            field=field,
        )
    if len(text) > MAX_LENGTH:
        raise ValidationError(
            f"A passcode can be at most {MAX_LENGTH} characters (this one has {len(text)}).",
            field=field,
        )
    if len(set(text)) == 1:
        raise ValidationError("A passcode cannot be one character repeated.", field=field)
    if text.isdigit() and len(text) < MIN_DIGITS_ONLY:
        raise ValidationError(
            f"A passcode of only numbers needs at least {MIN_DIGITS_ONLY} digits; "
            "or mix in some letters.",
            field=field,
        )
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
    return passcode
