"""A desk whose clock is two hours slow learns it from the server's Date header and corrects."""

from __future__ import annotations

import time

import pytest

from cxdesk.domain import deskclock
from cxdesk.events.envelope import parse_hlc
from cxdesk.sync.client import AsyncSyncClient
from cxdesk.sync.worker import SyncWorker

from .helpers import ThreadServer

SLOW_MS = 2 * 3_600_000


@pytest.mark.parametrize("server_url", ["sqlite"], indirect=True)
async def test_slow_desk_corrects_its_clock_from_the_server(central, monkeypatch):
    monkeypatch.setattr(deskclock, "_offset_ms", 0)
    monkeypatch.setattr(deskclock, "raw_ms", lambda: time.time_ns() // 1_000_000 - SLOW_MS)
    a = central.desk("D-A")
    with ThreadServer(central.app) as server:  # uvicorn: every answer carries a Date header
        worker = SyncWorker(a.store, AsyncSyncClient(server.url, a.token))
        await worker.run(max_rounds=1)
    assert abs(deskclock.offset_ms() - SLOW_MS) < 3000
    assert "clock 2 h slow" in worker.status.header_text()
    event = a.record_failed_signin()
    assert abs(parse_hlc(event.hlc)[0] - time.time_ns() // 1_000_000) < 3000
    assert (await a.sync()).counts.rejected == 0
