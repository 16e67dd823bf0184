"""Desk side: status words, back-off, the worker's poke, enrolment and the token file."""

from __future__ import annotations

import asyncio
import os
import random
import stat
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text

from cxdesk.errors import CxDeskError
from cxdesk.sync.server.tokens import hash_token
from cxdesk.sync.status import SyncStatus
from cxdesk.sync.worker import BACKOFF_CAP, SyncWorker, backoff_delay
from tests import peek

NOW = datetime(2026, 3, 2, 10, 42, 30, tzinfo=UTC)


def test_header_words():
    online = SyncStatus(
        configured=True,
        online=True,
        last_success=NOW - timedelta(seconds=12),
        last_round=NOW - timedelta(seconds=12),
        fresh_seconds=15,
    )
    assert online.header_text(NOW) == "Online · 0 waiting · synced 12s ago"
    # "Online" means a round finished within the interval: not 20 s ago, not mid-wait.
    stale = replace(online, last_round=NOW - timedelta(seconds=20))
    assert stale.header_text(NOW).startswith("Offline · 0 waiting · last sync 10:42")
    assert replace(online, stalled=True).header_text(NOW).startswith("Waiting for server ·")
    cut = replace(stale, online=False, problem="no answer")
    assert cut.header_text(NOW).startswith("Offline: no answer · 0 waiting")
    full = replace(online, last_error="The disk ... is full", problem="disk full")
    assert full.header_text(NOW).startswith("Sync stopped: disk full (F8) ·")
    offline = SyncStatus(
        configured=True,
        online=False,
        waiting=3,
        oldest_waiting_ms=int((NOW - timedelta(minutes=4)).timestamp() * 1000),
        last_success=NOW - timedelta(minutes=20),
        rejected=1,
    )
    assert offline.header_text(NOW) == (
        "Offline · 3 waiting (oldest 4 min) · last sync 10:22 · 1 rejected (F8)"
    )
    july = datetime(2026, 7, 1, 9, 5, tzinfo=UTC)
    summer = SyncStatus(configured=True, online=False, last_success=july)
    assert summer.header_text(datetime(2026, 7, 1, 12, tzinfo=UTC)).endswith("last sync 10:05")
    assert SyncStatus().header_text(NOW).startswith("Not connected")


def test_backoff_grows_with_jitter_and_is_capped():
    rng = random.Random(4)
    delays = [backoff_delay(n, rng) for n in range(1, 12)]
    assert delays[0] <= 1.0 and delays[3] > delays[0]
    assert all(d <= BACKOFF_CAP for d in delays)
    assert len({round(backoff_delay(5, rng), 6) for _ in range(5)}) > 1  # jittered


async def test_worker_syncs_soon_after_a_poke(central):
    a = central.desk("D-A")
    changes = []
    worker = SyncWorker(a.store, a.client, interval=3600, on_change=changes.append)
    task = asyncio.create_task(worker.run())
    for _ in range(500):
        if worker.status.online:
            break
        await asyncio.sleep(0.01)
    a.record_failed_signin()
    await asyncio.to_thread(worker.poke)  # from another thread, as the app's workers do
    for _ in range(500):
        if (
            worker.status.waiting == 0
            and changes[-1].waiting == 0
            and peek.scalar(
                a.store,
                "SELECT COUNT(*) FROM event_acks a JOIN events e ON e.id = a.event_id "
                "WHERE e.device = 'D-A'",
            )
        ):
            break
        await asyncio.sleep(0.01)
    worker.stop()
    await asyncio.wait_for(task, 10)
    assert worker.status.online and worker.status.waiting == 0
    assert any(c.syncing for c in changes)


def test_token_file_and_enrol(central, tmp_path):
    from cxdesk.config import load_settings
    from cxdesk.store import open_store
    from cxdesk.sync.desk import read_token, sync_configured, write_token

    settings = load_settings(data_dir=tmp_path / "desk")
    write_token(settings.token_path, "cxd_secret")
    assert stat.S_IMODE(os.stat(settings.token_path).st_mode) == 0o600
    assert read_token(settings.token_path) == "cxd_secret"
    store = open_store(settings.store_path)
    assert not sync_configured(settings, store)
    store.close()


def test_tokens_are_stored_hashed(central):
    from cxdesk.sync.server import admin

    device, token = admin.add_device(central.engine, "HUB1")
    with central.engine.connect() as conn:
        stored = conn.execute(
            text("SELECT token_hash FROM devices WHERE id = :d"), {"d": device}
        ).scalar_one()
    assert stored == hash_token(token) and token not in stored
    with pytest.raises(CxDeskError):
        admin.add_device(central.engine, "HUB1", device)


async def test_roster_changes_reach_desks(central):
    from cxdesk.sync.server import admin
    from tests.conftest import key_fields_for

    admin.add_staff(
        central.engine,
        "A1001",
        name="Sam",
        role="advisor",
        locations=["CSC"],
        key_fields=key_fields_for("A1001"),
    )
    a = central.desk("D-A")
    await a.sync()
    assert peek.scalar(a.store, "SELECT active FROM staff WHERE staff_id = 'A1001'") == 1
    admin.remove_staff(central.engine, "A1001")
    await a.sync()
    assert peek.scalar(a.store, "SELECT active FROM staff WHERE staff_id = 'A1001'") == 0
    # A removed person's events are rejected by the server.
    a.store.record("LockoutCleared", {"staff_id": "X"}, actor="A1001", role="supervisor")
    report = await a.sync()
    assert report.counts.rejected == 1
    assert "removed from the roster" in report.counts.reasons[0]


def test_refusal_is_not_called_online():
    refused = SyncStatus(configured=True, online=True, last_error="this device has been revoked")
    assert refused.header_text(NOW).startswith("Sync refused (F8)")


async def test_repeat_claim_check_knows_when_the_desk_last_synced(central):
    """The issue screen's "issues from other locations as of ..." reads what sync writes."""
    from cxdesk.store.issue_commands import knowledge_as_of

    a = central.desk("D-A")
    assert knowledge_as_of(a.store) is None
    a.record_failed_signin()
    await a.sync()
    as_of = knowledge_as_of(a.store)
    assert as_of is not None and abs((datetime.now(UTC) - as_of).total_seconds()) < 3600
