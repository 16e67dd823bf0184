"""Tests for cxdesk.domain.passcodes: argon2id hashing, verification and the passcode rules.

Hashing at OWASP's cost takes about 50 ms, so one hash is shared per module
and the odd-parameter hashes are made cheaply with argon2-cffi directly.
"""

from __future__ import annotations

import pytest
from argon2 import PasswordHasher, Type, extract_parameters

from cxdesk.domain.passcodes import (
    MEMORY_COST_KIB,
    PARALLELISM,
    TIME_COST,
    check_passcode_strength,
    hash_passcode,
    needs_rehash,
    verify_passcode,
)
from cxdesk.errors import ValidationError

PASSCODE = "kettle on at the hub"


@pytest.fixture(scope="module")
def stored_hash() -> str:
    return hash_passcode(PASSCODE)


def cheap_hash(passcode: str, **params) -> str:
    options = {"time_cost": 1, "memory_cost": 8, "parallelism": 1, "type": Type.ID} | params
    return PasswordHasher(**options).hash(passcode)


def test_hash_uses_argon2id_at_owasp_cost(stored_hash):
    params = extract_parameters(stored_hash)
    assert stored_hash.startswith("$argon2id$")
    assert (params.type, params.memory_cost, params.time_cost, params.parallelism) == (
        Type.ID,
        19_456,
        2,
        1,
    )
    assert (MEMORY_COST_KIB, TIME_COST, PARALLELISM) == (19_456, 2, 1)
    assert PASSCODE not in stored_hash


def test_round_trip_and_wrong_passcode(stored_hash):
    assert verify_passcode(stored_hash, PASSCODE) is True
    assert verify_passcode(stored_hash, PASSCODE + " ") is False
    assert verify_passcode(stored_hash, "Kettle on at the hub") is False
    assert verify_passcode(stored_hash, "") is False


def test_each_hash_has_its_own_salt(stored_hash):
    again = hash_passcode(PASSCODE)
    assert again != stored_hash
    assert verify_passcode(again, PASSCODE)


def test_unicode_forms_of_the_same_passcode_match():
    composed = "café au lait please"
    stored = hash_passcode(composed)
    assert verify_passcode(stored, "cafe\u0301 au lait please")  # e + combining accent


@pytest.mark.parametrize(
    "bad_hash",
    [
        "",
        "garbage",
        "$argon2id$v=19$m=19456,t=2,p=1$",
        "$argon2id$v=19$m=abc,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2g",
        "$2b$12$abcdefghijklmnopqrstuuJ9B0qYQJ1tBfKQ0lOeQm8n7Qh9pP3e",  # bcrypt
        None,
        b"$argon2id$v=19$m=8,t=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2g",
    ],
)
def test_malformed_hash_gives_false_not_an_exception(bad_hash):
    assert verify_passcode(bad_hash, PASSCODE) is False


def test_truncated_hash_gives_false(stored_hash):
    assert verify_passcode(stored_hash[:-10], PASSCODE) is False


def test_hash_of_another_argon2_type_is_refused():
    argon2i = cheap_hash(PASSCODE, type=Type.I)
    assert verify_passcode(argon2i, PASSCODE) is False
    assert needs_rehash(argon2i) is True


def test_hash_with_unreasonable_cost_is_not_verified():
    # Cheap to compute but past the limit on time cost: a hostile roster row
    # could otherwise stall a thin client at every sign-in.
    costly = cheap_hash(PASSCODE, time_cost=11)
    assert verify_passcode(costly, PASSCODE) is False
    assert verify_passcode(cheap_hash(PASSCODE, time_cost=10), PASSCODE) is True


def test_needs_rehash(stored_hash):
    weaker = cheap_hash(PASSCODE)
    assert verify_passcode(weaker, PASSCODE) is True  # old hashes still sign people in
    assert needs_rehash(weaker) is True
    assert needs_rehash(stored_hash) is False
    assert needs_rehash("garbage") is True


@pytest.mark.parametrize(
    "passcode",
    [
        "kettle on at the hub",
        "Zoë's passcode!",
        "846203917564",  # 12 digits is enough when only digits
        "9Lw!x2pQ7z",  # exactly 10
        "a" * 127 + "b",  # exactly 128
        "correct horse battery staple",
        "js1 likes tea!",  # staff ID JS1 is too short to police
    ],
)
def test_strength_accepts(passcode):
    assert check_passcode_strength(passcode, staff_id="JS1") == passcode


@pytest.mark.parametrize(
    ("passcode", "message_part"),
    [
        ("", "Please choose a passcode"),
        ("1234", "at least 10 characters (this one has 4)"),
        ("tea break", "could be worked out from it within hours"),
        ("a" * 129, "at most 128 characters (this one has 129)"),
        ("zzzzzzzzzzzz", "one character repeated"),
        ("84736251908", "at least 12 digits"),
        ("0123456789", "at least 12 digits"),
        ("123456789012", "run of keys"),
        ("abcdefghijkl", "run of keys"),
        ("LKJIHGFEDCBA", "run of keys"),
        ("qwertyuiopas", "run of keys"),
        ("Password123!", "first anyone would guess"),
        ("!!welcome2024", "first anyone would guess"),
        ("Council2025", "first anyone would guess"),
        ("hubstaffJS1234", "must not contain your staff ID"),
    ],
)
def test_strength_refuses(passcode, message_part):
    with pytest.raises(ValidationError) as info:
        check_passcode_strength(passcode, staff_id="js1234")
    assert message_part in info.value.message
    assert info.value.field == "passcode"
    assert passcode not in info.value.message or not passcode  # never echo the passcode


def test_short_passcode_message_explains_why():
    with pytest.raises(ValidationError) as info:
        check_passcode_strength("4821", field="new_passcode")
    assert "short PIN" in info.value.message
    assert "staff list" in info.value.message
    assert info.value.field == "new_passcode"
