"""The live feed: wake held pulls when the feed head moves, at next to no cost while idle.

A desk with nothing to send holds a pull open (``wait=25``); the route answers
at once if the page has something for the desk, and otherwise waits here for
the head to move past what it read. A waiting pull holds no thread and no
database connection, and nothing is queried per waiting desk: the head moves by

- the push route itself, right after its commit (same process: at once);
- PostgreSQL ``NOTIFY cxdesk_feed`` sent inside the pushing transaction (so
  delivered at commit, never before), heard by one ``LISTEN`` connection per
  API process, for pushes made by the other processes and by ``cxdesk admin``;
- on SQLite, one cheap read of the head counter per process every
  ``POLL_SECONDS`` while anyone waits (there is no notification channel).

The listener or poller runs only while some pull is waiting, and stops
``LINGER_SECONDS`` after the last one left. A pull woken by an event it may not
receive (another location's) reads its page again and keeps waiting.

No wake is lost to timing: a pull waits past the head of the very snapshot its
page was read from (``db.snapshot_transaction``), so a commit after that read is
always "past" it; the listener reads the head only once its ``LISTEN`` is in
place, so a commit made while it was starting is caught by that read; and a
listener thread decides to stop under the same lock a new waiter takes to find
it running, so a pull never counts on a listener that is already leaving.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
import time

from sqlalchemy import Connection, Engine, text

from cxdesk.sync.server.db import is_postgres, read_transaction
from cxdesk.sync.server.feed import head

CHANNEL = "cxdesk_feed"
POLL_SECONDS = 0.25
"""SQLite: how often one process reads the head while pulls wait."""
LINGER_SECONDS = 10.0
"""Keep listening this long after the last waiting pull (desks come straight back)."""


def announce(conn: Connection, top: int) -> None:
    """Inside a pushing transaction: tell every API process the head is now ``top``.

    PostgreSQL holds a NOTIFY back until the commit (and drops it on a rollback),
    so nobody is woken for an event not yet readable.
    """
    if is_postgres(conn):
        conn.execute(
            text("SELECT pg_notify(:channel, :top)"), {"channel": CHANNEL, "top": str(top)}
        )


class FeedWatch:
    """One per API process: the newest head it knows, and the pulls waiting for a newer one."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.head = -1
        self._moved = asyncio.Event()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._waiting = 0
        self._last_left = 0.0
        self._source: threading.Thread | asyncio.Task | None = None
        self._source_lock = threading.Lock()  # the listener thread leaves under it
        self._closed = False

    def moved(self, top: int) -> None:
        """The head is at least ``top`` (call in the event loop)."""
        if top > self.head:
            self.head = top
            # Swap the event: every pull waiting on the old one wakes, later ones wait anew.
            self._moved.set()
            self._moved = asyncio.Event()

    async def wait_past(self, seen: int, timeout: float) -> bool:
        """Wait until the head is beyond ``seen`` (True) or ``timeout`` passes (False)."""
        self._loop = asyncio.get_running_loop()
        self._waiting += 1
        try:
            self._start_source()
            moved = self._moved  # taken before the check: a move after it sets this one
            if self.head > seen:
                return True
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(moved.wait(), timeout)
                return True
            return self.head > seen
        finally:
            self._waiting -= 1
            self._last_left = time.monotonic()

    def close(self) -> None:
        self._closed = True
        if isinstance(self._source, asyncio.Task):
            self._source.cancel()

    # -- where moves come from -----------------------------------------------------
    def _wanted(self) -> bool:
        idle = self._waiting == 0 and time.monotonic() - self._last_left > LINGER_SECONDS
        return not self._closed and not idle

    def _start_source(self) -> None:
        if not is_postgres(self.engine):
            # The poller runs in this loop: it cannot be leaving while we look at it.
            if not isinstance(self._source, asyncio.Task) or self._source.done():
                self._source = asyncio.ensure_future(self._poll())
            return
        with self._source_lock:
            # A listener clears ``_source`` under this lock as it decides to stop, after
            # seeing ``_waiting`` (already counting this pull): if it is set, it stays.
            if self._source is None:
                thread = threading.Thread(
                    target=self._listen, name="cxdesk-feed-listen", daemon=True
                )
                self._source = thread
                thread.start()

    def _leave(self) -> bool:
        """In the listener thread: stop now (True) unless a pull has come to wait."""
        with self._source_lock:
            if self._wanted():
                return False
            self._source = None
            return True

    def _post(self, top: int) -> None:
        loop = self._loop
        if loop is not None and not loop.is_closed():
            with contextlib.suppress(RuntimeError):  # the loop closed meanwhile
                loop.call_soon_threadsafe(self.moved, top)

    def _read_head(self) -> int:
        with read_transaction(self.engine) as conn:
            return head(conn)

    async def _poll(self) -> None:
        """SQLite: one read of the head counter per process per interval, while pulls wait."""
        while self._wanted():
            with contextlib.suppress(Exception):  # a busy database: try at the next tick
                self.moved(await asyncio.to_thread(self._read_head))
            await asyncio.sleep(POLL_SECONDS)

    def _subscribe(self, conn) -> None:
        conn.execute(f"LISTEN {CHANNEL}")

    def _listen(self) -> None:
        """PostgreSQL: one LISTEN connection per process, while pulls wait."""
        import psycopg

        url = self.engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
        while not self._leave():
            try:
                with psycopg.connect(url, autocommit=True) as conn:
                    self._subscribe(conn)
                    # Listening now: a push committed before this is caught by reading the head.
                    self._post(self._read_head())
                    while not self._leave():
                        for note in conn.notifies(timeout=1.0):
                            self._post(int(note.payload))
                    return
            except Exception:  # noqa: BLE001 - the database went away: try again shortly
                time.sleep(1.0)
