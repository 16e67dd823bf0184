"""A desk's connection to the central API: enrolment, the token file, making the worker.

The token is written 0600 in the data folder (``settings.token_path``); the
server URL comes from the settings (``server_url``) or, after ``cxdesk enrol``,
from the store's ``sync_state``; the device id and location are the store's
own identity (``desk`` table), set at enrolment.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

from cxdesk.errors import CxDeskError
from cxdesk.store import sync_queries
from cxdesk.sync.transport import check_server_url

if TYPE_CHECKING:
    # Imported where used: asking whether a desk is enrolled (the app does, at start)
    # must not bring the HTTP client and the protocol's models.
    from cxdesk.sync.client import AsyncSyncClient
    from cxdesk.sync.protocol import DeviceInfo


def write_token(path: Path, token: str) -> None:
    """Write the device token readable by this user only."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd = os.open(path, os.O_CREAT | os.O_WRONLY | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(token + "\n")
    os.chmod(path, 0o600)


def read_token(path: Path) -> str | None:
    try:
        token = path.read_text().strip()
    except FileNotFoundError:
        return None
    return token or None


def server_url(settings, store) -> str | None:
    return settings.server_url or sync_queries.sync_state(store).server_url


def sync_configured(settings, store) -> bool:
    """Whether this desk has a server and a token (the app starts the worker if so)."""
    return bool(server_url(settings, store) and read_token(settings.token_path))


def enrol_desk(settings, store, url: str, token: str, location: str | None = None) -> DeviceInfo:
    """Check ``token`` with the server, then make this store that device."""
    from cxdesk.sync.client import SyncClient

    url = check_server_url(url)  # https, or http on loopback only
    with SyncClient(url, token) as client:
        info = client.whoami()
        server_key = client.health().server_key
    if location and location.strip().upper() != info.location.upper():
        raise CxDeskError(
            f"That token belongs to {info.device} at {info.location}, not at {location}."
        )
    store.init_desk(info.device, info.location)
    write_token(settings.token_path, token)
    from cxdesk.store.sync_commands import set_server

    # Pinned: receipts and marks signed by any other key are refused from now on.
    set_server(store, url.rstrip("/"), server_key)
    return info


def make_client(settings, store) -> AsyncSyncClient:
    from cxdesk.sync.client import AsyncSyncClient

    url, token = server_url(settings, store), read_token(settings.token_path)
    if not url or not token:
        raise CxDeskError("This desk is not enrolled with a central API (cxdesk enrol).")
    return AsyncSyncClient(check_server_url(url), token)


def make_worker(settings, store, **kw):
    """A ``SyncWorker`` for this desk, with the settings' interval."""
    from cxdesk.sync.worker import LIVE_WAIT, SyncWorker

    kw.setdefault("interval", settings.sync_interval_seconds)
    kw.setdefault("live_wait", LIVE_WAIT)  # hold the live feed while idle
    kw.setdefault("crisis_alert_minutes", settings.crisis_unsynced_alert_minutes)
    return SyncWorker(store, make_client(settings, store), **kw)
