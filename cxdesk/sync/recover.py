"""``cxdesk admin recover``: a damaged desk store set aside, the desk enrolled again and refilled.

What was synced is safe on the server; what only the damaged store held is
what matters. So, in this order:

1. salvage: read every event SQLite (SQLCipher) can still read from a copy
   of the damaged store, stopping quietly at the first unreadable page;
2. set the damaged store aside, untouched, with its key file
   (``desk.sqlite3.damaged-<time>``), so nothing is ever lost by recovering;
3. enrol a fresh store with the new token the administrator issued, and pull
   the whole feed back;
4. list the salvaged events of this desk that the server never received, and
   write them (JSON lines, 0600) beside the kept store for a supervisor.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import tempfile
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from cxdesk.errors import CxDeskError
from cxdesk.events.envelope import Event
from cxdesk.store import keys
from cxdesk.store.salvage import read_remains

MAX_ROUNDS = 50


@dataclass
class Salvage:
    events: list[Event] = field(default_factory=list)
    device: str | None = None
    server_url: str | None = None
    problem: str | None = None
    """Why reading stopped early (or could not start), in words; None if all was read."""


@dataclass
class Recovery:
    kept_at: Path
    device: str
    salvage: Salvage
    not_received: list[Event]
    listing: Path | None
    pulled: int

    def lines(self) -> list[str]:
        out = [f"The damaged store is kept at {self.kept_at}."]
        s = self.salvage
        if s.problem and not s.events:
            out.append(f"Nothing could be read from the damaged store ({s.problem}).")
        else:
            stop = f" before an unreadable part ({s.problem})." if s.problem else "."
            out.append(f"{len(s.events)} events read from the damaged store{stop}")
        out.append(
            f"This desk is {self.device} again; {self.pulled} events pulled back from the "
            "central API."
        )
        if not self.not_received:
            out.append("Every event read from the damaged store is on the central API.")
            return out
        out.append(
            f"{len(self.not_received)} events the central API never received "
            f"(listed in {self.listing}):"
        )
        for event in self.not_received[:50]:
            out.append(f"  #{event.device_seq} {event.kind} by {event.actor} at {event.hlc[:16]}")
        if len(self.not_received) > 50:
            out.append(f"  ... and {len(self.not_received) - 50} more in the file")
        return out


def _copy_store(path: Path, folder: Path) -> Path:
    copy = folder / path.name
    for suffix in ("", "-wal"):
        source = Path(str(path) + suffix)
        if source.exists():
            shutil.copyfile(source, Path(str(copy) + suffix))
    return copy


def salvage(path: Path) -> Salvage:
    """Every event still readable in the store at ``path`` (read from a copy, never written)."""
    found = Salvage()
    try:
        key = keys.load_data_key(path)
    except CxDeskError as exc:
        found.problem = exc.message
        return found
    if key is None:
        found.problem = "its key file is missing"
        return found
    with tempfile.TemporaryDirectory(prefix="cxdesk-salvage-") as folder:
        copy = _copy_store(path, Path(folder))
        try:
            remains = read_remains(copy, key)
        except CxDeskError as exc:
            found.problem = exc.message
            return found
    found.events = list(remains.events)
    found.device, found.server_url, found.problem = (
        remains.device,
        remains.server_url,
        remains.problem,
    )
    return found


def set_aside(path: Path) -> Path:
    """Move the store, its WAL and its key file to ``<name>.damaged-<time>``; returns it."""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    kept = path.with_name(f"{path.name}.damaged-{stamp}")
    for suffix in ("-wal", "-shm", ""):
        source = Path(str(path) + suffix)
        if source.exists():
            os.replace(source, Path(str(kept) + suffix))
    key_file = keys.key_file_for(path)
    if key_file.exists():
        os.replace(key_file, keys.key_file_for(kept))
    return kept


def _write_listing(kept: Path, events: list[Event]) -> Path:
    listing = kept.with_name(kept.name + ".not-received.jsonl")
    fd = os.open(listing, os.O_CREAT | os.O_WRONLY | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        for event in events:
            handle.write(json.dumps(event.model_dump(), ensure_ascii=False) + "\n")
    return listing


async def _pull_back(store, client) -> int:
    from cxdesk.sync.round import sync_round

    pulled = 0
    for _ in range(MAX_ROUNDS):
        report = await sync_round(store, client)
        pulled += report.pulled
        if not report.more:
            break
    await client.aclose()
    return pulled


def recover_desk(settings, url: str | None, token: str) -> Recovery:
    """Salvage, set aside, enrol again with ``token``, pull back, list what was never sent."""
    from cxdesk.store import open_store
    from cxdesk.store.sync_queries import event_ids
    from cxdesk.sync.client import SyncClient
    from cxdesk.sync.desk import enrol_desk, make_client

    path = settings.store_path
    if not path.exists():
        raise CxDeskError(f"There is no desk store in {settings.data_dir} to recover.")
    found = salvage(path)
    url = url or settings.server_url or found.server_url
    if not url:
        raise CxDeskError(
            "The central API's address cannot be read from the damaged store: "
            "give it with --server URL."
        )
    with SyncClient(url, token) as client:
        client.whoami()  # a wrong token or no server: stop before anything is moved
    kept = set_aside(path)
    store = open_store(path)
    try:
        info = enrol_desk(settings, store, url, token)
        pulled = asyncio.run(_pull_back(store, make_client(settings, store)))
        on_server = event_ids(store)
    finally:
        store.close()
    ours = found.device or info.device
    missing = [e for e in found.events if e.device == ours and e.id not in on_server]
    missing.sort(key=lambda e: e.device_seq)
    listing = _write_listing(kept, missing) if missing else None
    return Recovery(kept, info.device, found, missing, listing, pulled)
