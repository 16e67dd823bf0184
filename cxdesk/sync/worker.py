"""The background sync loop: push then pull after each local event, and every few seconds.

``SyncWorker.run()`` is a coroutine meant to run as an asyncio task (the app
starts it as a Textual async worker). It awaits the network and sends every
SQLite call to a thread, so the screen never waits on it. ``poke()`` asks for a
round soon (after a local event); ``sync_now()`` asks for one at once even while
backing off. While the server is unreachable the wait doubles up to a cap, with
jitter so that fifty hubs coming back after an outage do not all knock at once;
the cap is short (30 s), Ctrl+S forgets the back-off, and while offline the
worker asks ``/health`` every interval so it is back within one interval of
the server answering. A round that waits more than a few seconds on the server
says "Waiting for server" rather than "Online".
Every change of state is passed to ``on_change`` as a fresh ``SyncStatus``.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
from collections.abc import Callable
from dataclasses import replace

from cxdesk.domain import deskclock
from cxdesk.errors import StoreError
from cxdesk.store import sync_queries
from cxdesk.sync import apply
from cxdesk.sync.client import AsyncSyncClient, DeskRevoked, SyncRefused, SyncUnavailable
from cxdesk.sync.round import RoundReport, sync_round
from cxdesk.sync.status import SyncStatus, parse_utc

BACKOFF_START = 1.0
BACKOFF_CAP = 30.0
"""Never more than this between tries: a hub's Wi-Fi comes back, the desk should too."""
STALL_SECONDS = 3.0
"""A round waiting on the server longer than this turns the header to "Waiting for server"."""
LIVE_WAIT = 25.0
"""How long a held pull (the live feed) waits on the server for news, at most."""


def backoff_delay(failures: int, rng: random.Random | None = None) -> float:
    """Seconds to wait after ``failures`` failed rounds in a row (full jitter, capped)."""
    uniform = rng.uniform if rng is not None else random.uniform
    ceiling = min(BACKOFF_CAP, BACKOFF_START * 2 ** max(0, failures - 1))
    return ceiling / 2 + uniform(0, ceiling / 2)


