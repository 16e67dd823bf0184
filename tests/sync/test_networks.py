"""Every network failure is a sentence: through a loopback proxy that misbehaves like bad networks.

Each fault gives one readable line from the sync round (and its short words
for the header), the worker's header never says "Online" while it happens, and
``cxdesk sync --once`` prints one line and exits non-zero, never a traceback.
After each fault the proxy behaves again and the next round succeeds.
"""

from __future__ import annotations

import asyncio

import httpx
import pytest
from click.testing import CliRunner

from cxdesk.cli import cli
from cxdesk.config import load_settings
from cxdesk.store import open_store
from cxdesk.sync.apply import local_summary
from cxdesk.sync.client import AsyncSyncClient, SyncUnavailable
from cxdesk.sync.desk import enrol_desk
from cxdesk.sync.round import sync_round
from cxdesk.sync.server import admin
from cxdesk.sync.worker import SyncWorker
from tests import peek

from .helpers import FaultProxy, ThreadServer

FAULTS = {
    "truncated": ("cut off before the answer was complete", "connection cut"),
    "halfjson": ("cut short or not understood", "bad answer"),
    "junk": ("cut short or not understood", "bad answer"),
    "huge": ("larger than 32 MB", "answer too large"),
    "html": ("A web page answered", "web page in the way"),
    "redirect": ("sent elsewhere", "web page in the way"),
    "hang": ("did not answer in time", "no answer"),
    "reset": ("cut off", "connection cut"),
}
QUICK = httpx.Timeout(0.5, connect=0.5)


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """One real central API on loopback (SQLite) behind one fault proxy, for the module."""
    from cxdesk.sync.server.app import create_app, open_database

    folder = tmp_path_factory.mktemp("central")
    engine = open_database(f"sqlite:///{folder / 'central.sqlite3'}")
    with ThreadServer(create_app(engine=engine, marks_dir=folder / "marks")) as server:
        proxy = FaultProxy(server.port)
        yield engine, proxy
        proxy.close()
    engine.dispose()


def _desk(engine, proxy, tmp_path, name: str):
    _device, token = admin.add_device(engine, "CSC", name)
    settings = load_settings(data_dir=tmp_path / name)
    store = open_store(settings.store_path)
    proxy.mode = None
    enrol_desk(settings, store, proxy.url, token)
    store.record_as_desk("SignInFailed", {"staff_id": "A1001", "reason": "wrong"})
    return settings, store, token


@pytest.mark.parametrize("fault", list(FAULTS))
async def test_each_fault_is_one_sentence_then_sync_recovers(served, tmp_path, fault):
    engine, proxy = served
    settings, store, token = _desk(engine, proxy, tmp_path, f"D-{fault.upper()}")
    words, short = FAULTS[fault]
    proxy.mode = fault
    try:
        async with AsyncSyncClient(proxy.url, token, timeout=QUICK) as client:
            with pytest.raises(SyncUnavailable) as caught:
                await sync_round(store, client)
        assert words in caught.value.message and "\n" not in caught.value.message
        assert caught.value.short == short
        worker = SyncWorker(store, AsyncSyncClient(proxy.url, token, timeout=QUICK))
        await worker.run(max_rounds=1)
        header = worker.status.header_text()
        assert header.startswith(f"Offline: {short} · 1 waiting"), header
        assert worker.status.last_error == caught.value.message  # what F8 shows
    finally:
        proxy.mode = None
    async with AsyncSyncClient(proxy.url, token) as client:
        await sync_round(store, client)
    assert local_summary(store).waiting == 0
    store.close()


@pytest.mark.parametrize("fault", ["halfjson", "html", "reset", "junk"])
def test_sync_once_prints_one_line_and_fails(served, tmp_path, monkeypatch, fault):
    engine, proxy = served
    settings, store, _token = _desk(engine, proxy, tmp_path, f"D-CLI-{fault.upper()}")
    store.close()
    monkeypatch.setenv("CXDESK_DATA_DIR", str(settings.data_dir))
    proxy.mode = fault
    try:
        result = CliRunner().invoke(cli, ["sync", "--once"])
    finally:
        proxy.mode = None
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("Sync failed: "), result.output
    assert FAULTS[fault][0] in lines[0]


