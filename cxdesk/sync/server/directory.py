"""The directory import on the server: the desk's importer, run against a mirror of the feed.

``cxdesk.store.directory_commands.import_directory`` already knows how to read
the council's file (CSV or Open Referral UK) and record only what changed,
comparing with a desk's directory tables. On the server we give it exactly
that: a throwaway desk store (0600, deleted afterwards) filled from the feed,
then write the events it made as central events in one transaction, so every
desk receives the changes and nothing unchanged is recorded twice.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from sqlalchemy import Engine

from cxdesk.store import open_store
from cxdesk.sync.apply import apply_pull_page
from cxdesk.sync.protocol import CENTRAL_ACTOR, MAX_PULL_LIMIT
from cxdesk.sync.server.central import CentralItem, record_central
from cxdesk.sync.server.db import read_transaction, write_transaction
from cxdesk.sync.server.feed import pull_page_json

MIRROR_DEVICE = "central-import"


def mirror_feed(engine: Engine, store, max_pages: int = 100_000) -> None:
    """Apply the whole feed to ``store`` page by page (bounded)."""
    cursor = 0
    for _ in range(max_pages):
        with read_transaction(engine) as conn:
            raw, count = pull_page_json(conn, cursor, MAX_PULL_LIMIT)
        page = apply_pull_page(store, raw, cursor)
        if count == 0 or not page.more:
            return
        cursor = page.next


def import_directory_central(
    engine: Engine,
    path: Path | list | dict,
    *,
    fmt: str | None = None,
    remove_missing: bool = False,
):
    """Import the directory file (or fetched feed pages) centrally; returns the report."""
    from cxdesk.store.directory_commands import import_directory
    from cxdesk.store.sync_queries import own_events

    with tempfile.TemporaryDirectory(prefix="cxdesk-import-") as folder:
        store = open_store(
            Path(folder) / "mirror.sqlite3",
            device_id=MIRROR_DEVICE,
            location="CENTRAL",
            check_filesystem=False,
        )
        try:
            mirror_feed(engine, store)
            report = import_directory(
                store,
                path,
                actor=CENTRAL_ACTOR,
                role="admin",
                fmt=fmt,
                remove_missing=remove_missing,
            )
            made = own_events(store)  # the mirror's device is MIRROR_DEVICE
        finally:
            store.close()
    items = [CentralItem(event.kind, event.payload) for event in made]
    if items:
        with write_transaction(engine) as conn:
            record_central(conn, items)
    return report
