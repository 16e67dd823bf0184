"""Tampering a desk's store is caught by ``verify`` against the server's signed word.

Each case does what someone with the file and an SQLite shell could: drop the
append-only triggers, delete or re-make events and their acknowledgements,
rebuild the tables so that everything local agrees. The chain and the rebuild
then pass; the server's receipts and page marks do not.
"""

from __future__ import annotations

import json

import pytest

from cxdesk.errors import StoreError
from cxdesk.events.envelope import Event, HybridClock, chain_hash, new_event_id, payload_digest
from cxdesk.store.eventlog import EVENT_COLUMNS, append_local, row_to_event
from cxdesk.store.rebuild import rebuild_projections, verify_store
from cxdesk.store.sync_queries import sync_state
from cxdesk.sync import apply
from cxdesk.sync.client import SyncRefused
from cxdesk.sync.receipts import RECEIPT_HEADER, from_text
from cxdesk.sync.server.app import create_app, open_database
from tests import peek

from .test_faults import _backup, _restore

NO_DELETE = (
    "CREATE TRIGGER events_no_delete BEFORE DELETE ON events "
    "BEGIN SELECT RAISE(ABORT, 'events are append-only'); END"
)


def _delete_events(store, where: str, params: tuple) -> int:
    """What a tamperer does: lift the trigger, delete events and their acks, put it back."""
    with store.transaction() as conn:
        conn.execute("DROP TRIGGER events_no_delete")
        ids = [r[0] for r in conn.execute(f"SELECT id FROM events WHERE {where}", params)]
        marks = ",".join("?" * len(ids))
        conn.execute(f"DELETE FROM event_acks WHERE event_id IN ({marks})", ids)
        conn.execute(f"DELETE FROM events WHERE id IN ({marks})", ids)
        conn.execute(NO_DELETE)
    return len(ids)


def _remake(store, count: int) -> None:
    with store.transaction() as conn:
        for i in range(count):
            append_local(
                conn,
                store.clock,
                kind="SignInFailed",
                payload={"staff_id": "A1001", "reason": f"re-made {i}"},
                actor="desk",
                role=None,
                device=store.device_id,
                location=store.location,
            )


async def _synced_desk(central, name="D-A", events=5):
    desk = central.desk(name)
    for _ in range(events):
        desk.record_failed_signin()
    await desk.sync()
    return desk


async def test_synced_events_deleted_and_chain_remade_are_caught(central):
    a = await _synced_desk(central)
    assert verify_store(a.store).ok
    assert _delete_events(a.store, "device = ? AND device_seq >= 3", ("D-A",)) == 3
    _remake(a.store, 4)
    rebuild_projections(a.store)
    report = verify_store(a.store)
    assert not report.ok
    assert report.table_differences == {}  # the tables agree with the re-made log...
    assert any(
        p.startswith("receipt: This desk's event #5 is not the event")
        for p in report.chain_problems
    ), report.chain_problems  # ...the receipt does not
    with pytest.raises(StoreError, match="changed after the server signed"):
        await a.sync()  # and the desk will not push the re-made chain


async def test_synced_tail_deleted_is_caught(central):
    a = await _synced_desk(central)
    _delete_events(a.store, "device = ? AND device_seq >= 4", ("D-A",))
    rebuild_projections(a.store)
    problems = verify_store(a.store).chain_problems
    assert any("event #5 is missing" in p for p in problems), problems


async def test_another_desks_event_deleted_with_its_acknowledgement_is_caught(central):
    a = await _synced_desk(central, "D-A", events=4)
    b = central.desk("D-B")  # at A's location, so it holds A's events (pull scoping)
    await b.sync()
    assert verify_store(b.store).ok
    assert _delete_events(b.store, "device = ? AND device_seq = 2", ("D-A",)) == 1
    rebuild_projections(b.store)
    problems = verify_store(b.store).chain_problems
    assert any("the server sent" in p and "(events deleted here?)" in p for p in problems)
    assert a.store  # the other desk is untouched


