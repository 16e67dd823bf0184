"""Open the desk's SQLite store safely, and run work in explicit transactions.

WAL so readers never block the writer, ``synchronous=FULL`` so that a voucher
the advisor has seen confirmed survives a power cut, foreign keys on, a busy
timeout so a second process waits rather than fails, and the file created 0600
because it holds personal data. The connection is in autocommit mode and every
write goes through ``transaction()`` (``BEGIN IMMEDIATE``), so what commits
together is exactly what the code says, DDL included.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import threading
from collections.abc import Iterator
from pathlib import Path

from cxdesk.errors import StoreError
from cxdesk.store.filesystem import refuse_network_filesystem

BUSY_TIMEOUT_MS = 10_000


def connect(path: Path | str, *, check_filesystem: bool = True) -> sqlite3.Connection:
    """A configured connection to the store at ``path`` (created 0600 if new)."""
    if str(path) != ":memory:":
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        if check_filesystem:
            refuse_network_filesystem(path.parent)
        if not path.exists():
            fd = os.open(path, os.O_CREAT | os.O_WRONLY, 0o600)
            os.close(fd)
        os.chmod(path, 0o600)
    try:
        conn = sqlite3.connect(
            str(path), isolation_level=None, check_same_thread=False, timeout=BUSY_TIMEOUT_MS / 1000
        )
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
        if str(path) != ":memory:" and mode.lower() != "wal":
            raise StoreError(f"The store at {path} could not switch to WAL mode ({mode}).")
        conn.execute("PRAGMA synchronous = FULL")
        conn.execute("PRAGMA foreign_keys = ON")
    except sqlite3.DatabaseError as exc:
        raise StoreError(f"The store at {path} cannot be opened: {exc}") from exc
    return conn


class Transactor:
    """Serialises the threads that share one connection, one transaction at a time."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn
        self.lock = threading.RLock()
        self._depth = 0

    @contextlib.contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """``BEGIN IMMEDIATE`` ... ``COMMIT``; nested use joins the outer transaction."""
        with self.lock:
            if self._depth:
                self._depth += 1
                try:
                    yield self.conn
                finally:
                    self._depth -= 1
                return
            self.conn.execute("BEGIN IMMEDIATE")
            self._depth = 1
            try:
                yield self.conn
            except BaseException:
                self.conn.execute("ROLLBACK")
                raise
            else:
                self.conn.execute("COMMIT")
            finally:
                self._depth = 0

    @contextlib.contextmanager
    def reading(self) -> Iterator[sqlite3.Connection]:
        """Exclusive use of the connection for reads (no transaction needed)."""
        with self.lock:
            yield self.conn
