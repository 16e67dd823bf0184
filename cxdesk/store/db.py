"""Open the desk's SQLite store safely, and run work in explicit transactions.

WAL so readers never block the writer, ``synchronous=FULL`` so that a voucher
the advisor has seen confirmed survives a power cut, foreign keys on, a busy
timeout so a second process waits rather than fails, and the file created 0600
because it holds personal data. The file is encrypted by SQLCipher under the
store's data key (``cipher.unlock`` finds it; the key is raw, so no passphrase
KDF slows opening). ``sqlite`` is SQLCipher's DB-API module: catch its
exceptions (``db.ERRORS``, or ``db.sqlite.OperationalError``), not only the
standard library's ``sqlite3`` ones, which are different classes. The
connection is in autocommit mode and every write goes through
``transaction()`` (``BEGIN IMMEDIATE``), so what commits together is exactly
what the code says, DDL included.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

from sqlcipher3 import dbapi2 as sqlite

from cxdesk.errors import StoreError
from cxdesk.store.filesystem import refuse_network_filesystem
from cxdesk.store.keys import DataKey

BUSY_TIMEOUT_MS = 10_000
ERRORS = (sqlite.Error, sqlite3.Error)
"""Catch these for "the store failed": the store's connection raises SQLCipher's
classes, which are not the standard library's ``sqlite3`` ones."""
BACKSTOP_WAL_PAGES = 10_000
"""SQLite's autocheckpoint threshold on the store's connections (about 40 MB of WAL): a
backstop only. ``checkpointer`` copies the WAL back when commits pause, so no commit
pays for it; this bounds the WAL should that thread fall behind or fail."""
CACHE_KIB = -16_000
"""Page cache (16 MB at most): with encryption a page read again from disk is decrypted
again, so a desk keeps its working set of pages in memory."""


def connect(
    path: Path | str, *, key: DataKey | None = None, check_filesystem: bool = True
) -> sqlite3.Connection:
    """A configured connection to the store at ``path`` (created 0600 if new), unlocked
    with ``key`` (None only for ``:memory:`` and plain files)."""
    if str(path) != ":memory:":
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        if check_filesystem:
            refuse_network_filesystem(path.parent)
        if not path.exists():
            fd = os.open(path, os.O_CREAT | os.O_WRONLY, 0o600)
            os.close(fd)
        os.chmod(path, 0o600)
    conn = None
    try:
        conn = sqlite.connect(
            str(path), isolation_level=None, check_same_thread=False, timeout=BUSY_TIMEOUT_MS / 1000
        )
        # A wrong key is our own sentence below, not SQLCipher's log lines on stderr.
        conn.execute("PRAGMA cipher_log_level = NONE")
        if key is not None:
            conn.execute(key.sqlcipher_pragma())
            _check_key(conn, path)
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
        if str(path) != ":memory:" and mode.lower() != "wal":
            raise StoreError(f"The store at {path} could not switch to WAL mode ({mode}).")
        conn.execute("PRAGMA synchronous = FULL")
        conn.execute(f"PRAGMA wal_autocheckpoint = {BACKSTOP_WAL_PAGES}")
        conn.execute("PRAGMA foreign_keys = ON")
        conn.execute(f"PRAGMA cache_size = {CACHE_KIB}")
    except sqlite.DatabaseError as exc:
        if conn is not None:
            conn.close()
        raise StoreError(
            f"The store at {path} cannot be opened: {exc}. If it is damaged, "
            "`cxdesk admin recover` sets it aside (kept) and gets this desk's data back."
        ) from exc
    return conn


def _check_key(conn: sqlite3.Connection, path: Path | str) -> None:
    # SQLCipher only finds out the key is wrong when it first reads a page.
    try:
        conn.execute("SELECT COUNT(*) FROM sqlite_master").fetchone()
    except sqlite.DatabaseError as exc:
        conn.close()
        raise StoreError(
            f"The desk store {path} cannot be unlocked with its key: the store or its key "
            "file was replaced or damaged. Enrol this desk again to get its data back: "
            "`cxdesk admin recover` sets the store aside (kept), asks for a new token and "
            "pulls everything from the central API.",
            title="Store locked",
        ) from exc


class DiskFull(StoreError):
    """SQLITE_FULL: the change was undone whole; the person must free some space."""

    title = "Disk full"
    short = "disk full"

    def __init__(self) -> None:
        super().__init__(
            "The disk holding the desk store is full, so nothing was saved (the change was "
            "undone, whole). Free some disk space, then try again."
        )


def is_disk_full(exc: BaseException) -> bool:
    return isinstance(exc, ERRORS) and "full" in str(exc).lower()


class Transactor:
    """Serialises the threads that share one connection, one transaction at a time.

    A transaction that fails (a full disk included, even at ``COMMIT``) is rolled
    back whole, so nothing is ever half-saved; a full disk becomes ``DiskFull``.
    ``after_commit`` is called after each outermost ``COMMIT`` (the WAL checkpointer).
    """

    def __init__(
        self, conn: sqlite3.Connection, after_commit: Callable[[], None] | None = None
    ) -> None:
        self.conn = conn
        self.after_commit = after_commit
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
                self.conn.execute("COMMIT")
                if self.after_commit is not None:
                    self.after_commit()
            except BaseException as exc:
                if self.conn.in_transaction:  # SQLite may have rolled back by itself
                    with contextlib.suppress(*ERRORS):
                        self.conn.execute("ROLLBACK")
                if is_disk_full(exc):
                    raise DiskFull() from exc
                raise
            finally:
                self._depth = 0

    @contextlib.contextmanager
    def reading(self) -> Iterator[sqlite3.Connection]:
        """Exclusive use of the connection for reads (no transaction needed)."""
        with self.lock:
            yield self.conn
