"""The push's batched shortcuts give the answers the one-event forms give."""

from __future__ import annotations

from cxdesk.events.envelope import GENESIS, Event, chain_hash, payload_digest
from cxdesk.sync.server.push import _hash_ok


def _event(**changes) -> Event:
    payload = {"staff_id": "A1001", "reason": "try"}
    fields = {
        "id": "0" * 36,
        "kind": "SignInFailed",
        "payload_digest": payload_digest(payload),
        "actor": "desk",
        "device": "D1",
        "location": "CSC",
        "device_seq": 1,
        "hlc": "0001764072000000-0000-D1",
        "prev_hash": GENESIS,
    }
    fields.update(changes)
    return Event(payload=payload, hash=chain_hash(**fields), **fields)


def test_the_chain_hash_check_agrees_with_the_event_s_own() -> None:
    for event in (
        _event(),
        _event(location="Café ünïcode"),
        _event(device_seq=2**63 - 1),
    ):
        assert event.hash_ok() and _hash_ok(event)
        tampered = event.model_copy(update={"location": "ELSEWHERE"})
        assert not tampered.hash_ok() and not _hash_ok(tampered)
