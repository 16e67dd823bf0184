"""The WAL is copied back by the store's own thread once commits pause and it holds enough
to copy, never inside a commit, and it cannot grow without bound."""

from __future__ import annotations

import struct
import time

from cxdesk.store import checkpointer, db, open_store


def wal_state(store) -> tuple[int, int]:
    """(frames in the WAL, frames already copied to the database): the WAL index header's
    ``mxFrame`` and the checkpoint's ``nBackfill``."""
    with open(f"{store.path}-shm", "rb") as shm:
        head = shm.read(100)
    state = struct.unpack("=I", head[16:20])[0], struct.unpack("=I", head[96:100])[0]
    assert checkpointer.wal_backlog(store.path) == state[0] - state[1]
    return state


def record_some(store, n: int) -> None:
    for i in range(n):
        store.record_as_desk("SignInFailed", {"staff_id": f"A{i}", "reason": "wrong passcode"})


def _until(condition, limit_s: float = 20.0) -> bool:
    end = time.monotonic() + limit_s  # a generous limit on a loaded box, not a timing
    while time.monotonic() < end:
        if condition():
            return True
        time.sleep(0.02)
    return condition()


def _checkpointing(store) -> bool:
    """Whether this store's own checkpoint thread runs (another test's store may have one)."""
    return store._checkpointer.running


def test_no_commit_checkpoints_the_wal(tmp_path, monkeypatch):
    """Past SQLite's default 1,000 pages, no commit copied the WAL back (the count of
    frames only grew): the desk connection keeps the autocheckpoint as a backstop only."""
    monkeypatch.setattr(checkpointer, "QUIET_S", 3600.0)  # the thread stays out of it
    monkeypatch.setattr(checkpointer, "MAX_DELAY_S", 3600.0)
    store = open_store(tmp_path / "desk.sqlite3", device_id="D-1", location="CSC")
    try:
        assert store.conn.execute("PRAGMA wal_autocheckpoint").fetchone()[0] == (
            db.BACKSTOP_WAL_PAGES
        )
        frames = [wal_state(store)[0]]
        while frames[-1] < 1_100:
            record_some(store, 20)
            frames.append(wal_state(store)[0])
        assert frames == sorted(frames)
        assert wal_state(store)[1] == 0
    finally:
        store.close()


def test_a_pause_leaves_a_short_wal_as_it_is(tmp_path, monkeypatch):
    """Below ``CHECKPOINT_PAGES`` nothing is copied: the commit after a checkpoint would
    fsync the WAL's new header too, so an eager checkpoint would slow the next confirm."""
    monkeypatch.setattr(checkpointer, "QUIET_S", 0.01)
    monkeypatch.setattr(checkpointer, "LINGER_S", 0.05)
    store = open_store(tmp_path / "desk.sqlite3", device_id="D-1", location="CSC")
    try:
        record_some(store, 3)
        assert _until(lambda: not _checkpointing(store))  # looked, and ended
        frames, copied = wal_state(store)
        assert 0 < frames < checkpointer.CHECKPOINT_PAGES and copied == 0
    finally:
        store.close()


def test_the_thread_copies_the_wal_back_once_commits_pause(tmp_path, monkeypatch):
    """After a pause with enough in the WAL every frame is in the database, and the next
    commit writes the WAL from its start again."""
    monkeypatch.setattr(checkpointer, "QUIET_S", 0.05)
    monkeypatch.setattr(checkpointer, "CHECKPOINT_PAGES", 1)
    store = open_store(tmp_path / "desk.sqlite3", device_id="D-1", location="CSC")
    try:
        for _ in range(3):
            record_some(store, 10)
            assert _until(lambda: wal_state(store)[1] == wal_state(store)[0] > 0)
        before = wal_state(store)[0]
        record_some(store, 1)
        assert wal_state(store)[0] < before  # restarted from the beginning
    finally:
        store.close()
    assert not _checkpointing(store)
    assert not (tmp_path / "desk.sqlite3-wal").exists()  # closing still checkpoints all


def test_the_thread_ends_when_idle_and_a_commit_starts_another(tmp_path, monkeypatch):
    monkeypatch.setattr(checkpointer, "CHECKPOINT_PAGES", 1)
    monkeypatch.setattr(checkpointer, "QUIET_S", 0.01)
    monkeypatch.setattr(checkpointer, "LINGER_S", 0.05)
    store = open_store(tmp_path / "desk.sqlite3", device_id="D-1", location="CSC")
    try:
        record_some(store, 1)
        assert _until(lambda: not _checkpointing(store))
        assert wal_state(store)[1] == wal_state(store)[0]
        record_some(store, 1)
        assert _until(lambda: wal_state(store)[1] == wal_state(store)[0])
    finally:
        store.close()


def test_the_thread_never_makes_a_store_file(tmp_path, monkeypatch):
    """With the store moved aside (as recovery does), a checkpoint due finds no file and
    makes none: a new store can be enrolled at that path."""
    monkeypatch.setattr(checkpointer, "CHECKPOINT_PAGES", 0)  # look even with no WAL found
    monkeypatch.setattr(checkpointer, "QUIET_S", 0.01)
    monkeypatch.setattr(checkpointer, "LINGER_S", 0.05)
    path = tmp_path / "desk.sqlite3"
    store = open_store(path, device_id="D-1", location="CSC")
    try:
        record_some(store, 1)
        assert _until(lambda: not _checkpointing(store))
        for suffix in ("", "-wal", "-shm"):
            (tmp_path / f"desk.sqlite3{suffix}").rename(tmp_path / f"kept.sqlite3{suffix}")
        record_some(store, 1)  # the open connection writes on to the moved files
        assert _until(lambda: not _checkpointing(store))
        assert not path.exists()
    finally:
        store.close()
