"""SIGKILL in the middle of things: desk processes during push and pull, the server mid-push.

Real processes: ``cxdesk serve`` (SQLite) and ``cxdesk sync`` (the worker loop)
as subprocesses, killed with SIGKILL at moments chosen by watching progress
(the server's ``last_seq`` or the desk's cursor moving), then started again.
Afterwards nothing is lost, nothing is applied twice, and every store verifies.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys

import pytest
from sqlalchemy import text

from cxdesk.config import load_settings
from cxdesk.store import open_store
from cxdesk.store.rebuild import verify_store
from cxdesk.store.sync_queries import sync_state
from cxdesk.sync.apply import local_summary
from cxdesk.sync.desk import enrol_desk
from cxdesk.sync.server import admin
from cxdesk.sync.server.app import open_database
from tests import peek

from .helpers import ROOT, ServerProcess, wait_until
from .test_faults import bulk_failed_signins
from .test_protocol import events_of, table

pytestmark = pytest.mark.slow


def desk_env(folder) -> dict:
    return dict(os.environ, CXDESK_DATA_DIR=str(folder), CXDESK_SYNC_INTERVAL_SECONDS="0.2")


def start_sync(folder, once: bool = False) -> subprocess.Popen:
    args = [sys.executable, "-m", "cxdesk", "sync"] + (["--once"] if once else [])
    return subprocess.Popen(
        args, env=desk_env(folder), cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )


def make_desk(engine, url: str, folder, name: str, location: str = "CSC", events: int = 0):
    _device, token = admin.add_device(engine, location, name)
    settings = load_settings(data_dir=folder)
    store = open_store(settings.store_path)
    enrol_desk(settings, store, url, token)
    if events:
        bulk_failed_signins(store, events)
    store.close()
    return settings


def last_seq(engine, device: str) -> int:
    with engine.connect() as conn:
        return conn.execute(
            text("SELECT last_seq FROM devices WHERE id = :d"), {"d": device}
        ).scalar_one()


def feed_head(engine) -> int:
    with engine.connect() as conn:
        return conn.execute(text("SELECT value FROM feed_counter")).scalar_one()


def cursor_of(settings) -> int:
    store = open_store(settings.store_path)
    try:
        return sync_state(store).cursor
    finally:
        store.close()


def finish(settings, rounds: int = 5) -> None:
    """Run ``cxdesk sync --once`` until it succeeds (bounded)."""
    for _ in range(rounds):
        if start_sync(settings.data_dir, once=True).wait(timeout=120) == 0:
            return
    raise AssertionError("cxdesk sync --once kept failing")


def test_desk_killed_during_push_and_pull(tmp_path):
    url = f"sqlite:///{tmp_path / 'central.sqlite3'}"
    engine = open_database(url)
    server = ServerProcess(url, tmp_path / "server").start()
    try:
        pusher = make_desk(engine, server.url, tmp_path / "a", "D-A", events=4000)
        kills = 0
        for _ in range(8):  # kill the pushing desk each time it makes progress
            seen = last_seq(engine, "D-A")
            if seen >= 4000:
                break
            proc = start_sync(pusher.data_dir)
            wait_until(lambda s=seen: last_seq(engine, "D-A") > s, 60, "push progress")
            proc.send_signal(signal.SIGKILL)
            proc.wait(timeout=30)
            kills += 1
        assert kills >= 2
        finish(pusher)
        puller = make_desk(engine, server.url, tmp_path / "b", "D-B")  # same location
        for _ in range(6):  # and the pulling desk, each time its cursor moves
            seen = cursor_of(puller)
            if seen >= feed_head(engine):
                break
            proc = start_sync(puller.data_dir)
            wait_until(lambda s=seen: cursor_of(puller) > s, 60, "pull progress")
            proc.send_signal(signal.SIGKILL)
            proc.wait(timeout=30)
        finish(puller)
        finish(pusher)
    finally:
        server.stop()
    with engine.connect() as conn:
        ids = [r[0] for r in conn.execute(text("SELECT id FROM events WHERE device = 'D-A'"))]
    assert len(ids) == len(set(ids)) == 4000
    a, b = open_store(pusher.store_path), open_store(puller.store_path)
    try:
        assert local_summary(a).waiting == 0 and local_summary(a).rejected == 0
        assert events_of(a) == events_of(b)
        assert table(a, "signin_attempts") == table(b, "signin_attempts")
        assert peek.scalar(b, "SELECT COUNT(*) FROM event_acks WHERE server_seq IS NULL") == 0
        assert verify_store(a).ok and verify_store(b).ok
    finally:
        a.close()
        b.close()
    engine.dispose()


def test_server_killed_mid_push_and_restarted(tmp_path):
    url = f"sqlite:///{tmp_path / 'central.sqlite3'}"
    engine = open_database(url)
    server = ServerProcess(url, tmp_path / "server").start()
    desk = make_desk(engine, server.url, tmp_path / "a", "D-A", events=3000)
    proc = start_sync(desk.data_dir)
    try:
        for _ in range(3):
            seen = last_seq(engine, "D-A")
            if seen >= 3000:
                break
            wait_until(lambda s=seen: last_seq(engine, "D-A") > s, 60, "push progress")
            server.kill()
            server.start()  # same port: the desk's worker backs off, then carries on
        wait_until(lambda: last_seq(engine, "D-A") >= 3000, 120, "all events on the server")
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=30)
        finish(desk)
    finally:
        if proc.poll() is None:
            proc.kill()
        server.stop()
    with engine.connect() as conn:
        count = conn.execute(
            text("SELECT COUNT(DISTINCT id), COUNT(*) FROM events WHERE device = 'D-A'")
        ).one()
    assert tuple(count) == (3000, 3000)
    store = open_store(desk.store_path)
    try:
        assert local_summary(store).waiting == 0
        assert verify_store(store).ok
    finally:
        store.close()
    engine.dispose()
