"""The server's epoch, and noticing that the database was restored from a backup.

The epoch is a random id created with the database. It changes when an
administrator says so (``cxdesk admin new-epoch``) or when the server finds
itself behind its own past: every API process remembers, in a small file
outside the database (``marks_dir/<database_id>.json``), the highest feed
position it has seen for this database. A backup carries the ``database_id``
with it, so a restored database is recognised by its id, and if its head is
below the remembered one, events were lost: a new epoch starts, and every desk
that sees it pushes its whole outbox again and pulls from zero.
"""

from __future__ import annotations

import json
import os
import secrets
import threading
from pathlib import Path

from sqlalchemy import Connection, Engine, text

from cxdesk.sync.server.db import write_transaction
from cxdesk.sync.server.feed import head
from cxdesk.sync.server.migrations import utc_now_text

_LOCK = threading.Lock()


def database_id(conn: Connection) -> str:
    return conn.execute(
        text("SELECT value FROM server_meta WHERE key = 'database_id'")
    ).scalar_one()


def start_new_epoch(conn: Connection, reason: str) -> str:
    """Begin a new epoch inside the caller's transaction; returns it."""
    number = conn.execute(text("SELECT MAX(number) FROM epochs")).scalar_one()
    epoch = secrets.token_hex(16)
    conn.execute(
        text(
            "INSERT INTO epochs (number, epoch, started_at, reason, head_at_start) "
            "VALUES (:n, :e, :t, :r, :h)"
        ),
        {"n": number + 1, "e": epoch, "t": utc_now_text(), "r": reason, "h": head(conn)},
    )
    return epoch


class HeadMarks:
    """The highest head this process has seen per database, kept in a file beside it."""

    def __init__(self, folder: Path | None) -> None:
        self.folder = folder
        self._seen: dict[str, int] = {}

    def _path(self, db_id: str) -> Path | None:
        return None if self.folder is None else self.folder / f"{db_id}.json"

    def remembered(self, db_id: str) -> int:
        path = self._path(db_id)
        if path is None or not path.exists():
            return 0
        try:
            return int(json.loads(path.read_text())["head"])
        except (ValueError, KeyError, OSError):
            return 0

    def note(self, db_id: str, value: int) -> None:
        """Remember ``value`` if it is a new high (atomic replace, cheap enough per push)."""
        path = self._path(db_id)
        with _LOCK:
            if path is None or value <= self._seen.get(db_id, 0):
                return
            self._seen[db_id] = value
            # Another API process on this machine may have written a higher head: keep it.
            value = max(value, self.remembered(db_id))
            path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            tmp = path.with_suffix(f".{os.getpid()}.{threading.get_ident()}.tmp")
            tmp.write_text(json.dumps({"head": value}))
            os.replace(tmp, path)


def check_restored(engine: Engine, marks: HeadMarks) -> str | None:
    """Start a new epoch if the database is behind what we saw before; returns it if so."""
    with write_transaction(engine) as conn:
        db_id, now_head = database_id(conn), head(conn)
        before = marks.remembered(db_id)
        if now_head >= before:
            new = None
        else:
            new = start_new_epoch(conn, f"restored: head {now_head} is below {before} seen before")
    if new:
        with _LOCK:
            marks._seen[db_id] = 0
        path = marks._path(db_id)
        if path is not None and path.exists():
            path.unlink()
    marks.note(db_id, now_head)
    return new
