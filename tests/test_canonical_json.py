"""The canonical JSON made by orjson is byte for byte the standard library's spelling.

Every hash in the feed is taken over ``canonical_json``; desks and servers of
different versions must agree on it forever. The definition is the standard
library's ``json.dumps(sort_keys=True, separators=(",", ":"), ensure_ascii=False)``;
``canonical_bytes`` makes it with orjson where the two agree and falls back
where they do not (floats, huge integers, lone surrogates).
"""

from __future__ import annotations

import json

from hypothesis import given, settings
from hypothesis import strategies as st

from cxdesk.events.envelope import canonical_bytes, canonical_json, chain_hash, payload_digest


def stdlib(value) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


text = st.text(st.characters(codec="utf-8"), max_size=30)  # every code point but surrogates
scalars = (
    st.none()
    | st.booleans()
    | st.integers()  # past 64 bits too: orjson refuses those, so they take the stdlib path
    | st.integers(min_value=-(2**63), max_value=2**64 - 1)
    | st.floats(allow_nan=True, allow_infinity=True)
    | text
)
json_values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=6) | st.dictionaries(text, inner, max_size=6),
    max_leaves=40,
)


@settings(max_examples=600)
@given(json_values)
def test_byte_identical_to_the_standard_library(value) -> None:
    assert canonical_json(value) == stdlib(value)
    assert canonical_bytes(value) == stdlib(value).encode()


@settings(max_examples=300)
@given(st.dictionaries(text, st.integers() | text | st.lists(text, max_size=3), max_size=8))
def test_payload_digests_unchanged(payload) -> None:
    import hashlib

    assert payload_digest(payload) == hashlib.sha256(stdlib(payload).encode()).hexdigest()


def test_awkward_text_is_spelled_as_before() -> None:
    value = {
        "z": '\x00\x1f\x7f\u2028\u2029é"\\/\t\n\r\b\f',
        "é": 1,
        "Z": "\U0001f600",
        "a": [True, False, None, 2**70, -(2**63), 1e16, 1e-5, 0.1, float("nan")],
        "": {},
    }
    assert canonical_json(value) == stdlib(value)


def test_lone_surrogates_still_fail_to_hash_as_before() -> None:
    value = {"a": "\ud800"}
    assert canonical_json(value) == stdlib(value)  # text: as before
    try:
        canonical_bytes(value)
    except UnicodeEncodeError:
        pass
    else:  # the standard library's form cannot be UTF-8 either
        raise AssertionError("a lone surrogate has no UTF-8 form")


def test_chain_hash_matches_the_old_definition() -> None:
    import hashlib

    fields = {"id": "x" * 36, "kind": "K", "device_seq": 7, "prev_hash": "0" * 64}
    assert chain_hash(**fields) == hashlib.sha256(stdlib(fields).encode()).hexdigest()
