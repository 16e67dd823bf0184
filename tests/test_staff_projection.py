"""The staff roster converges: the same roster events in any arrival order give one table.

Two administrators (at the centre and at a hub) change the same people while
apart. Every desk must end with the roster the feed's order gives, whatever
order the events reached it in, and with rebuild equal to live.
"""

from __future__ import annotations

import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cxdesk.events.envelope import Event
from cxdesk.store import open_store, schema_versions
from cxdesk.store.eventlog import EVENT_COLUMNS, ingest_remote, row_to_event
from cxdesk.store.rebuild import verify_store
from tests import peek

from .conftest import key_fields_for

KEY_A = key_fields_for("A-KEY")
KEY_B = key_fields_for("B-KEY")


def _admin_desk(path, device, location):
    store = open_store(path, device_id=device, location=location)
    store.record(
        "StaffEnrolled", _enrol("ADMIN1", "Ada Admin", "admin"), actor="ADMIN1", role="admin"
    )
    return store


def _enrol(staff_id, name, role, key=KEY_A, where=("CSC",)):
    return {"staff_id": staff_id, "name": name, "role": role, "locations": list(where), **key}


def _events(store) -> list[Event]:
    rows = peek.query(store, f"SELECT {EVENT_COLUMNS} FROM events ORDER BY rowid_")
    return [row_to_event(r) for r in rows]


def _feed(tmp_path, late: list | None = None) -> list[tuple[Event, int]]:
    """Roster changes from two admin desks, interleaved the way the server ordered them.

    ``late``, if given, receives one more hub change (A2001 to role hub) not in the feed.
    """
    centre = _admin_desk(tmp_path / "centre.sqlite3", "D-CENTRE", "CSC")
    hub = _admin_desk(tmp_path / "hub.sqlite3", "D-HUB", "HUB-N")
    rec_c = lambda kind, p: centre.record(kind, p, actor="ADMIN1", role="admin")  # noqa: E731
    rec_h = lambda kind, p: hub.record(kind, p, actor="ADMIN1", role="admin")  # noqa: E731
    rec_c("StaffEnrolled", _enrol("A2001", "Sam Patel", "advisor"))
    rec_h("StaffEnrolled", _enrol("A2001", "Sam Patel", "hub", KEY_B, ("HUB-N",)))
    rec_c("StaffUpdated", {"staff_id": "A2001", "role": "supervisor"})
    rec_h("StaffUpdated", {"staff_id": "A2001", "name": "Samir Patel", "locations": ["HUB-N"]})
    rec_c("StaffEnrolled", _enrol("A2002", "Jo Reed", "advisor"))
    rec_h("StaffRemoved", {"staff_id": "A2002"})
    rec_c("StaffUpdated", {"staff_id": "A2002", **KEY_B})
    rec_h("StaffUpdated", {"staff_id": "A2003", "role": "hub"})  # before the enrolment
    rec_c("StaffEnrolled", _enrol("A2003", "Lee Ward", "advisor"))
    mine, theirs = _events(centre), _events(hub)
    if late is not None:
        late.append(rec_h("StaffUpdated", {"staff_id": "A2001", "role": "hub"}))
    centre.close()
    hub.close()
    order, seq = [], 0
    while mine or theirs:  # the server took them alternately
        for source in (mine, theirs):
            if source:
                seq += 1
                order.append((source.pop(0), seq))
    return order


def _roster(store) -> list[tuple]:
    return [tuple(r) for r in peek.query(store, "SELECT * FROM staff ORDER BY staff_id")]


def _apply_one_by_one(path, items) -> list[tuple]:
    store = open_store(path, device_id="D-DESK", location="CSC")
    try:
        for event, server_seq in items:
            with store.transaction() as conn:
                ingest_remote(conn, store.clock, [(event, server_seq)])
        assert verify_store(store).ok
        return _roster(store)
    finally:
        store.close()


