"""Copy the store's WAL back into the database off the write path, when writes pause.

SQLite's own autocheckpoint runs inside the ``COMMIT`` that takes the WAL past
1,000 pages: every ~55th issue, one advisor's confirm waited while a thousand
pages were copied into the database and it was fsynced. The desk's connection
keeps only a far larger backstop (``db.BACKSTOP_WAL_PAGES``), and this thread,
on a connection of its own, runs that checkpoint instead, ``PASSIVE`` (it neither
waits for nor blocks the desk's writer or readers), once commits pause
(``QUIET_S`` after the last one, or every ``MAX_DELAY_S`` while they keep coming)
and the WAL holds ``CHECKPOINT_PAGES`` not yet copied. Not sooner: the commit
after a checkpoint starts the WAL again and fsyncs its new header, a second
fsync, so checkpointing at every pause would slow every confirm.

Crash safety is unchanged: a commit is durable once its WAL frames are fsynced
(``synchronous=FULL``), before any checkpoint; a checkpoint only copies committed
frames and fsyncs the database (``synchronous=FULL`` here too), and one cut short
is finished from the WAL when the store next opens, as before. The WAL cannot
grow without bound: once a checkpoint has copied all of it the next commit
writes it again from the start, and if this thread falls behind or fails (a
reader on an old snapshot, an error here) the backstop autocheckpoint still
runs. The thread ends ``LINGER_S`` after the last commit, closing its
connection; the next commit starts another.
"""

from __future__ import annotations

import contextlib
import sqlite3
import struct
import threading
import time
from pathlib import Path
from urllib.parse import quote

from sqlcipher3 import dbapi2 as sqlite

from cxdesk.store import db
from cxdesk.store.keys import DataKey

CHECKPOINT_PAGES = 1_000
"""Checkpoint once the WAL holds this many pages not yet copied (SQLite's default)."""
QUIET_S = 0.5
"""Look this long after the last commit (an advisor between two residents)..."""
MAX_DELAY_S = 5.0
"""...or at the latest this long after the first commit since the last look (a bulk sync)."""
LINGER_S = 60.0
"""With no commit for this long, the thread closes its connection and ends."""


def wal_backlog(path: Path) -> int:
    """Pages in the WAL not yet copied into the database, from the WAL index (``-shm``,
    never encrypted): its header's ``mxFrame`` less the checkpoint's ``nBackfill``
    (https://www.sqlite.org/walformat.html); 0 if there is none."""
    try:
        with open(f"{path}-shm", "rb") as shm:
            head = shm.read(100)
    except OSError:
        return 0
    if len(head) < 100:
        return 0
    frames, copied = struct.unpack_from("=I", head, 16)[0], struct.unpack_from("=I", head, 96)[0]
    return max(frames - copied, 0)


def _open_existing(path: Path, key: DataKey | None) -> sqlite3.Connection:
    """A connection for checkpointing the store at ``path``, which must exist: never one
    that creates a file (the store may have been moved aside, as recovery does)."""
    conn = sqlite.connect(
        f"file:{quote(str(path))}?mode=rw", uri=True, isolation_level=None, check_same_thread=False
    )
    conn.execute("PRAGMA cipher_log_level = NONE")
    if key is not None:
        conn.execute(key.sqlcipher_pragma())
    conn.execute("PRAGMA synchronous = FULL")  # fsync the database after copying pages in
    return conn


class Checkpointer:
    """Checkpoints one store file's WAL from a thread of its own, told of every commit."""

    def __init__(self, path: Path, key: DataKey | None) -> None:
        self._path, self._key = path, key
        self._cond = threading.Condition()
        self._first_pending: float | None = None  # first commit since the last look
        self._last_commit = 0.0
        self._thread: threading.Thread | None = None
        self._closed = False

    def committed(self) -> None:
        """A commit has happened (called on the committing thread; costs a lock and a clock)."""
        now = time.monotonic()
        with self._cond:
            if self._closed:
                return
            self._last_commit = now
            if self._first_pending is None:
                self._first_pending = now
                self._cond.notify()  # the thread may be idle, waiting for work
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._run, name="cxdesk-checkpoint", daemon=True
                )
                self._thread.start()

    @property
    def running(self) -> bool:
        """Whether this store's checkpoint thread is running now."""
        with self._cond:
            return self._thread is not None and self._thread.is_alive()

    def close(self) -> None:
        """Stop the thread (after a checkpoint under way) and close its connection."""
        with self._cond:
            self._closed = True
            thread = self._thread
            self._cond.notify_all()
        if thread is not None:
            thread.join()

    def _next_look(self) -> bool:
        """Wait until it is time to look at the WAL (True), or the thread should end (False)."""
        with self._cond:
            while not self._closed:
                if self._first_pending is None:
                    self._cond.wait(LINGER_S)
                    if self._first_pending is None and not self._closed:
                        self._thread = None  # decided under the lock: a commit starts another
                        return False
                    continue
                now = time.monotonic()
                due = min(self._last_commit + QUIET_S, self._first_pending + MAX_DELAY_S)
                if now >= due:
                    self._first_pending = None
                    return True
                self._cond.wait(due - now)
            return False

    def _run(self) -> None:
        conn = None
        try:
            while self._next_look():
                if wal_backlog(self._path) < CHECKPOINT_PAGES:
                    continue
                if conn is None:
                    conn = _open_existing(self._path, self._key)
                conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
        except (*db.ERRORS, OSError):
            pass  # the backstop autocheckpoint keeps the WAL bounded; the next commit retries
        finally:
            if conn is not None:
                with contextlib.suppress(*db.ERRORS):
                    conn.close()
            with self._cond:
                if self._thread is threading.current_thread():
                    self._thread = None
