"""The sync protocol end to end on SQLite and PostgreSQL: real app, real stores."""

from __future__ import annotations

from cxdesk.store.rebuild import verify_store
from tests import peek


def events_of(store):
    return [tuple(r) for r in peek.query(store, "SELECT id, hash FROM events ORDER BY id")]


def table(store, name):
    return sorted(tuple(r) for r in peek.query(store, f'SELECT * FROM "{name}"'))


async def test_round_trip_and_retry_gives_duplicates(central):
    a = central.desk("D-A")
    a.enrol_staff("A1001")
    a.record_failed_signin()
    a.record_failed_signin()
    report = await a.sync()
    assert (report.pushed, report.counts.accepted, report.counts.rejected) == (2, 2, 0)
    assert peek.scalar(a.store, "SELECT COUNT(*) FROM event_acks WHERE status = 'accepted'") >= 2
    # The same batch again: the server answers duplicate and stores no copies.
    from cxdesk.sync import apply

    batch = apply.outbox_batch(a.store, from_seq=1)
    before = central.engine.connect().exec_driver_sql("SELECT COUNT(*) FROM events").scalar()
    response = await a.client.push(batch.body)
    assert [r.status for r in response.results] == ["duplicate", "duplicate"]
    after = central.engine.connect().exec_driver_sql("SELECT COUNT(*) FROM events").scalar()
    assert before == after
    assert verify_store(a.store).ok


async def test_two_desks_converge(central):
    # Two desks at one location hold the same share of the feed (scoping: test_scope.py).
    a, b = central.desk("D-A"), central.desk("D-B")
    a.enrol_staff("A1001")
    b.enrol_staff("B2002")
    b.record_failed_signin("B2002")
    for desk in (a, b, a):
        await desk.sync()
    assert events_of(a.store) == events_of(b.store)
    for name in ("staff", "signin_attempts", "locations"):
        assert table(a.store, name) == table(b.store, name)
    assert verify_store(a.store).ok and verify_store(b.store).ok


async def test_rejected_event_is_undone_and_shown(central):
    a = central.desk("D-A")
    # Enrolled on the desk itself (only the central API may change the roster).
    a.forge_staff("A1001")
    a.record_failed_signin()
    assert peek.scalar(a.store, "SELECT COUNT(*) FROM staff WHERE staff_id = 'A1001'") == 1
    report = await a.sync()
    assert (report.counts.accepted, report.counts.rejected) == (1, 1)
    assert peek.scalar(a.store, "SELECT COUNT(*) FROM staff WHERE staff_id = 'A1001'") == 0
    from cxdesk.sync.apply import local_summary, rejected_events

    rejected = rejected_events(a.store)
    assert len(rejected) == 1 and "only from the central API" in rejected[0].reason
    assert local_summary(a.store).rejected == 1 and local_summary(a.store).waiting == 0
    assert verify_store(a.store).ok
    # A retry answers the same, and the queue is not wedged.
    a.record_failed_signin()
    report = await a.sync()
    assert (report.pushed, report.counts.accepted) == (1, 1)
