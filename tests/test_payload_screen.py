"""The push's one search for hidden characters over a payload's canonical JSON.

``check_payload`` skips the per-field hidden-character rule when
``json_may_hide`` finds nothing in the payload's canonical JSON; these tests
hold that shortcut to the rule: nothing it passes holds a refused character,
and every payload gets the same answer (the same message) with it as without.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cxdesk.domain.safe_text import BIDI_CONTROLS, LINE_BREAKS, hidden_character, json_may_hide
from cxdesk.errors import CxDeskError
from cxdesk.events import check_payload, load_all
from cxdesk.events.envelope import canonical_json
from cxdesk.sync.server.payloads import payload_problems

# Plain text with the characters the rule is about (and backslashes and quotes) often.
AWKWARD = sorted(BIDI_CONTROLS | LINE_BREAKS | {"\t", "\\", '"', "\x00", "\x1b", "\x7f", "\x9f"})
text = st.text(
    st.sampled_from(AWKWARD) | st.characters(codec="utf-8") | st.sampled_from("abc é/u"),
    max_size=20,
)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | text,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(text, inner, max_size=4),
    max_leaves=20,
)


def texts_in(value) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [t for item in value for t in texts_in(item)]
    if isinstance(value, dict):
        return [t for key, item in value.items() for t in [key, *texts_in(item)]]
    return []


@settings(max_examples=400)
@given(json_values)
def test_nothing_the_search_passes_holds_a_hidden_character(value) -> None:
    if not json_may_hide(canonical_json(value)):
        assert all(hidden_character(t) is None for t in texts_in(value))


@pytest.mark.parametrize("char", sorted(BIDI_CONTROLS | LINE_BREAKS | {"\t", "\x00", "\x85"}))
def test_each_refused_character_is_seen(char: str) -> None:
    assert json_may_hide(canonical_json({"name": f"Ann{char}Lee"}))
    assert json_may_hide(canonical_json({f"k{char}": 1}))


@pytest.mark.parametrize("multiline", [False, True])
def test_every_refused_ascii_character_is_seen(multiline: bool) -> None:
    """The search's plain-ASCII shortcut misses nothing either rule refuses."""
    for code in range(0x80):
        char = chr(code)
        if hidden_character(f"a{char}b", multiline=multiline) is not None:
            assert json_may_hide(canonical_json({"note": f"a{char}b"})), hex(code)
            assert json_may_hide(canonical_json({f"k{char}": 1})), hex(code)


def test_plain_text_with_quotes_and_slashes_passes() -> None:
    assert not json_may_hide(canonical_json({"note": 'She said "hi" at 9/10 é 😀', "n": 3}))


KINDS = load_all()


@st.composite
def payloads(draw):
    """A kind and a payload: its own field names (sometimes another) with any JSON."""
    kind = draw(st.sampled_from(sorted(KINDS)))
    names = [*KINDS[kind].payload.model_fields, "unexpected"]
    payload = draw(st.dictionaries(st.sampled_from(names), json_values | text, max_size=6))
    return kind, payload


def outcome(kind: str, payload: dict, canonical: str | None) -> str | None:
    try:
        check_payload(kind, payload, canonical)
    except CxDeskError as exc:
        return exc.message
    return None


@settings(max_examples=400)
@given(payloads())
def test_same_answer_with_the_search_as_without(drawn) -> None:
    kind, payload = drawn
    assert outcome(kind, payload, canonical_json(payload)) == outcome(kind, payload, None)


def test_a_hidden_character_is_refused_with_its_message_when_searched() -> None:
    payload = {"staff_id": "A1001", "reason": "bad\x1b[31m"}
    message = outcome("SignInFailed", payload, canonical_json(payload))
    assert message is not None and "U+001B" in message
    assert message == outcome("SignInFailed", payload, None)


@settings(max_examples=100)
@given(st.lists(payloads(), max_size=8))
def test_a_batch_gets_each_payload_its_own_answer(drawn) -> None:
    """``payload_problems`` (a push's payloads validated together, by kind) answers
    each payload with the message ``check_payload`` gives it alone."""
    items = [(kind, payload, canonical_json(payload)) for kind, payload in drawn]
    expected = [outcome(kind, payload, None) for kind, payload in drawn]
    assert payload_problems(items) == expected


def test_a_batch_with_an_unknown_kind_leaves_it_to_the_caller() -> None:
    bad = {"staff_id": "A1001", "reason": "bad\x1b"}
    items = [
        ("NoSuchKind", {}, "{}"),
        ("SignInFailed", bad, canonical_json(bad)),
        ("SignInFailed", {"staff_id": "A1001", "reason": "ok"}, "{}"),
    ]
    found = payload_problems(items)
    assert found[0] is None and found[2] is None
    assert found[1] == outcome("SignInFailed", bad, None)
