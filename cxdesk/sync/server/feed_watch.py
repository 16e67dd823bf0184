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
``LINGER_SECONDS`` after the last one left.

Wakes are targeted: each move carries the *audiences* its events reach (their
places, ``*``, the back office, and the places holding a grant on their keys,
including grants and drops the same push wrote: ``scope.record_scope``), and
only pulls whose desk's audiences meet them wake; the rest cost nothing. A move
whose audiences are unknown or too many for a NOTIFY payload wakes every pull,
as does the first head a listener or poller reads. A pull that comes to wait
after a move past its page's head checks the last ``RECENT_MOVES`` moves the
same way (older than those: it reads again). A woken pull still reads its
page and keeps waiting if it has nothing (the head-based check stays the truth).

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
import json
import threading
import time
from collections import Counter, deque
from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import Engine

from cxdesk.sync.server.db import is_postgres, read_transaction
from cxdesk.sync.server.feed import head
from cxdesk.sync.server.scope import audiences_between

CHANNEL = "cxdesk_feed"
POLL_SECONDS = 0.25
"""SQLite: how often one process reads the head while pulls wait."""
LINGER_SECONDS = 10.0
"""Keep listening this long after the last waiting pull (desks come straight back)."""
RECENT_MOVES = 256
"""Moves remembered, so a pull that read its page just before one can tell if it matters."""
PAYLOAD_BYTES = 7900
"""PostgreSQL refuses a NOTIFY payload of 8000 bytes or more: past this, wake everyone."""

Audiences = frozenset[str] | None
"""Whose pulls a move concerns; None: everyone's."""


def notice(top: int, reached: Audiences) -> str:
    """The NOTIFY payload: ``top``, then the audiences as JSON (none: wake all)."""
    if reached is not None:
        payload = f"{top} {json.dumps(sorted(reached), separators=(',', ':'))}"
        if len(payload.encode()) <= PAYLOAD_BYTES:
            return payload
    return str(top)


def parse_notice(payload: str) -> tuple[int, Audiences]:
    top, _, rest = payload.partition(" ")
    if not rest:
        return int(top), None
    found = json.loads(rest)
    if not isinstance(found, list) or not all(isinstance(a, str) for a in found):
        return int(top), None  # not ours to judge: wake everyone
    return int(top), frozenset(found)


@dataclass(eq=False)
class _Waiter:
    seen: int
    audiences: frozenset[str]
    who: str
    woken: asyncio.Event = field(default_factory=asyncio.Event)


class FeedWatch:
    """One per API process: the newest head it knows, and the pulls waiting for a newer one."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.head = -1
        self.heard = -1
        """The newest head the listener or poller has passed on (tests wait on it)."""
        self.woken: Counter[str] = Counter()
        """Wakes per desk (who asked to wait): what tests of targeting count."""
        self._recent: deque[tuple[int, Audiences]] = deque()
        self._forgotten = -1
        """The highest ``top`` of a move dropped from ``_recent``."""
        self._all: set[_Waiter] = set()
        self._by_audience: dict[str, set[_Waiter]] = {}
        self._loop: asyncio.AbstractEventLoop | None = None
        self._waiting = 0
        self._last_left = 0.0
        self._source: threading.Thread | asyncio.Task | None = None
        self._source_lock = threading.Lock()  # the listener thread leaves under it
        self._closed = False

    def moved(self, top: int, reached: Audiences = None) -> None:
        """Events up to ``top`` reaching ``reached`` are committed (call in the event loop).

        Moves may arrive out of order (this process's own push, then another's
        NOTIFY): each wakes the pulls that read below its ``top``, whatever came before.
        """
        self.head = max(self.head, top)
        self._recent.append((top, reached))
        if len(self._recent) > RECENT_MOVES:
            self._forgotten = max(self._forgotten, self._recent.popleft()[0])
        if reached is None:
            candidates: Iterable[_Waiter] = list(self._all)
        else:
            found: set[_Waiter] = set()
            for audience in reached:
                found |= self._by_audience.get(audience, set())
            candidates = found
        for waiter in candidates:
            if waiter.seen < top:
                self._forget(waiter)
                self.woken[waiter.who] += 1
                waiter.woken.set()

    async def wait_past(
        self, seen: int, timeout: float, audiences: Iterable[str], who: str = ""
    ) -> bool:
        """Wait until an event past ``seen`` reaching ``audiences`` is committed (True),
        or ``timeout`` passes (False)."""
        self._loop = asyncio.get_running_loop()
        self._waiting += 1
        waiter = _Waiter(seen, frozenset(audiences), who)
        self._all.add(waiter)  # in place before the check: a move after it finds it
        for audience in waiter.audiences:
            self._by_audience.setdefault(audience, set()).add(waiter)
        try:
            self._start_source()
            if self._missed(waiter):
                return True  # something for it was committed since the page: read again
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(waiter.woken.wait(), timeout)
            return waiter.woken.is_set()
        finally:
            self._forget(waiter)
            self._waiting -= 1
            self._last_left = time.monotonic()

    def _missed(self, waiter: _Waiter) -> bool:
        """Whether a move heard before the pull came to wait concerns it (its page was
        read from an older snapshot). Unsure (the move has been forgotten): yes."""
        if self.head <= waiter.seen:
            return False
        if waiter.seen < self._forgotten:
            return True
        return any(
            top > waiter.seen and (reached is None or not reached.isdisjoint(waiter.audiences))
            for top, reached in self._recent
        )

    def _forget(self, waiter: _Waiter) -> None:
        self._all.discard(waiter)
        for audience in waiter.audiences:
            group = self._by_audience.get(audience)
            if group is not None:
                group.discard(waiter)
                if not group:
                    del self._by_audience[audience]

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

    def _post(self, top: int, reached: Audiences = None) -> None:
        loop = self._loop
        if loop is not None and not loop.is_closed():
            with contextlib.suppress(RuntimeError):  # the loop closed meanwhile
                loop.call_soon_threadsafe(self._heard, top, reached)

    def _heard(self, top: int, reached: Audiences) -> None:
        self.moved(top, reached)
        self.heard = max(self.heard, top)

    def _read_head(self) -> int:
        with read_transaction(self.engine) as conn:
            return head(conn)

    def _read_since(self, polled: int) -> tuple[int, frozenset[str]]:
        """The head, and the audiences reached by the events placed since ``polled``."""
        with read_transaction(self.engine) as conn:
            top = head(conn)
            return top, (audiences_between(conn, polled, top) if top > polled else frozenset())

    async def _poll(self) -> None:
        """SQLite: one read of the head counter per process per interval, while pulls wait;
        when it moved, one read of whom the new events reach."""
        polled: int | None = None
        while self._wanted():
            with contextlib.suppress(Exception):  # a busy database: try at the next tick
                if polled is None:
                    # Starting: pulls may have read below this head unheard: wake them all.
                    polled = await asyncio.to_thread(self._read_head)
                    self._heard(polled, None)
                else:
                    top, reached = await asyncio.to_thread(self._read_since, polled)
                    if top > polled:
                        self._heard(top, reached)
                        polled = top
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
                            self._post(*parse_notice(note.payload))
                    return
            except Exception:  # noqa: BLE001 - the database went away: try again shortly
                time.sleep(1.0)