def test_two_arrival_orders_give_one_roster(tmp_path):
    feed = _feed(tmp_path)
    in_order = _apply_one_by_one(tmp_path / "x.sqlite3", feed)
    backwards = _apply_one_by_one(tmp_path / "y.sqlite3", list(reversed(feed)))
    assert in_order == backwards
    rows = {r[0]: r for r in in_order}
    # A2001: the hub's enrolment came second; then the centre's role, then the hub's name.
    key_b = (KEY_B["public_key"], KEY_B["key_salt"], KEY_B["key_params"])
    assert rows["A2001"] == ("A2001", "Samir Patel", "supervisor", json.dumps(["HUB-N"]), *key_b, 1)
    # A2002: removed, then a passcode change; still removed.
    assert rows["A2002"][4:] == (*key_b, 0)
    # A2003: the update came before any enrolment, so it changed nothing.
    assert rows["A2003"][2] == "advisor"


@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data())
def test_any_arrival_order_gives_the_feed_order_roster(tmp_path_factory, data):
    folder = tmp_path_factory.mktemp("roster")
    feed = _feed(folder)
    expected = _apply_one_by_one(folder / "feed.sqlite3", feed)
    shuffled = data.draw(st.permutations(feed))
    assert _apply_one_by_one(folder / "shuffled.sqlite3", shuffled) == expected


def test_own_change_takes_its_place_when_it_comes_back(tmp_path):
    """A desk's own roster change shows at once, then takes its place in the feed."""
    late: list[Event] = []
    feed = _feed(tmp_path, late)
    desk = _admin_desk(tmp_path / "desk.sqlite3", "D-DESK", "CSC")
    try:
        with desk.transaction() as conn:
            ingest_remote(conn, desk.clock, feed)
        own = desk.record(
            "StaffUpdated", {"staff_id": "A2001", "role": "welfare"}, actor="ADMIN1", role="admin"
        )
        assert peek.scalar(desk, "SELECT role FROM staff WHERE staff_id = 'A2001'") == "welfare"
        top = len(feed) + 10
        with desk.transaction() as conn:  # the hub's change arrives first, placed at top + 1
            ingest_remote(conn, desk.clock, [(late[0], top + 1)])
        # our change has no place yet, so it still counts as the latest here
        assert peek.scalar(desk, "SELECT role FROM staff WHERE staff_id = 'A2001'") == "welfare"
        assert verify_store(desk).ok
        with desk.transaction() as conn:  # ours comes back placed before the hub's
            ingest_remote(conn, desk.clock, [(own, top)])
        assert peek.scalar(desk, "SELECT role FROM staff WHERE staff_id = 'A2001'") == "hub"
        assert verify_store(desk).ok
    finally:
        desk.close()


def test_upgrade_fills_history_and_puts_rows_in_feed_order(tmp_path):
    """A store from before the history (staff v1) gets it (and keys, v3) from its log."""
    feed = _feed(tmp_path)
    expected = _apply_one_by_one(tmp_path / "expected.sqlite3", feed)
    path = tmp_path / "old.sqlite3"
    _apply_one_by_one(path, feed)
    store = open_store(path)
    with store.transaction() as conn:  # back to v1, with a row as arrival order left it
        conn.execute("DROP TABLE staff_history")
        conn.execute("DROP VIEW staff_names_v")  # v4
        conn.execute("DROP VIEW location_names_v")  # v5
        conn.execute("UPDATE schema_components SET version = 1 WHERE component = 'staff'")
        conn.execute("UPDATE staff SET role = 'hub' WHERE staff_id = 'A2003'")
    store.close()
    store = open_store(path)
    try:
        assert (
            peek.scalar(store, "SELECT version FROM schema_components WHERE component = 'staff'")
            == schema_versions.CURRENT["staff"]
        )
        assert peek.scalar(store, "SELECT COUNT(*) FROM staff_history") == sum(
            1 for e, _ in feed if e.kind.startswith("Staff")
        )
        assert _roster(store) == expected
        assert verify_store(store).ok
    finally:
        store.close()
