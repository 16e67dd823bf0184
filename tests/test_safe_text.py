"""``safe_text``: any text made harmless to show; ``hidden_character``: the rule on input."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rich.text import Text

from cxdesk.domain import validation
from cxdesk.domain.safe_text import BIDI_CONTROLS, LINE_BREAKS, hidden_character, safe, safe_text
from cxdesk.errors import ValidationError
from cxdesk.events import Payload, load_all
from tests import hostile


def harmless(text: str, *, multiline: bool) -> bool:
    for char in text:
        if char == "\n" and multiline:
            continue
        if unicodedata.category(char) in ("Cc", "Cs") or char in BIDI_CONTROLS:
            return False
        if char in "\u2028\u2029":
            return False
    return True


@settings(max_examples=300, deadline=None)
@given(st.text(), st.booleans())
def test_safe_text_leaves_nothing_a_terminal_obeys(text, multiline):
    shown = safe_text(text, multiline=multiline)
    assert harmless(shown, multiline=multiline)
    assert safe_text(shown, multiline=multiline) == shown  # idempotent
    assert hidden_character(shown, multiline=multiline) is None


@settings(max_examples=200, deadline=None)
@given(st.text(st.characters(exclude_categories=("Cc", "Cs", "Zl", "Zp"))))
def test_text_the_rule_accepts_is_shown_unchanged(text):
    if hidden_character(text) is None:
        assert safe_text(text) == text


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        (hostile.OSC52, "␛]52;c;Y3VybA==␇"),
        ("\x9b31m", "\ufffd31m"),
        ("a\u202eb\u2066c\u200fd\u061ce", "a\ufffdb\ufffdc\ufffdd\ufffde"),
        ("del\x7f", "del␡"),
        ("one\r\ntwo\tthree\u2028four", "one two three four"),
        ("Markup[/]", "Markup[/]"),
        (None, ""),
        (42, "42"),
        ("\ud800", "\ufffd"),
    ],
)
def test_one_line_placeholders(raw, shown):
    assert safe_text(raw) == shown


def test_multiline_keeps_line_breaks_and_expands_tabs():
    assert safe_text("a\r\nb\rc\u2029d\te\x1b", multiline=True) == "a\nb\nc\nd    e␛"


def test_safe_is_text_never_markup():
    shown = safe(hostile.LINK + "Markup[/]" + hostile.CLICK, "bold")
    assert isinstance(shown, Text)
    assert shown.plain == hostile.LINK + "Markup[/]" + hostile.CLICK
    assert not shown.spans and str(shown.style) == "bold"


@pytest.mark.parametrize("char", ["\x1b", "\x9b", "\x7f", "\u202e", "\u2066", "\u200e", "\u061c"])
def test_forms_refuse_hidden_characters_with_a_clear_message(char):
    with pytest.raises(ValidationError, match="hidden control character"):
        validation.clean_text(f"Ann{char}", field="given_name", max_len=60)
    with pytest.raises(ValidationError, match="hidden control character"):
        validation.clean_text(f"a\nb{char}", field="note", max_len=60, multiline=True)


def test_every_kind_checks_its_text_and_names_real_multiline_fields():
    for name, kind in load_all().items():
        assert issubclass(kind.payload, Payload), name
        unknown = kind.payload.multiline_fields - set(kind.payload.model_fields)
        assert not unknown, (name, unknown)


def _hidden_by_category(text: str, multiline: bool) -> tuple[int, str] | None:
    """The rule as first written: a loop over Unicode categories (the regex must agree)."""
    for position, char in enumerate(text, start=1):
        if multiline and char in "\n\t":
            continue
        if char in LINE_BREAKS or char == "\t":
            return position, char
        if unicodedata.category(char) in ("Cc", "Cs") or char in BIDI_CONTROLS:
            return position, char
    return None


@settings(max_examples=500)
@given(st.text(st.characters(), max_size=40), st.booleans())
def test_hidden_character_agrees_with_the_category_rule(text, multiline):
    assert hidden_character(text, multiline=multiline) == _hidden_by_category(text, multiline)


def test_every_code_point_below_0x3000_judged_as_by_category():
    sample = "".join(map(chr, range(0x3000))) + "".join(sorted(BIDI_CONTROLS))
    for i, char in enumerate(sample):
        for multiline in (False, True):
            assert hidden_character(char, multiline=multiline) == _hidden_by_category(
                char, multiline
            ), (i, multiline)
