"""The baseline for the encryption figures: the same store, opened as plain SQLite.

``open_store`` always encrypts, as a desk must; a benchmark that wants to say
what encryption costs needs the very same store without it. This opens a
store file with the same SQLCipher library and the same schema, migrations and
pragmas (WAL, ``synchronous=FULL``) but no key, so SQLCipher leaves the pages
as plain SQLite. Only benchmarks use it.
"""

from __future__ import annotations

from pathlib import Path

from cxdesk.store import db
from cxdesk.store.migrations import migrate
from cxdesk.store.store import Store


def open_plain_store(path: Path, device_id: str | None = None, location: str | None = None):
    """A migrated, unencrypted store at ``path`` (benchmarks only)."""
    conn = db.connect(path, check_filesystem=False)
    migrate(conn)
    store = Store(conn, Path(path))
    if device_id and location:
        store.init_desk(device_id, location)
    return store


def plain_copy(store, dest: Path) -> None:
    """Write an unencrypted copy of an (encrypted) store to ``dest``."""
    with store.reading() as conn:
        conn.execute("ATTACH DATABASE ? AS plain KEY ''", (str(dest),))
        try:
            conn.execute("SELECT sqlcipher_export('plain')")
        finally:
            conn.execute("DETACH DATABASE plain")
