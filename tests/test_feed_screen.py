"""A pull page's events are screened in one tight loop (``feed_refusals.screen``) with
exactly the answers of ``refusal_reason``, the definition: the same reason (or None)
and the canonical payload text, whatever the payload holds (floats that orjson spells
its own way, integers past 64 bits, text anywhere) and whichever field is wrong."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from cxdesk.events.envelope import Event, canonical_json, chain_hash, new_event_id, payload_digest
from cxdesk.store.projections.feed_refusals import refusal_reason, screen

text = st.text(st.characters(codec="utf-8"), max_size=20)
scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.sampled_from([1e16, 1e-7, 2.5, -0.0, 1e300])
    | text
)
values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(text, inner, max_size=4),
    max_leaves=20,
)
payloads = st.dictionaries(text, values, max_size=5)
FAULTS = ["none", "digest", "hash", "clock", "owner", "payload", "erased"]


def _event(payload: dict, fault: str, seq: int) -> Event:
    fields = {
        "id": new_event_id(),
        "kind": "SignInFailed",
        "payload_digest": payload_digest(payload),
        "actor": "desk",
        "device": "D-OTHER",
        "location": "CSC",
        "device_seq": seq,
        "hlc": "0001764072000000-0000-D-OTHER",
        "prev_hash": "0" * 64,
    }
    if fault == "clock":
        fields["hlc"] = "not a clock value at all"
    if fault == "owner":
        fields["hlc"] = "0001764072000000-0000-D-ELSEWHERE"
    hash_ = chain_hash(**fields)
    if fault == "digest":
        fields["payload_digest"] = "f" * 64
    if fault == "hash":
        hash_ = "e" * 64
    if fault == "payload":
        payload = {**payload, "added": 1}
    event = Event(payload=payload, hash=hash_, **fields)
    if fault == "erased":  # as the feed marks a blanked event
        from cxdesk.sync.protocol import FeedEvent

        event = FeedEvent(**event.model_dump(), server_seq=seq, erased=True)
    return event


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(payloads, st.sampled_from(FAULTS)), min_size=1, max_size=6))
def test_screen_answers_as_refusal_reason(cases):
    events = [(_event(payload, fault, i + 1), i + 1) for i, (payload, fault) in enumerate(cases)]
    screened = list(screen(events))
    assert [(e.id, seq) for e, seq, _, _ in screened] == [(e.id, seq) for e, seq in events]
    for event, _seq, payload_text, reason in screened:
        assert payload_text == canonical_json(event.payload)
        assert reason == refusal_reason(event, payload_text)
        assert reason == refusal_reason(event)


def test_screen_finds_each_fault():
    reasons = {
        fault: next(iter(screen([(_event({"staff_id": "A1", "n": 1e16}, fault, 1), 1)])))[3]
        for fault in FAULTS
    }
    assert reasons["none"] is None and reasons["erased"] is None
    assert reasons["digest"] == reasons["payload"] == "its payload does not match its digest"
    assert reasons["hash"] == "its hash does not match its fields"
    assert "malformed" in (reasons["clock"] or "")
    assert "names device" in (reasons["owner"] or "")
