"""A pull page projected in runs (batch handlers) leaves exactly the tables that
projecting its events one at a time leaves, and a rebuild agrees with both."""

from __future__ import annotations

import uuid

from cxdesk.events.envelope import GENESIS, Event, HybridClock, chain_hash, payload_digest
from cxdesk.store import open_store
from cxdesk.store.components import batch_handlers_for
from cxdesk.store.eventlog import ingest_remote
from cxdesk.store.rebuild import rebuild_projections
from tests import peek

TABLES = ("signin_attempts", "customer_timeline")
CUSTOMER = str(uuid.UUID(int=7))


def _feed() -> list[tuple[Event, int]]:
    """Another desk's chain: runs of one kind, single events between, kinds with and
    without batch forms, and a repeat of an event id later in the page."""
    clock, prev, out = HybridClock("D-OTHER"), GENESIS, []
    plan = (
        [("SignInFailed", {"staff_id": "A1001", "reason": "wrong passcode"})] * 4
        + [("SignInSucceeded", {"staff_id": "A1001"})]
        + [("CustomerRecordViewed", {"customer_id": CUSTOMER, "reason": f"r{i}"}) for i in range(3)]
        + [("CustomerNoteAdded", {"customer_id": CUSTOMER, "note": "Rang back.\nAll fine."})]
        + [("SignInFailed", {"staff_id": "B2002", "reason": "wrong passcode"})] * 2
        + [
            (
                "LocationDefined",
                {
                    "location_id": "HUB-N",
                    "name": "Hub north",
                    "kind": "hub",
                    "address": "",
                    "postcode": "",
                    "hours": "",
                },
            )
        ]
        + [("CustomerRecordViewed", {"customer_id": CUSTOMER})] * 2
    )
    for seq, (kind, payload) in enumerate(plan, start=1):
        fields = {
            "id": str(uuid.uuid4()),
            "kind": kind,
            "payload_digest": payload_digest(payload),
            "actor": "desk",
            "device": "D-OTHER",
            "location": "CSC",
            "device_seq": seq,
            "hlc": clock.now(),
            "prev_hash": prev,
        }
        event = Event(payload=payload, hash=chain_hash(**fields), **fields)
        prev = event.hash
        out.append((event, seq))
    out.append(out[2])  # a repeat in the same page changes nothing
    return out


def _tables(store) -> dict[str, list[tuple]]:
    rows = {t: peek.query(store, f"SELECT * FROM {t} ORDER BY 1") for t in TABLES}
    return {t: [tuple(r) for r in found] for t, found in rows.items()}


def test_runs_project_as_one_event_at_a_time(tmp_path):
    feed = _feed()
    assert batch_handlers_for("SignInFailed") and batch_handlers_for("CustomerRecordViewed")
    assert batch_handlers_for("LocationDefined") is None  # projected one at a time
    one = open_store(tmp_path / "one.sqlite3", device_id="D-ONE", location="CSC")
    page = open_store(tmp_path / "page.sqlite3", device_id="D-PAGE", location="CSC")
    try:
        with one.transaction() as conn:
            for item in feed:
                ingest_remote(conn, one.clock, [item])
        with page.transaction() as conn:
            assert ingest_remote(conn, page.clock, feed) == len(feed) - 1
        paged = _tables(page)
        assert paged == _tables(one)
        assert len(paged["signin_attempts"]) == 7
        assert len(paged["customer_timeline"]) == 6
        rebuild_projections(page)
        assert _tables(page) == paged
    finally:
        one.close()
        page.close()


def test_a_repeat_with_other_content_keeps_the_first(tmp_path):
    """The same id twice in one page, the second self-consistent but different: the
    first is stored (its own canonical text) and the second refused."""
    (first, seq), *_ = _feed()
    payload = {"staff_id": "Z9999", "reason": "forged"}
    fields = first.model_dump(exclude={"payload", "hash", "signature"})
    fields["payload_digest"] = payload_digest(payload)
    other = Event(payload=payload, hash=chain_hash(**fields), **fields)
    store = open_store(tmp_path / "desk.sqlite3", device_id="D-PAGE", location="CSC")
    try:
        with store.transaction() as conn:
            assert ingest_remote(conn, store.clock, [(first, seq), (other, seq)]) == 1
        stored = peek.scalar(store, "SELECT payload FROM events WHERE id = ?", (first.id,))
        assert stored == '{"reason":"wrong passcode","staff_id":"A1001"}'
        refused = "SELECT COUNT(*) FROM feed_refusals WHERE event_id = ?"
        assert peek.scalar(store, refused, (first.id,)) == 1
    finally:
        store.close()