class SyncWorker:
    def __init__(
        self,
        store,
        client: AsyncSyncClient,
        *,
        interval: float = 5.0,
        crisis_alert_minutes: float = 5.0,
        on_change: Callable[[SyncStatus], None] | None = None,
        on_round: Callable[[RoundReport], None] | None = None,
        on_revoked: Callable[[DeskRevoked], None] | None = None,
        live_wait: float | None = None,
    ) -> None:
        self.store, self.client, self.interval = store, client, interval
        self.on_change, self.on_round = on_change, on_round
        self.on_revoked = on_revoked
        """Called (once, in the loop) when the server says this very desk was revoked;
        the worker has stopped and no longer uses the store, which may then be wiped."""
        self.live_wait = live_wait
        """Seconds to hold a pull open while idle (None: poll every ``interval``); set to
        None when the server answers a held pull at once (a server without the live feed)."""
        self.status = SyncStatus(
            configured=True,
            crisis_alert_minutes=crisis_alert_minutes,
            fresh_seconds=self._fresh_seconds(),
        )
        self.failures = 0
        self._offline = False
        """The last failure was the network (so the loop probes for its return)."""
        self._tasks: set[asyncio.Task] = set()
        self._wake = asyncio.Event()
        self._urgent = self._poked = False
        self._stopping = False
        self._loop: asyncio.AbstractEventLoop | None = None
        self._rounds_begun = 0
        self._round_waiters: list[tuple[int, asyncio.Future[bool]]] = []
        """(round number wanted, its future) for ``sync_and_wait``."""

    # -- requests from the app ------------------------------------------------
    # Each may be called from any thread (the app records events in thread workers).
    def poke(self) -> None:
        """A local event was recorded: show it waiting now, and sync soon (not in a back-off)."""

        def change() -> None:
            self._poked = True
            if self._loop is not None:  # the count moves at once, even mid-round
                task = self._loop.create_task(self._refresh())
                self._tasks.add(task)
                task.add_done_callback(self._tasks.discard)

        self._in_loop(change)

    def sync_now(self) -> None:
        """The person asked for a sync (Ctrl+S): try at once, and forget the back-off."""

        def change() -> None:
            self._urgent = True
            self.failures = 0

        self._in_loop(change)

    async def sync_and_wait(self, timeout: float) -> bool:
        """Sync at once and wait (at most ``timeout``) for a round begun after this call to
        end: whether it succeeded. For news the server has just made for this desk (a
        central search's grant), which a round already under way may have missed.
        Call it in the worker's loop (the app's)."""
        loop = asyncio.get_running_loop()
        waiter: tuple[int, asyncio.Future[bool]] = (self._rounds_begun + 1, loop.create_future())
        self._round_waiters.append(waiter)
        self.sync_now()
        try:
            return await asyncio.wait_for(asyncio.shield(waiter[1]), timeout)
        except TimeoutError:
            return False
        finally:
            if waiter in self._round_waiters:
                self._round_waiters.remove(waiter)

    def _round_ended(self, number: int, ok: bool) -> None:
        for waiter in [w for w in self._round_waiters if w[0] <= number]:
            self._round_waiters.remove(waiter)
            if not waiter[1].done():
                waiter[1].set_result(ok)

    def stop(self) -> None:
        self._in_loop(lambda: setattr(self, "_stopping", True))

    def _in_loop(self, change: Callable[[], None]) -> None:
        def apply_change() -> None:
            change()
            self._wake.set()

        loop = self._loop
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if loop is None or running is loop:
            apply_change()
        else:
            loop.call_soon_threadsafe(apply_change)

    # -- the loop ---------------------------------------------------------------
    async def run(self, *, max_rounds: int | None = None) -> None:
        """Sync until ``stop()`` (or ``max_rounds``, for tests and ``cxdesk sync``)."""
        self._loop = asyncio.get_running_loop()
        rounds = 0
        await self._refresh()
        while not self._stopping:
            report = await self.run_round()
            rounds += 1
            if max_rounds is not None and rounds >= max_rounds:
                break
            if report is not None and report.more:
                continue
            if self.live_wait and not self.failures and not (self._urgent or self._poked):
                await self._hold_live(self.live_wait)
            else:
                await self._wait(self._next_delay())
        await self.client.aclose()

    def _fresh_seconds(self) -> float:
        # Held pulls mean a round only every ``live_wait`` while nothing happens.
        return max(self.interval, self.live_wait or 0) + STALL_SECONDS

    async def _hold_live(self, live_wait: float) -> None:
        """Idle: hold a pull open until the server has news for this desk, or a local event.

        The held pull only signals; the round that follows pulls from the stored
        cursor, so cutting it (a poke, "sync now", a dropped line) loses nothing
        and repeats nothing. A server that answers at once without saying it holds
        pulls is an older one: from then on this desk polls every ``interval``.
        """
        state = await asyncio.to_thread(sync_queries.sync_state, self.store)
        held = asyncio.ensure_future(self.client.wait_for_feed(state.cursor, live_wait))
        while not self._stopping:
            woken = asyncio.ensure_future(self._wake.wait())
            done, _ = await asyncio.wait({held, woken}, return_when=asyncio.FIRST_COMPLETED)
            woken.cancel()
            if held in done:
                break
            self._wake.clear()
            if self._urgent or self._poked:
                break
        if not held.done():
            held.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await held
            return  # a local event or "sync now": the round runs at once
        self._urgent = self._poked = False
        try:
            news = held.result()
        except Exception:  # noqa: BLE001 - the round that follows says what is wrong
            return
        if not news.live:
            self.live_wait = None  # an older server: poll every interval from now on
            self._set(fresh_seconds=self._fresh_seconds())
            await self._wait(self.interval)

    def _next_delay(self) -> float:
        return backoff_delay(self.failures) if self.failures else self.interval

    async def _wait(self, delay: float) -> None:
        """Sleep ``delay``, waking for "sync now", or for a poke unless backing off."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + delay
        # Offline: ask /health (cheap, short timeout) every interval, so the first
        # round comes within an interval of the server answering again.
        probing = bool(self.failures and self._offline)
        while not self._stopping:
            remaining = deadline - loop.time()
            if remaining <= 0:
                break
            woke = True
            try:
                step = min(remaining, self.interval) if probing else remaining
                await asyncio.wait_for(self._wake.wait(), timeout=step)
            except TimeoutError:
                woke = False
            self._wake.clear()
            if self._urgent or (self._poked and not self.failures):
                break
            self._poked = False  # backing off: do not knock (poke showed it waiting)
            if probing and not woke and loop.time() < deadline and await self.client.probe():
                self.failures = 0  # a sign the network is back: no more back-off
                break
        self._urgent = self._poked = False

    async def run_round(self) -> RoundReport | None:
        """One round, with the status kept up to date; never raises for sync failures."""
        self._rounds_begun += 1
        number, report = self._rounds_begun, None
        try:
            report = await self._one_round()
        finally:
            self._round_ended(number, report is not None)
        return report

    async def _one_round(self) -> RoundReport | None:
        self._set(syncing=True)
        done = dict(syncing=False, stalled=False)
        task = asyncio.ensure_future(sync_round(self.store, self.client))
        try:
            finished, _ = await asyncio.wait({task}, timeout=STALL_SECONDS)
            if not finished:
                self._set(stalled=True)  # "Waiting for server", not "Online"
            report = await task
        except SyncUnavailable as exc:
            self.failures += 1
            self._offline = True
            await self._refresh(online=False, last_error=exc.message, problem=exc.short, **done)
            return None
        except DeskRevoked as exc:
            from cxdesk.sync.revoked import applies_to

            if self.on_revoked is None or not applies_to(exc, self.store):
                self.failures += 1  # not about us (or nobody to wipe): a plain refusal
                await self._refresh(online=True, last_error=exc.message, **done)
                return None
            self._stopping = True
            self._set(online=True, last_error=exc.message, **done)
            self.on_revoked(exc)
            return None
        except (SyncRefused, StoreError) as exc:
            # The server answered, but no (or this desk could not keep the answer):
            # keep trying slowly and say why.
            self.failures += 1
            self._offline = False
            problem = getattr(exc, "short", None)
            await self._refresh(online=True, last_error=exc.message, problem=problem, **done)
            return None
        except Exception as exc:  # noqa: BLE001 - a bug must not stop sync for good
            # Shown on F8 and retried with back-off; the loop must outlive one bad answer.
            self.failures += 1
            await self._refresh(last_error=f"{type(exc).__name__}: {exc}", **done)
            return None
        self.failures = 0
        self._offline = False
        await self._refresh(
            online=True, last_error=None, problem=None, last_round=deskclock.now(), **done
        )
        if self.on_round:
            self.on_round(report)
        return report

    async def _refresh(self, **changes) -> None:
        summary = await asyncio.to_thread(apply.local_summary, self.store)
        self._set(
            waiting=summary.waiting,
            oldest_waiting_ms=summary.oldest_ms,
            rejected=summary.rejected,
            oldest_crisis_ms=summary.oldest_crisis_ms,
            last_success=parse_utc(summary.last_success),
            **changes,
        )

    def _set(self, **changes) -> None:
        new = replace(self.status, **changes)
        if new != self.status:
            self.status = new
            if self.on_change:
                self.on_change(new)
