"""The demo's embedded central API: two desks, one server, the council pulled not seeded twice."""

from __future__ import annotations

import asyncio

from cxdesk.config import load_settings
from cxdesk.store import open_store
from cxdesk.store.rebuild import verify_store
from cxdesk.sync.demo import demo_central_folder, ensure_demo_server, seed_demo_desk
from cxdesk.sync.demo import start_demo_sync as start
from tests import peek

from .test_protocol import table


def test_two_demo_desks_share_one_server(tmp_path):
    desks = []
    for name, location in (("DEMO-CSC-1", "CSC"), ("DEMO-HUB-1", "HUB-NORTH")):
        settings = load_settings(data_dir=tmp_path / "demo-data" / name, demo=True)
        store = open_store(settings.store_path, device_id=name, location=location)
        seed_demo_desk(settings, store, name, location)
        desks.append((settings, store, start(settings, store)))
    folder = demo_central_folder(desks[0][0])
    url = (folder / "server-url").read_text().strip()
    assert ensure_demo_server(folder) == url  # the second desk reused it
    for settings, store, _worker in desks + desks[:1]:
        worker = start(settings, store)  # a worker closes its client when it ends
        asyncio.run(worker.run(max_rounds=1))
        assert worker.status.online
    (_, a, _), (_, b, _) = desks
    # Both hold what every desk holds; each holds only its own location's staff.
    assert table(a, "locations") == table(b, "locations") and table(a, "locations")
    assert table(a, "policies") == table(b, "policies") and table(a, "policies")
    csc_only = "SELECT COUNT(*) FROM staff WHERE locations = '[\"CSC\"]' AND role = 'advisor'"
    assert peek.scalar(a, csc_only) > 0 and peek.scalar(b, csc_only) == 0
    # Seeded once, on the server: every seed event is a central one.
    assert (
        peek.scalar(
            a, "SELECT COUNT(*) FROM events WHERE kind = 'LocationDefined' AND device != 'central'"
        )
        == 0
    )
    assert verify_store(a).ok and verify_store(b).ok
    for _, store, _ in desks:
        store.close()
