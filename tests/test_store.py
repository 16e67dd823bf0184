"""The local store: pragmas, file mode, append-only log, one transaction, migrations, verify."""

from __future__ import annotations

import os
import stat
from datetime import UTC, datetime
from pathlib import Path

import pytest

from cxdesk.errors import AuthError, StoreError, ValidationError
from cxdesk.store import db, open_store
from cxdesk.store.filesystem import filesystem_type, refuse_network_filesystem
from cxdesk.store.rebuild import rebuild_projections, verify_store
from tests import peek

from .conftest import key_fields_for


def enrol(store, staff_id="A1001", role="advisor"):
    return store.record(
        "StaffEnrolled",
        {
            "staff_id": staff_id,
            "name": "Sam Advisor",
            "role": role,
            "locations": ["CSC"],
            **key_fields_for(staff_id),
        },
        actor="ADMIN1",
        role="admin",
    )


def test_pragmas_and_file_mode(store):
    conn = store.conn
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert conn.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
    assert conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    assert conn.execute("PRAGMA busy_timeout").fetchone()[0] >= 5000
    assert stat.S_IMODE(os.stat(store.path).st_mode) == 0o600


def test_events_are_append_only(admin_store):
    with pytest.raises(db.sqlite.IntegrityError, match="append-only"):
        admin_store.conn.execute("UPDATE events SET actor = 'X'")
    with pytest.raises(db.sqlite.IntegrityError, match="append-only"):
        admin_store.conn.execute("DELETE FROM events")


def test_chain_and_sequence(admin_store):
    first = peek.query(admin_store, "SELECT * FROM events ORDER BY device_seq")[0]
    second = enrol(admin_store)
    assert first["device_seq"] == 1 and second.device_seq == 2
    assert second.prev_hash == first["hash"]
    assert second.hash_ok() and second.digest_ok()
    assert peek.scalar(admin_store, "SELECT role FROM staff WHERE staff_id = 'A1001'") == "advisor"


def test_event_and_projection_commit_together(admin_store, monkeypatch):
    """A failing projection handler leaves neither the event nor any table change."""
    from cxdesk.store import eventlog

    def broken(conn, event):
        raise RuntimeError("projection failed")

    before = peek.scalar(admin_store, "SELECT COUNT(*) FROM events")
    monkeypatch.setattr(eventlog, "handlers_for", lambda kind: [broken])
    with pytest.raises(RuntimeError):
        enrol(admin_store, "A2000")
    assert peek.scalar(admin_store, "SELECT COUNT(*) FROM events") == before
    assert peek.scalar(admin_store, "SELECT COUNT(*) FROM staff WHERE staff_id='A2000'") == 0


def test_payload_and_role_are_checked(admin_store):
    with pytest.raises(ValidationError):
        admin_store.record("StaffRemoved", {"staff_id": "bad id!"}, actor="ADMIN1", role="admin")
    with pytest.raises(ValidationError):
        admin_store.record("NoSuchKind", {}, actor="ADMIN1", role="admin")
    with pytest.raises(AuthError):
        admin_store.record("StaffRemoved", {"staff_id": "A1"}, actor="A1", role="advisor")
    assert peek.scalar(admin_store, "SELECT COUNT(*) FROM events") == 1


def test_rebuild_equals_live_and_verify(admin_store):
    enrol(admin_store)
    admin_store.record_as_desk("SignInFailed", {"staff_id": "A1001", "reason": "wrong passcode"})
    admin_store.record("StaffRemoved", {"staff_id": "A1001"}, actor="ADMIN1", role="admin")
    report = verify_store(admin_store)
    assert report.ok, report.lines()
    live = peek.query(admin_store, "SELECT * FROM staff ORDER BY staff_id")
    assert rebuild_projections(admin_store) == 4
    assert [tuple(r) for r in peek.query(admin_store, "SELECT * FROM staff ORDER BY staff_id")] == [
        tuple(r) for r in live
    ]


def test_verify_finds_a_tampered_projection(admin_store):
    enrol(admin_store)
    admin_store.conn.execute("UPDATE staff SET role = 'supervisor' WHERE staff_id = 'A1001'")
    report = verify_store(admin_store)
    assert not report.ok
    assert "staff" in report.table_differences
    assert any("supervisor" in line for line in report.table_differences["staff"])


