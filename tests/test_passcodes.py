"""Tests for cxdesk.domain.passcodes: the rules for choosing a passcode."""

from __future__ import annotations

import pytest

from cxdesk.domain.passcodes import check_passcode_strength
from cxdesk.errors import ValidationError


@pytest.mark.parametrize(
    "passcode",
    [
        "kettle on at the hub",
        "Zoë's passcode, the long one!",
        "9Lw!x2pQ7z#k",  # exactly 12, random
        "correct horse battery staple",
        "js1 likes tea at four",  # staff ID JS1 is too short to police
    ],
)
def test_strength_accepts(passcode):
    assert check_passcode_strength(passcode, staff_id="JS1", name="Jo Smith") == passcode


@pytest.mark.parametrize(
    ("passcode", "message_part"),
    [
        ("", "Please choose a passcode"),
        ("1234", "at least 12 characters (this one has 4)"),
        ("9Lw!x2pQ7z#", "at least 12 characters (this one has 11)"),
        ("a" * 129, "at most 128 characters (this one has 129)"),
        ("zzzzzzzzzzzz", "one character repeated"),
        ("123456789012", "run of keys"),
        ("abcdefghijkl", "run of keys"),
        ("LKJIHGFEDCBA", "run of keys"),
        ("qwertyuiopas", "run of keys"),
        ("Password123!", "first anyone would guess"),
        ("!!welcome2024!", "first anyone would guess"),
        ("hubstaffJS1234", "must not contain your staff ID"),
        ("joanna-smithers-99", "must not contain your own name"),
        ("I love Eastmere so much", "council's name"),
        ("111122223333", "similar to a commonly used password"),  # zxcvbn's warning
        ("abcabcabcabc", "Repeats like"),
    ],
)
def test_strength_refuses(passcode, message_part):
    with pytest.raises(ValidationError) as info:
        check_passcode_strength(passcode, staff_id="js1234", name="Joanna Smithers")
    assert message_part in info.value.message
    assert info.value.field == "passcode"
    assert passcode not in info.value.message or not passcode  # never echo the passcode


def test_weak_passcode_message_carries_zxcvbn_advice():
    with pytest.raises(ValidationError) as info:
        check_passcode_strength("abcabcabcabc", field="new_passcode")
    assert info.value.message.startswith("That passcode would be too easy to guess.")
    # zxcvbn's own warning and suggestions follow, in its words.
    assert "Avoid repeated words and characters." in info.value.message
    assert info.value.field == "new_passcode"


def test_short_passcode_message_explains_why():
    with pytest.raises(ValidationError) as info:
        check_passcode_strength("4821", field="new_passcode")
    assert "staff list" in info.value.message
    assert info.value.field == "new_passcode"
