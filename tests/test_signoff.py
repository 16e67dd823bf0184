"""Sign-off of a location's day, and what reaches the desk after it (by feed place, not clock)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from cxdesk.domain.issue_log import IssueFilter
from cxdesk.errors import AuthError, ValidationError
from cxdesk.events import may_author
from cxdesk.events.envelope import Event
from cxdesk.session import DeskSession
from cxdesk.store import open_store
from cxdesk.store.eventlog import ingest_remote, record_ack, row_to_event
from cxdesk.store.issue_log_queries import log_page
from cxdesk.store.rebuild import verify_store
from cxdesk.store.supervision_commands import sign_off
from cxdesk.store.supervisor_reports import late_arrivals, reconciliation

from . import supervision_helpers as h

SUPERVISOR = DeskSession("S1", "Pat Supervisor", "supervisor", "CSC")
ADVISOR = DeskSession("A1", "Sam Advisor", "advisor", "CSC")
DAY = date(2026, 11, 3)
NOW = int(datetime(2026, 11, 20, tzinfo=UTC).timestamp() * 1000)


def at(hour, minute=0, day=3):
    return datetime(2026, 11, day, hour, minute, tzinfo=UTC)


@pytest.fixture
def desk(admin_store):
    h.set_time(admin_store, at(8))
    h.council(admin_store)
    h.receive(admin_store)
    return admin_store, h.customer(admin_store)


def all_events(store):
    return [
        row_to_event(r)
        for r in store.conn.execute(
            "SELECT id, kind, payload, payload_digest, actor, device, location, device_seq, hlc, "
            "prev_hash, hash FROM events ORDER BY rowid_"
        )
    ]


def test_only_supervisors_may_sign_off(desk):
    store, _ = desk
    with pytest.raises(AuthError):
        sign_off(store, ADVISOR, "CSC", DAY, "looks fine", today=DAY)
    # The catalogue refuses it too, which is what the central API checks.
    assert not may_author("LogSignedOff", "advisor", "A1")
    assert not may_author("LogSignedOff", "hub", "H1")
    assert may_author("LogSignedOff", "supervisor", "S1")
    with pytest.raises(AuthError):
        store.record(
            "LogSignedOff", {"location_id": "CSC", "day": "2026-11-03"}, actor="A1", role="advisor"
        )


def test_sign_off_needs_a_note_and_a_day_that_has_begun(desk):
    store, _ = desk
    with pytest.raises(ValidationError, match="note"):
        sign_off(store, SUPERVISOR, "CSC", DAY, "   ", today=DAY)
    with pytest.raises(ValidationError, match="started"):
        sign_off(store, SUPERVISOR, "CSC", date(2026, 11, 4), "early", today=DAY)


def test_signed_off_day_shows_who_and_when(desk):
    store, cid = desk
    h.voucher(store, cid, "FV000001", at=at(10))
    h.set_time(store, at(17, 30))
    sign_off(store, SUPERVISOR, "CSC", DAY, "1 voucher, count right", today=DAY)
    [day] = [d for d in reconciliation(store, DAY, DAY) if d.row.stock_kind == "food_voucher"]
    assert day.signed_by == "S1" and day.signed_at == at(17, 30)
    assert day.note == "1 voucher, count right" and day.late_arrivals == 0
    assert not log_page(store, IssueFilter(), now_ms=NOW).rows[0].after_signoff
    assert verify_store(store).ok


def test_local_issue_recorded_after_sign_off_is_highlighted_even_with_an_early_clock(desk):
    store, cid = desk
    h.voucher(store, cid, "FV000001", at=at(10))
    h.set_time(store, at(17, 30))
    sign_off(store, SUPERVISOR, "CSC", DAY, "checked", today=DAY)
    # Recorded later on this desk, but its clock says 14:00 (before the sign-off).
    late = h.voucher(store, cid, "FV000002", at=at(14))
    rows = {r.issue_id: r for r in log_page(store, IssueFilter(), now_ms=NOW).rows}
    assert rows[late].after_signoff
    assert sum(r.after_signoff for r in rows.values()) == 1
    [arrival] = late_arrivals(store, "CSC", DAY)
    assert arrival.kind == "VoucherIssued" and "FV000002" in arrival.summary
    # Another day, or another location, is not affected.
    assert late_arrivals(store, "HUB-N", DAY) == []


def test_issue_synced_from_an_offline_desk_after_sign_off_is_highlighted(desk, tmp_path):
    store, cid = desk
    # Hub laptop, offline all morning: its issue is stamped 11:00.
    hub = open_store(tmp_path / "hub.sqlite3", device_id="D-HUB", location="CSC")
    synced = [(e, n) for n, e in enumerate(all_events(store), 1)]
    with store.transaction() as conn:  # this desk's morning is on the server
        for event, seq in synced:
            record_ack(conn, event, status="accepted", server_seq=seq)
    try:
        with hub.transaction() as conn:  # the hub pulled the roster and the customer earlier
            ingest_remote(conn, hub.clock, synced)
        offline_issue = h.voucher(hub, cid, "FV000050", at=at(11))
        hub_event = all_events(hub)[-1]
    finally:
        hub.close()
    # The supervisor signs off at 17:30 and it reaches the server first (feed place 500).
    h.set_time(store, at(17, 30))
    signed = sign_off(store, SUPERVISOR, "CSC", DAY, "checked", today=DAY)
    with store.transaction() as conn:
        record_ack(conn, signed, status="accepted", server_seq=500)
    assert late_arrivals(store, "CSC", DAY) == []
    # The hub comes back online: its 11:00 issue takes feed place 501.
    with store.transaction() as conn:
        ingest_remote(conn, store.clock, [(Event(**hub_event.model_dump()), 501)])
    row = log_page(store, IssueFilter(), now_ms=NOW).rows
    assert [r.issue_id for r in row if r.after_signoff] == [offline_issue]
    assert [a.event_id for a in late_arrivals(store, "CSC", DAY)] == [hub_event.id]
    [day] = [d for d in reconciliation(store, DAY, DAY) if d.row.stock_kind == "food_voucher"]
    assert day.late_arrivals == 1 and day.row.issued == 1
    assert verify_store(store).ok


def test_issue_placed_before_the_sign_off_in_the_feed_is_not_late(desk, tmp_path):
    store, cid = desk
    issue = h.voucher(store, cid, "FV000001", at=at(10))
    h.set_time(store, at(17, 30))
    signed = sign_off(store, SUPERVISOR, "CSC", DAY, "checked", today=DAY)
    issue_event = all_events(store)[-2]
    with store.transaction() as conn:
        record_ack(conn, issue_event, status="accepted", server_seq=10)
        record_ack(conn, signed, status="accepted", server_seq=11)
    assert not [r for r in log_page(store, IssueFilter(), now_ms=NOW).rows if r.after_signoff]
    assert issue  # recorded


def test_a_second_sign_off_covers_what_arrived_before_it(desk):
    store, cid = desk
    h.set_time(store, at(17, 30))
    sign_off(store, SUPERVISOR, "CSC", DAY, "first look", today=DAY)
    h.voucher(store, cid, "FV000002", at=at(14))
    assert len(late_arrivals(store, "CSC", DAY)) == 1
    h.set_time(store, at(18))
    sign_off(store, SUPERVISOR, "CSC", DAY, "late voucher checked", today=DAY)
    assert late_arrivals(store, "CSC", DAY) == []