def test_verify_finds_a_broken_chain(tmp_path):
    path = tmp_path / "s.sqlite3"
    s = open_store(path, device_id="D1", location="CSC")
    enrol(s, "A1")
    enrol(s, "A2")
    s.conn.execute("DROP TRIGGER events_no_update")
    s.conn.execute("UPDATE events SET actor = 'FORGED' WHERE device_seq = 2")
    report = verify_store(s)
    assert any("hash does not match" in p for p in report.chain_problems)


def test_reopen_keeps_sequence_and_clock(tmp_path):
    path = tmp_path / "s.sqlite3"
    s = open_store(path, device_id="D1", location="CSC")
    first = enrol(s, "A1")
    s.close()
    s = open_store(path)
    assert (s.device_id, s.location) == ("D1", "CSC")
    second = enrol(s, "A2")
    assert second.device_seq == 2 and second.prev_hash == first.hash
    assert second.hlc > first.hlc


def test_store_from_newer_version_is_refused(tmp_path):
    path = tmp_path / "s.sqlite3"
    s = open_store(path)  # the file is encrypted: change it through the store's own key
    s.conn.execute("UPDATE schema_components SET version = 99 WHERE component = 'core'")
    s.close()
    with pytest.raises(StoreError, match="newer version of cxdesk"):
        open_store(path)


def test_unknown_component_is_refused(tmp_path):
    path = tmp_path / "s.sqlite3"
    s = open_store(path)  # the file is encrypted: change it through the store's own key
    s.conn.execute("INSERT INTO schema_components VALUES ('teleport', 1, '9.9')")
    s.close()
    with pytest.raises(StoreError, match="newer version"):
        open_store(path)


def test_migrations_run_once(tmp_path):
    path = tmp_path / "s.sqlite3"
    open_store(path).close()
    s = open_store(path)
    versions = dict(s.conn.execute("SELECT component, version FROM schema_components"))
    # core v2: signatures, v3: acks clustered, v4: their check without IN; staff v3: public
    # keys, v6: attempts clustered, v7: their check without IN
    assert versions["core"] == 4 and versions["staff"] == 7


_ACKS = "SELECT event_id, status, server_seq, reason, acked_at FROM event_acks"
_ATTEMPTS = "SELECT event_id, staff_id, at_ms, outcome FROM signin_attempts"


def _table_sql(store, table: str) -> str:
    return peek.scalar(store, "SELECT sql FROM sqlite_master WHERE name = ?", (table,))


def _three_failed_sign_ins(path):
    """A store at ``path`` with A1 enrolled and three failed sign-ins by A1 (the events)."""
    s = open_store(path, device_id="D1", location="CSC")
    enrol(s, "A1")
    made = [
        s.record_as_desk("SignInFailed", {"staff_id": "A1", "reason": "wrong passcode"})
        for _ in range(3)
    ]
    return s, made


def _btrees(store, table: str) -> int:
    """The b-trees an insert into ``table`` writes: its own (unless clustered) and indexes."""
    sql = _table_sql(store, table)
    return len(peek.query(store, f'PRAGMA index_list("{table}")')) + ("WITHOUT ROWID" not in sql)


