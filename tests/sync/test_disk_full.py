"""A full disk is said in words, on the desk and by ``cxdesk sync --once``; nothing is half-saved.

The store lives on a real, tiny tmpfs (mounting needs root, as in CI; the
tests skip cleanly where mounting is not allowed). A filler file takes the
rest of the space, so SQLite meets a genuine ENOSPC (SQLITE_FULL).
"""

from __future__ import annotations

import asyncio
import contextlib
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from cxdesk.cli import cli
from cxdesk.config import load_settings
from cxdesk.store import open_store
from cxdesk.store.db import DiskFull
from cxdesk.store.rebuild import verify_store
from cxdesk.sync.apply import local_summary
from cxdesk.sync.desk import enrol_desk
from cxdesk.sync.server import admin
from cxdesk.sync.worker import SyncWorker
from tests import peek

from .helpers import ThreadServer
from .test_faults import server_ids


@pytest.fixture
def tiny_disk(tmp_path):
    mount = tmp_path / "tiny"
    mount.mkdir()
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=3m,mode=0700", "tmpfs", str(mount)],
        capture_output=True,
        check=False,
    )
    if done.returncode != 0:
        pytest.skip("a small tmpfs cannot be mounted here (needs root)")
    yield mount
    subprocess.run(["umount", "-l", str(mount)], capture_output=True, check=False)


def fill(folder: Path) -> Path:
    """Take every free byte of ``folder``'s filesystem; returns the filler to remove later."""
    filler = folder / "filler"
    with contextlib.suppress(OSError), open(filler, "wb", buffering=0) as handle:
        while True:
            handle.write(b"\0" * 4096)
    return filler


def test_recording_on_a_full_disk_says_so_and_keeps_nothing_half_done(tiny_disk):
    store = open_store(tiny_disk / "desk.sqlite3", device_id="D-FULL", location="CSC")
    try:
        store.record_as_desk("SignInFailed", {"staff_id": "A1001", "reason": "before"})
        filler = fill(tiny_disk)
        made = 1
        with pytest.raises(DiskFull, match="disk holding the desk store is full"):
            for i in range(5000):  # the WAL grows until the disk refuses
                store.record_as_desk(
                    "SignInFailed", {"staff_id": "A1001", "reason": "x" * 180 + str(i)}
                )
                made += 1
        assert peek.scalar(store, "SELECT COUNT(*) FROM events") == made
        filler.unlink()  # space again: the store carries on, whole
        store.record_as_desk("SignInFailed", {"staff_id": "A1001", "reason": "after"})
        assert peek.scalar(store, "SELECT COUNT(*) FROM events") == made + 1
        assert verify_store(store).ok
    finally:
        store.close()


async def test_sync_on_a_full_disk_says_so(central, tiny_disk, monkeypatch):
    others = central.desk("D-OTHER")
    for _ in range(40):  # something to pull, so the desk must write
        others.record_failed_signin()
    await others.sync()
    _device, token = admin.add_device(central.engine, "CSC", "D-FULL")
    settings = load_settings(data_dir=tiny_disk / "data")
    with ThreadServer(central.app) as server:
        store = open_store(settings.store_path)
        enrol_desk(settings, store, server.url, token)
        store.record_as_desk("SignInFailed", {"staff_id": "A1001", "reason": "mine"})
        filler = fill(tiny_disk)
        worker = SyncWorker(store, central.client(token))
        await worker.run(max_rounds=1)
        assert worker.status.problem == "disk full"
        assert worker.status.header_text().startswith("Sync stopped: disk full (F8)")
        assert "Free some disk space" in worker.status.last_error  # what F8 shows
        store.close()

        monkeypatch.setenv("CXDESK_DATA_DIR", str(settings.data_dir))
        result = await asyncio.to_thread(CliRunner().invoke, cli, ["sync", "--once"])
        assert result.exit_code == 1 and "Traceback" not in result.output
        lines = [line for line in result.output.splitlines() if line.strip()]
        assert len(lines) == 1 and lines[0].startswith("Disk full: "), result.output

        filler.unlink()
        store = open_store(settings.store_path)
        try:
            worker = SyncWorker(store, central.client(token))
            await worker.run(max_rounds=1)
            assert worker.status.problem is None and local_summary(store).waiting == 0
            held = {r[0] for r in peek.query(store, "SELECT id FROM events")}
            assert held == set(server_ids(central.engine))
            assert verify_store(store).ok
        finally:
            store.close()