async def test_worker_says_waiting_for_server_and_backs_off_briefly(served, tmp_path):
    """A server that accepts and never answers: "Waiting for server" after a few seconds."""
    from cxdesk.sync import worker as worker_module

    engine, proxy = served
    _settings, store, token = _desk(engine, proxy, tmp_path, "D-STALL")
    proxy.mode = "hang"
    seen: list[str] = []
    worker = SyncWorker(
        store,
        AsyncSyncClient(proxy.url, token, timeout=httpx.Timeout(1.0)),
        on_change=lambda s: seen.append(s.header_text()),
    )
    old = worker_module.STALL_SECONDS
    worker_module.STALL_SECONDS = 0.2
    try:
        await worker.run(max_rounds=1)
    finally:
        worker_module.STALL_SECONDS = old
        proxy.mode = None
    assert any(h.startswith("Waiting for server") for h in seen), seen
    assert not any(h.startswith("Online") for h in seen)
    store.close()


async def test_header_stays_responsive_with_the_worker_on_a_hung_server(
    served, tmp_path, monkeypatch
):
    """Pilot: the worker hangs on the server; the screen still moves and the count is live."""
    from textual.widgets import Input

    from cxdesk.app import make_app
    from cxdesk.sync import worker as worker_module
    from cxdesk.widgets.header import SyncIndicator

    from .test_app_sync import wait_for

    engine, proxy = served
    settings, store, _token = _desk(engine, proxy, tmp_path, "D-PILOT")
    settings = load_settings(data_dir=settings.data_dir, sync_interval_seconds=0.2)
    monkeypatch.setattr(worker_module, "STALL_SECONDS", 0.2)
    proxy.mode = "hang"
    try:
        app = make_app(settings, store=store)
        async with app.run_test(size=(80, 24)) as pilot:
            await wait_for(pilot, lambda: app.sync_text.startswith("Waiting for server"))
            assert "1 waiting" in app.sync_text
            # An event committed while the round hangs shows at once in the count.
            await asyncio.to_thread(
                store.record_as_desk, "SignInFailed", {"staff_id": "A1001", "reason": "wrong"}
            )
            await wait_for(pilot, lambda: "2 waiting" in app.sync_text)
            assert app.sync.status.syncing  # still the same hung round
            indicator = app.screen.query(SyncIndicator).first(None)
            if indicator is not None:
                await wait_for(pilot, lambda: "2 waiting" in str(indicator.render()))
            # The screen answers keys while the worker waits: typing lands in the form.
            field = app.focused
            assert isinstance(field, Input), field
            await pilot.press("a", "1", "0")
            await wait_for(
                pilot, lambda: field.value.endswith("A10") or field.value.endswith("a10")
            )
            app.sync.stop()
    finally:
        proxy.mode = None
    store.close()


async def test_back_online_within_an_interval_of_the_server_answering(served, tmp_path):
    """Deep in back-off (15-30 s) the worker still probes each interval and syncs at once."""
    engine, proxy = served
    _settings, store, token = _desk(engine, proxy, tmp_path, "D-RETURN")
    proxy.mode = "reset"
    worker = SyncWorker(store, AsyncSyncClient(proxy.url, token, timeout=QUICK), interval=0.2)
    await worker.run_round()
    assert worker.status.online is False
    worker.failures = 9  # as after a long outage: the back-off alone would wait 15-30 s
    task = asyncio.create_task(worker.run())
    try:
        await asyncio.sleep(0.5)
        assert worker.status.waiting == 1  # still backing off, probes failing
        proxy.mode = None  # the network returns
        for _ in range(300):  # bounded poll: far below the back-off it would otherwise wait
            if worker.status.waiting == 0 and worker.status.online:
                break
            await asyncio.sleep(0.01)
        assert worker.status.waiting == 0 and worker.failures == 0
    finally:
        worker.stop()
        await asyncio.wait_for(task, 10)
        proxy.mode = None
    store.close()


def test_ctrl_s_forgets_the_back_off(store):
    worker = SyncWorker(store, AsyncSyncClient("http://127.0.0.1:9", "t"))
    worker.failures = 7
    worker.sync_now()
    assert worker.failures == 0 and worker._urgent


async def test_a_feed_page_over_the_answer_limit_is_asked_again_smaller(central, monkeypatch):
    """Pages of big events would pass the desk's answer limit: it asks for fewer at a time."""
    from cxdesk.sync import client as client_module

    a, b = central.desk("D-A"), central.desk("D-B")  # one location: one share of the feed
    for _ in range(30):
        a.record_failed_signin()
    await a.sync()
    monkeypatch.setattr(client_module, "MAX_ANSWER_BYTES", 6000)  # about ten events a page
    report = await b.sync()
    assert report.pulled >= 30
    assert {r[0] for r in peek.query(b.store, "SELECT id FROM events WHERE device = 'D-A'")} == {
        r[0] for r in peek.query(a.store, "SELECT id FROM events WHERE device = 'D-A'")
    }