def test_a_store_from_before_acks_and_attempts_were_clustered_keeps_them(tmp_path):
    """Core v3 and staff v6 rebuild ``event_acks`` (keyed by event, no foreign key) and
    ``signin_attempts`` (keyed by person and time) as ``WITHOUT ROWID`` b-trees: an older
    store's rows all come across, and the log, the lock-out rule and verify read as before."""
    from cxdesk.store.eventlog import record_ack
    from cxdesk.store.signin_commands import signin_state

    path = tmp_path / "s.sqlite3"
    s, made = _three_failed_sign_ins(path)
    with s.transaction() as conn:
        for place, event in enumerate(made[:2], start=7):
            record_ack(conn, event, status="accepted", server_seq=place)
        record_ack(conn, made[2], status="duplicate")
    acks, attempts = sorted(map(tuple, peek.query(s, _ACKS))), peek.query(s, _ATTEMPTS)
    attempts = sorted(map(tuple, attempts))
    assert len(acks) == 3 and len(attempts) == 3
    assert (_btrees(s, "event_acks"), _btrees(s, "signin_attempts")) == (2, 1)
    with s.transaction() as conn:  # as core v2 and staff v5 left them
        conn.execute("DROP VIEW event_log")
        conn.execute("ALTER TABLE event_acks RENAME TO acks_v3")
        conn.execute(
            "CREATE TABLE event_acks (event_id TEXT PRIMARY KEY REFERENCES events (id), "
            "status TEXT NOT NULL CHECK (status IN ('accepted', 'duplicate', 'rejected')), "
            "server_seq INTEGER UNIQUE, reason TEXT, acked_at TEXT NOT NULL)"
        )
        conn.execute(f"INSERT INTO event_acks {_ACKS.replace('event_acks', 'acks_v3')}")
        conn.execute("DROP TABLE acks_v3")
        conn.execute(
            "CREATE VIEW event_log AS SELECT e.*, a.server_seq, a.status AS ack_status, "
            "a.reason AS ack_reason FROM events e LEFT JOIN event_acks a ON a.event_id = e.id"
        )
        conn.execute("ALTER TABLE signin_attempts RENAME TO attempts_v6")
        conn.execute(
            "CREATE TABLE signin_attempts (event_id TEXT PRIMARY KEY, staff_id TEXT NOT NULL, "
            "at_ms INTEGER NOT NULL, outcome TEXT NOT NULL "
            "CHECK (outcome IN ('success', 'failure', 'locked', 'cleared')))"
        )
        conn.execute("CREATE INDEX signin_attempts_staff ON signin_attempts (staff_id, at_ms)")
        conn.execute(f"INSERT INTO signin_attempts {_ATTEMPTS.replace('signin_a', 'a')}_v6")
        conn.execute("DROP TABLE attempts_v6")
        conn.execute("UPDATE schema_components SET version = 2 WHERE component = 'core'")
        conn.execute("UPDATE schema_components SET version = 5 WHERE component = 'staff'")
    assert (_btrees(s, "event_acks"), _btrees(s, "signin_attempts")) == (3, 3)
    assert peek.query(s, "PRAGMA foreign_key_list(event_acks)")
    s.close()
    again = open_store(path)
    try:
        assert sorted(map(tuple, peek.query(again, _ACKS))) == acks
        assert sorted(map(tuple, peek.query(again, _ATTEMPTS))) == attempts
        assert (_btrees(again, "event_acks"), _btrees(again, "signin_attempts")) == (2, 1)
        assert peek.query(again, "PRAGMA foreign_key_list(event_acks)") == []
        rows = peek.query(again, "SELECT component, version FROM schema_components")
        versions = {r[0]: r[1] for r in rows}
        assert versions["core"] == 4 and versions["staff"] == 7
        logged = peek.query(again, "SELECT id, server_seq, ack_status FROM event_log")
        assert {(r[0], r[1], r[2]) for r in logged if r[2]} == {
            (made[0].id, 7, "accepted"),
            (made[1].id, 8, "accepted"),
            (made[2].id, None, "duplicate"),
        }
        now = datetime.fromtimestamp(made[-1].occurred_ms / 1000 + 1, UTC)
        assert signin_state(again, "A1", now).failures == 3
        assert verify_store(again).ok
        with again.transaction() as conn:  # an acknowledgement still changes in place
            record_ack(conn, made[2], status="duplicate", server_seq=9)
        assert peek.scalar(again, "SELECT COUNT(*) FROM event_acks") == 3
        assert peek.scalar(again, "SELECT server_seq FROM event_acks WHERE server_seq = 9") == 9
    finally:
        again.close()


