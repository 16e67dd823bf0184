"""The demo's own central API: embedded, on loopback, seeded from the fixtures.

``cxdesk demo`` calls ``seed_demo_desk`` when it creates a demo desk and
``start_demo_sync`` each time it opens one. The first demo desk starts the
central API in a background thread of its own process (SQLite in the demo
folder, seeded once from the fixtures) and writes its URL to
``<demo folder>/server-url``; a second desk (``cxdesk demo --desk NAME
--location LOC``) finds that file and uses the same server. Desks are enrolled
automatically and get the council (staff, directory, stock...) by pulling it,
so every desk shows the same council and nothing is seeded twice. If the
server cannot be started, the desk is seeded locally and works offline.
"""

from __future__ import annotations

import asyncio
import atexit
import socket
import threading
import time
from pathlib import Path

import httpx

from cxdesk.domain.safe_text import safe_text
from cxdesk.errors import CxDeskError

PREFERRED_PORT = 8741
_servers: dict[Path, object] = {}


def demo_central_folder(settings) -> Path:
    return settings.data_dir.parent / "demo-central"


def _healthy(url: str) -> bool:
    try:
        return httpx.get(url + "/health", timeout=1.0).status_code == 200
    except httpx.HTTPError:
        return False


def _port() -> int:
    for port in (PREFERRED_PORT, 0):
        with socket.socket() as s:
            # As uvicorn does: a port left in TIME_WAIT by the last demo is reused,
            # so desks still pointing at it find the restarted server.
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            return s.getsockname()[1]
    raise CxDeskError("No free port on 127.0.0.1 for the demo's central API.")


def _db_url(folder: Path) -> str:
    return f"sqlite:///{folder / 'central.sqlite3'}"


def ensure_demo_server(folder: Path) -> str:
    """The URL of the demo's central API, started here (in a thread) if none answers."""
    import uvicorn

    from cxdesk.sync.server import admin
    from cxdesk.sync.server.app import create_app, open_database

    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    url_file = folder / "server-url"
    if url_file.exists():
        url = url_file.read_text().strip()
        if _healthy(url):
            return url
    engine = open_database(_db_url(folder))
    admin.seed_server(engine)
    app = create_app(engine=engine, marks_dir=folder / "marks")
    port = _port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="error"))
    thread = threading.Thread(target=server.run, name="demo-central-api", daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started and thread.is_alive() and time.monotonic() < deadline:
        time.sleep(0.02)
    if not server.started:
        raise CxDeskError("The demo's central API did not start.")
    url = f"http://127.0.0.1:{port}"
    url_file.write_text(url + "\n")
    _servers[folder] = server

    def stop() -> None:
        server.should_exit = True
        thread.join(timeout=10)
        if url_file.exists() and url_file.read_text().strip() == url:
            url_file.unlink()
        engine.dispose()

    atexit.register(stop)
    return url


def seed_demo_desk(settings, store, desk: str, location: str) -> None:
    """Enrol a new demo desk with the demo server and pull the council; offline: seed here."""
    from cxdesk.seed import seed_store
    from cxdesk.store.demo_mark import mark_demo_store
    from cxdesk.sync.desk import enrol_desk, make_client
    from cxdesk.sync.round import sync_round
    from cxdesk.sync.server import admin
    from cxdesk.sync.server.app import open_database

    mark_demo_store(store)  # before anything else: this store is a demo one
    folder = demo_central_folder(settings)
    try:
        url = ensure_demo_server(folder)
    except (CxDeskError, OSError, ValueError) as exc:
        print(safe_text(f"Demo without sync ({exc}); seeding this desk on its own."))
        seed_store(store)
        return
    engine = open_database(_db_url(folder))
    try:
        known = {d["id"] for d in admin.devices(engine)}
        device, n = desk, 1
        while device in known:  # a desk made again (--reset) is a new device
            n += 1
            device = f"{desk}-{n}"
        _, token = admin.add_device(engine, location, device)
    finally:
        engine.dispose()
    enrol_desk(settings, store, url, token)

    async def first_round() -> None:
        async with make_client(settings, store) as client:
            await sync_round(store, client)

    asyncio.run(first_round())


def start_demo_sync(settings, store):
    """The sync worker for a demo desk, with the demo server running; None if not enrolled."""
    from cxdesk.store.sync_commands import set_server
    from cxdesk.sync.desk import make_worker, sync_configured

    if not sync_configured(settings, store):
        return None
    url = ensure_demo_server(demo_central_folder(settings))
    set_server(store, url)
    return make_worker(settings, store)
