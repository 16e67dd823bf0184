"""Faults that really happen: a server that is down, dropped answers, restores, long outages."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import text

from cxdesk.store.eventlog import append_local
from cxdesk.store.rebuild import verify_store
from cxdesk.store.sync_queries import sync_state
from cxdesk.sync.apply import local_summary
from cxdesk.sync.client import AsyncSyncClient, SyncUnavailable
from cxdesk.sync.server.app import create_app, open_database
from cxdesk.sync.worker import SyncWorker

from .helpers import DroppingProxy, ThreadServer, free_port
from .test_protocol import events_of, table


def server_ids(engine) -> list[str]:
    with engine.connect() as conn:
        return [r[0] for r in conn.execute(text("SELECT id FROM events ORDER BY server_seq"))]


def bulk_failed_signins(store, count: int) -> None:
    """``count`` desk events in one transaction (fast set-up for big outboxes)."""
    with store.transaction() as conn:
        for i in range(count):
            append_local(
                conn,
                store.clock,
                kind="SignInFailed",
                payload={"staff_id": "A1001", "reason": f"try {i}"},
                actor="desk",
                role=None,
                device=store.device_id,
                location=store.location,
            )


async def test_server_down_when_events_are_made(central):
    port = free_port()
    a = central.desk("D-A")
    a.client = AsyncSyncClient(f"http://127.0.0.1:{port}", a.token)
    for _ in range(5):
        a.record_failed_signin()
    worker = SyncWorker(a.store, a.client, interval=0.01)
    await worker.run(max_rounds=1)
    assert worker.status.online is False and worker.status.waiting == 5
    assert "Offline: no network · 5 waiting" in worker.status.header_text()
    with ThreadServer(central.app, port=port):
        worker = SyncWorker(a.store, AsyncSyncClient(f"http://127.0.0.1:{port}", a.token))
        await worker.run(max_rounds=1)
    assert worker.status.online and worker.status.waiting == 0
    ids = server_ids(central.engine)
    assert len(ids) == len(set(ids))
    assert {e[0] for e in events_of(a.store)} <= set(ids)


async def test_answer_lost_after_commit_retry_gives_duplicates(central):
    a = central.desk("D-A")
    for _ in range(4):
        a.record_failed_signin()
    with ThreadServer(central.app) as server:
        proxy = DroppingProxy(server.port)
        a.client = AsyncSyncClient(proxy.url, a.token)
        proxy.drop = True
        before = len(server_ids(central.engine))
        with pytest.raises(SyncUnavailable):
            await a.sync()
        assert proxy.dropped >= 1
        assert len(server_ids(central.engine)) == before + 4  # committed, answer lost
        assert local_summary(a.store).waiting == 4
        proxy.drop = False
        a.client = AsyncSyncClient(proxy.url, a.token)
        report = await a.sync()
        proxy.close()
    assert (report.counts.duplicate, report.counts.accepted) == (4, 0)
    assert len(server_ids(central.engine)) == before + 4
    assert local_summary(a.store).waiting == 0 and verify_store(a.store).ok


async def test_offline_for_weeks_with_5000_waiting_catches_up(central, monkeypatch):
    from cxdesk.domain import deskclock
    from cxdesk.events import envelope

    a, b = central.desk("D-A"), central.desk("D-B")  # one location: the same share
    real = deskclock.raw_ms
    with monkeypatch.context() as m:  # the events were made 30 days ago
        m.setattr(deskclock, "raw_ms", lambda: real() - 30 * 86_400_000)
        a.store.clock = envelope.HybridClock("D-A")
        bulk_failed_signins(a.store, 5000)
    assert local_summary(a.store).waiting == 5000
    offline = SyncWorker(a.store, AsyncSyncClient(f"http://127.0.0.1:{free_port()}", a.token))
    await offline.run(max_rounds=1)
    assert "5000 waiting (oldest 30 days)" in offline.status.header_text()
    worker = SyncWorker(a.store, a.client)
    await worker.run(max_rounds=1)  # no manual step: one round pages through it all
    assert worker.status.waiting == 0 and worker.status.online
    report = await b.sync()
    assert report.pulled >= 5000
    assert events_of(a.store) == events_of(b.store)
    assert table(a.store, "signin_attempts") == table(b.store, "signin_attempts")


def _backup(engine, url: str, folder):
    """A backup of the central database: a file copy (SQLite) or a template copy (PG)."""
    engine.dispose()
    if engine.dialect.name == "sqlite":
        path = folder / "backup.sqlite3"
        raw = sqlite3.connect(url.removeprefix("sqlite:///"))
        raw.execute("VACUUM INTO ?", (str(path),))
        raw.close()
        return path
    import psycopg

    from .conftest import PG_ADMIN

    name = url.rsplit("/", 1)[1]
    backup = f"{name}_bk"
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{backup}" TEMPLATE "{name}"')
    return backup


def _restore(engine, url: str, backup):
    """Stop using the live database and serve the backup instead; returns the new URL."""
    engine.dispose()
    if engine.dialect.name == "sqlite":
        live = Path(url.removeprefix("sqlite:///"))
        for suffix in ("-wal", "-shm"):
            Path(str(live) + suffix).unlink(missing_ok=True)
        shutil.copyfile(backup, live)
        return url
    return url.rsplit("/", 1)[0] + "/" + backup


async def test_restored_from_backup_everyone_converges(central, server_url, tmp_path):
    a, b = central.desk("D-A"), central.desk("D-B")  # one location: the same share
    a.enrol_staff("A1001")
    b.enrol_staff("H2001")
    b.record_failed_signin("H2001")
    for desk in (a, b, a):
        await desk.sync()
    old_epoch = sync_state(a.store).epoch
    backup = _backup(central.engine, server_url, tmp_path)
    central.engine = open_database(server_url)  # PG backup needed the pool closed
    central.app = create_app(engine=central.engine, marks_dir=tmp_path / "marks")
    for desk in (a, b):
        desk.client = central.client(desk.token)
        desk.record_failed_signin("A1001" if desk is a else "H2001")
        desk.record_failed_signin("A1002")  # not on the roster: accepted anywhere
    a.record_failed_signin("A1002")
    for desk in (a, b, a):
        await desk.sync()
    before_restore = set(server_ids(central.engine))

    new_url = _restore(central.engine, server_url, backup)
    central.engine = open_database(new_url)
    central.app = create_app(engine=central.engine, marks_dir=tmp_path / "marks")
    assert central.app.state.new_epoch is not None  # the restore was noticed
    assert len(server_ids(central.engine)) < len(before_restore)
    for desk in (a, b):
        desk.client = central.client(desk.token)
    for desk in (a, b, a, b):
        report = await desk.sync()
    assert sync_state(a.store).epoch == sync_state(b.store).epoch != old_epoch
    assert set(server_ids(central.engine)) == before_restore
    c = central.desk("D-C")
    for desk in (c, a, b):
        await desk.sync()
    assert events_of(a.store) == events_of(b.store) == events_of(c.store)
    for name in ("staff", "signin_attempts", "locations"):
        assert table(a.store, name) == table(b.store, name) == table(c.store, name)
    for desk in (a, b, c):
        assert verify_store(desk.store).ok
        assert local_summary(desk.store).waiting == 0
    assert report.epoch_resets == 0  # settled: later rounds are ordinary
    if new_url != server_url:
        central.engine.dispose()
        from .conftest import drop_pg_database

        drop_pg_database(new_url.rsplit("/", 1)[1])