def test_checks_without_in_lists_keep_every_row_and_refuse_as_before(tmp_path):
    """Core v4 and staff v7 spell the ``event_acks`` status and ``signin_attempts``
    outcome checks with ``OR`` (SQLite builds a throwaway index for an ``IN`` list
    each time a statement runs, once per row of an ``executemany``): a v3/v6 store's
    rows all come across, the log view reads as before, and a value outside the
    allowed ones is still refused."""
    from cxdesk.store.eventlog import record_ack
    from cxdesk.store.signin_commands import signin_state

    path = tmp_path / "s.sqlite3"
    s, made = _three_failed_sign_ins(path)
    with s.transaction() as conn:
        record_ack(conn, made[0], status="accepted", server_seq=7)
        record_ack(conn, made[1], status="duplicate")
        record_ack(conn, made[2], status="duplicate", server_seq=8)
    acks, attempts = sorted(map(tuple, peek.query(s, _ACKS))), peek.query(s, _ATTEMPTS)
    attempts = sorted(map(tuple, attempts))
    now = datetime.fromtimestamp(made[-1].occurred_ms / 1000 + 1, UTC)
    state = signin_state(s, "A1", now)
    with s.transaction() as conn:  # the tables as core v3 and staff v6 made them
        conn.execute("DROP VIEW event_log")
        conn.execute("ALTER TABLE event_acks RENAME TO acks_v4")
        conn.execute(
            "CREATE TABLE event_acks (event_id TEXT PRIMARY KEY, "
            "status TEXT NOT NULL CHECK (status IN ('accepted', 'duplicate', 'rejected')), "
            "server_seq INTEGER UNIQUE, reason TEXT, acked_at TEXT NOT NULL) WITHOUT ROWID"
        )
        conn.execute(f"INSERT INTO event_acks {_ACKS.replace('event_acks', 'acks_v4')}")
        conn.execute("DROP TABLE acks_v4")
        conn.execute(
            "CREATE VIEW event_log AS SELECT e.*, a.server_seq, a.status AS ack_status, "
            "a.reason AS ack_reason FROM events e LEFT JOIN event_acks a ON a.event_id = e.id"
        )
        conn.execute("ALTER TABLE signin_attempts RENAME TO attempts_v7")
        conn.execute(
            "CREATE TABLE signin_attempts (event_id TEXT NOT NULL, staff_id TEXT NOT NULL, "
            "at_ms INTEGER NOT NULL, outcome TEXT NOT NULL "
            "CHECK (outcome IN ('success', 'failure', 'locked', 'cleared')), "
            "PRIMARY KEY (staff_id, at_ms, event_id)) WITHOUT ROWID"
        )
        conn.execute(f"INSERT INTO signin_attempts {_ATTEMPTS.replace('signin_a', 'a')}_v7")
        conn.execute("DROP TABLE attempts_v7")
        conn.execute("UPDATE schema_components SET version = 3 WHERE component = 'core'")
        conn.execute("UPDATE schema_components SET version = 6 WHERE component = 'staff'")
    assert " IN (" in _table_sql(s, "event_acks") and " IN (" in _table_sql(s, "signin_attempts")
    s.close()
    again = open_store(path)
    try:
        for table in ("event_acks", "signin_attempts"):
            assert " IN (" not in _table_sql(again, table)
            assert "WITHOUT ROWID" in _table_sql(again, table)
        assert (_btrees(again, "event_acks"), _btrees(again, "signin_attempts")) == (2, 1)
        assert sorted(map(tuple, peek.query(again, _ACKS))) == acks
        assert sorted(map(tuple, peek.query(again, _ATTEMPTS))) == attempts
        logged = peek.query(again, "SELECT id, server_seq, ack_status FROM event_log")
        assert {(r[0], r[1], r[2]) for r in logged if r[2]} == {
            (made[0].id, 7, "accepted"),
            (made[1].id, None, "duplicate"),
            (made[2].id, 8, "duplicate"),
        }
        assert signin_state(again, "A1", now) == state
        assert verify_store(again).ok
        with pytest.raises(db.sqlite.IntegrityError), again.transaction() as conn:
            conn.execute(
                "INSERT INTO event_acks (event_id, status, acked_at) VALUES ('x', 'maybe', 'now')"
            )
        with pytest.raises(db.sqlite.IntegrityError), again.transaction() as conn:
            conn.execute(
                "INSERT INTO signin_attempts (event_id, staff_id, at_ms, outcome) "
                "VALUES ('x', 'A1', 1, 'unsure')"
            )
        for status in ("accepted", "duplicate", "rejected"):
            with again.transaction() as conn:  # every allowed value still goes in
                record_ack(conn, made[0], status=status, server_seq=7)
        for outcome in ("success", "failure", "locked", "cleared"):
            with again.transaction() as conn:
                conn.execute(
                    "INSERT INTO signin_attempts (event_id, staff_id, at_ms, outcome) "
                    "VALUES (?, 'A9', 1, ?)",
                    (outcome, outcome),
                )
    finally:
        again.close()


MOUNTS = """\
/dev/sda1 / ext4 rw 0 0
server:/home /home nfs4 rw 0 0
//fs/profiles /mnt/my\\040profiles cifs rw 0 0
"""


def test_network_filesystems_are_refused(tmp_path):
    assert filesystem_type(tmp_path / "x", "/dev/sda1 / ext4 rw 0 0") == "ext4"
    assert filesystem_type(Path("/home/ann/data"), MOUNTS) == "nfs4"
    assert filesystem_type(Path("/mnt/my profiles/cx"), MOUNTS) == "cifs"
    with pytest.raises(StoreError, match="CXDESK_DATA_DIR"):
        refuse_network_filesystem(Path("/home/ann/data"), MOUNTS)
    refuse_network_filesystem(Path("/var/lib/cx"), MOUNTS)  # local: fine
