"""The push's batched shortcuts give the answers the one-event forms give."""

from __future__ import annotations

from cxdesk.events.envelope import GENESIS, Event, chain_hash, chain_hash_of_text, payload_digest


def _hash_ok(event: Event) -> bool:
    """The push's (and a pull page's) fast chain check."""
    return chain_hash_of_text(event.chain_fields()) == event.hash


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


AWKWARD_KEYS = [
    "plain",
    "",
    "NULL",
    'a "quoted" one',
    "back\\slash",
    "\\",
    '"',
    "{a,b}",
    " sp ",
    "é😀",
]


def test_keys_travel_as_one_array_literal_and_come_back_the_same(server_url) -> None:
    """``rows_for_keys`` finds exactly the rows whose keys it was given, awkward text too."""
    from sqlalchemy import text

    from cxdesk.sync.server.bulk import rows_for_keys
    from cxdesk.sync.server.db import make_engine, write_transaction

    engine = make_engine(server_url)
    try:
        with write_transaction(engine) as conn:
            conn.execute(text("CREATE TABLE keyed (k TEXT PRIMARY KEY, n INTEGER)"))
            for n, key in enumerate([*AWKWARD_KEYS, "not asked"]):
                conn.execute(text("INSERT INTO keyed VALUES (:k, :n)"), {"k": key, "n": n})
            found = dict(
                rows_for_keys(conn, "SELECT k, n FROM keyed WHERE k IN :keys", AWKWARD_KEYS)
            )
            numbers = rows_for_keys(conn, "SELECT k FROM keyed WHERE n IN :keys", [0, 2])
            assert sorted(k for (k,) in numbers) == ["NULL", "plain"]
    finally:
        engine.dispose()
    assert found == {key: n for n, key in enumerate(AWKWARD_KEYS)}
