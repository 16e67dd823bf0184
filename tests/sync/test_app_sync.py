"""The desk app with sync: the header says Online, a local event is sent, F8 lists rejections."""

from __future__ import annotations

import asyncio

from textual.widgets import DataTable

from cxdesk.config import load_settings
from cxdesk.store import open_store
from cxdesk.sync.desk import enrol_desk
from cxdesk.sync.server import admin

from .helpers import ThreadServer


async def wait_for(pilot, predicate, rounds: int = 600):
    for _ in range(rounds):
        if predicate():
            return True
        await pilot.pause(0.01)
    raise AssertionError("condition not reached")


async def test_app_runs_the_worker_and_shows_rejections(central, tmp_path):
    from cxdesk.app import make_app
    from cxdesk.screens.sync_status import SyncStatusScreen

    _, token = admin.add_device(central.engine, "CSC", "D-APP")
    settings = load_settings(data_dir=tmp_path / "desk", sync_interval_seconds=0.2)
    with ThreadServer(central.app) as server:
        store = await asyncio.to_thread(open_store, settings.store_path)
        await asyncio.to_thread(enrol_desk, settings, store, server.url, token)
        # Recorded by someone the server's roster does not know: it will be rejected.
        await asyncio.to_thread(
            store.record, "LockoutCleared", {"staff_id": "X"}, actor="GHOST", role="supervisor"
        )
        app = make_app(settings, store=store)
        async with app.run_test(size=(80, 24)) as pilot:
            await wait_for(pilot, lambda: app.sync_text.startswith("Online"))
            await wait_for(pilot, lambda: "1 rejected" in app.sync_text)
            await asyncio.to_thread(
                store.record_as_desk, "SignInFailed", {"staff_id": "A1", "reason": "wrong"}
            )
            await wait_for(
                pilot, lambda: app.sync.status.waiting == 0 and "0 waiting" in app.sync_text
            )
            await app.push_screen(SyncStatusScreen())
            # No wait on the loading worker itself: a new status may restart it (exclusive).
            await pilot.pause()
            table = app.screen.query_one(DataTable)
            await wait_for(pilot, lambda: table.row_count == 1)
            assert "not on the roster" in str(table.get_row_at(0)[-1])
            app.sync.stop()
        store.close()