async def test_a_page_record_deleted_too_is_caught(central):
    await _synced_desk(central, "D-A", events=3)
    b = central.desk("D-B")  # at the others' location: it holds their events
    await b.sync()
    central_desk_c = await _synced_desk(central, "D-C", events=2)
    await b.sync()  # a second page
    assert central_desk_c and peek.scalar(b.store, "SELECT COUNT(*) FROM feed_pages") >= 2
    first = peek.scalar(b.store, "SELECT MIN(after) FROM feed_pages")
    last_page = peek.query(
        b.store, "SELECT after, next FROM feed_pages ORDER BY after DESC LIMIT 1"
    )[0]
    _delete_events(b.store, "device = ?", ("D-C",))
    with b.store.transaction() as conn:
        conn.execute("DELETE FROM feed_pages WHERE after = ?", (last_page[0],))
    rebuild_projections(b.store)
    problems = verify_store(b.store).chain_problems
    assert any("no page the server signed covers them" in p for p in problems), problems
    assert first == 0


async def test_a_forged_receipt_is_caught(central):
    a = await _synced_desk(central)
    body = json.loads(sync_state(a.store).receipt)
    body["body"]["last_seq"] = 3  # an older, smaller claim, to hide a deleted tail
    with a.store.transaction() as conn:
        a.store.set_state(conn, apply.RECEIPT, json.dumps(body))
    problems = verify_store(a.store).chain_problems
    assert any("does not carry the server's signature" in p for p in problems), problems


async def test_server_refuses_a_push_contradicting_its_receipt(central, server_url, tmp_path):
    """After a restore lost #2-#3, a re-made #2-#3 sent with the receipt for #3 is refused."""
    a = await _synced_desk(central, events=1)
    first = row_to_event(
        peek.query(a.store, f"SELECT {EVENT_COLUMNS} FROM events WHERE device_seq = 1")[0]
    )
    backup = _backup(central.engine, server_url, tmp_path)
    central.engine = open_database(server_url)
    central.app = create_app(engine=central.engine, marks_dir=tmp_path / "marks")
    a.client = central.client(a.token)
    a.record_failed_signin()
    a.record_failed_signin()
    await a.sync()
    receipt = from_text(sync_state(a.store).receipt)
    assert receipt.receipt().last_seq == 3
    new_url = _restore(central.engine, server_url, backup)
    central.engine = open_database(new_url)
    central.app = create_app(engine=central.engine, marks_dir=tmp_path / "marks-lost")

    forged, prev, clock = [], first.hash, HybridClock("D-A")  # #2-#3 made again, differently
    for seq in (2, 3):
        payload = {"staff_id": "A1001", "reason": f"re-made {seq}"}
        fields = {
            "id": new_event_id(),
            "kind": "SignInFailed",
            "payload_digest": payload_digest(payload),
            "actor": "desk",
            "device": "D-A",
            "location": "CSC",
            "device_seq": seq,
            "hlc": clock.now(),
            "prev_hash": prev,
        }
        forged.append(Event(payload=payload, hash=chain_hash(**fields), **fields))
        prev = forged[-1].hash
    body = json.dumps({"device": "D-A", "events": [e.model_dump() for e in forged]}).encode()
    client = central.client(a.token)
    client.proofs = {RECEIPT_HEADER: receipt.header()}
    with pytest.raises(SyncRefused) as refused:
        await client.push(body)
    assert refused.value.code == "receipt"
    if new_url != server_url:
        central.engine.dispose()
        from .conftest import drop_pg_database

        drop_pg_database(new_url.rsplit("/", 1)[1])


async def test_answers_signed_by_another_key_are_refused(central):
    """A server that is not the one enrolled with (another key) is not believed."""
    a = await _synced_desk(central, events=1)
    with a.store.transaction() as conn:
        a.store.set_state(conn, apply.SERVER_KEY, "11" * 32)  # as if enrolled elsewhere
    a.record_failed_signin()
    with pytest.raises(SyncRefused, match="not signed with the key this desk enrolled with"):
        await a.sync()
    recorded = peek.scalar(
        a.store,
        "SELECT COUNT(*) FROM event_acks a JOIN events e ON e.id = a.event_id "
        "WHERE e.device = 'D-A' AND e.device_seq = 2",
    )
    assert recorded == 0  # the unsigned answer was not recorded
