"""Type-ahead: keys that arrive before a focus or screen change go where focus lands.

Textual hands each key to the widget focused *when the key is read*. A
scanner, an SSH line or a quick typist sends "A1001⏎passcode⏎" all at once,
and the Enter that moves focus to the passcode box is handled by the staff id
box only after the following keys were already queued there: the passcode
would land in the Staff ID box, in clear. So after any key that can move focus
or change the screen (Enter, Tab, Escape, function and control keys) the app
holds the keys that follow until every message the key set off has been
handled, then hands them on one by one to whatever has focus by then.

Work that takes longer than a message round (checking a passcode in a thread)
holds input by name (``hold``) until it says ``release``; a release may
``discard`` what was held (after a refused passcode, keys typed ahead must not
land anywhere in clear).
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Awaitable, Callable

from textual import events
from textual.app import App

# Keys that edit or move within a field: they never move focus, so no hold after them.
EDITING_KEYS = frozenset(
    {"backspace", "delete", "left", "right", "home", "end", "up", "down", "space"}
)
MAX_ROUNDS = 40
"""Message rounds to wait at most for one key's effects (each round is microseconds)."""
ROUND_TIMEOUT = 1.0
HOLD_TIMEOUT = 15.0
"""A named hold longer than this is a fault: it is dropped (with the keys held) so the desk
never stops answering the keyboard."""


def may_move_focus(event: events.Event) -> bool:
    """Whether the screen may be different after ``event``: hold what follows until it is."""
    if not isinstance(event, events.Key):
        return False
    return not event.is_printable and event.key not in EDITING_KEYS


class TypeAhead:
    """Holds input events while focus may be moving, then replays them in order."""

    def __init__(self, app: App, dispatch: Callable[[events.Event], Awaitable[None]]) -> None:
        self.app = app
        self._dispatch = dispatch
        self._held: deque[events.Event] = deque()
        self._holds: set[str] = set()
        self._released = asyncio.Event()
        self._task: asyncio.Task | None = None

    @property
    def holding(self) -> bool:
        return self._task is not None or bool(self._holds)

    async def feed(self, event: events.Event) -> None:
        """An input event from the terminal: dispatch it now, or hold it."""
        if self.holding:
            self._held.append(event)
            if self._task is None:
                self._start()
            return
        await self._dispatch(event)
        if may_move_focus(event):
            self._start()

    def hold(self, name: str) -> None:
        """Hold every key from now until ``release(name)``."""
        self._holds.add(name)
        self._released.clear()

    def release(self, name: str, *, discard: bool = False) -> None:
        """End a hold; with ``discard`` the keys held so far are dropped, never shown."""
        self._holds.discard(name)
        if discard:
            self._held.clear()
        if not self._holds:
            self._released.set()
            if self._held and self._task is None:
                self._start()

    def _start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._settle_and_replay())

    async def _settle_and_replay(self) -> None:
        try:
            while True:
                await self._settle()
                if self._holds:
                    try:
                        await asyncio.wait_for(self._released.wait(), HOLD_TIMEOUT)
                    except TimeoutError:
                        self._holds.clear()
                        self._held.clear()
                    continue
                if not self._held:
                    return
                event = self._held.popleft()
                await self._dispatch(event)
                while self._held and not may_move_focus(event) and not self._holds:
                    event = self._held.popleft()
                    await self._dispatch(event)
        finally:
            self._task = None

    async def _settle(self) -> None:
        """Wait until the app and the screen in use have no message left to handle."""
        app = self.app
        for _ in range(MAX_ROUNDS):
            try:
                pumps = [app, *app.screen.walk_children(with_self=True)]
            except Exception:  # no screen yet, or the app is closing
                return
            busy = any(pump.message_queue_size for pump in pumps)
            if not await _one_round(pumps) or not busy:
                return


async def _one_round(pumps) -> bool:
    """Wait until each pump has handled what was queued on it before now (False: timed out)."""
    done = asyncio.Event()
    waiting = 0

    def one_done() -> None:
        nonlocal waiting
        waiting -= 1
        if waiting == 0:
            done.set()

    for pump in pumps:
        if pump.call_later(one_done):
            waiting += 1
    if not waiting:
        return True
    try:
        await asyncio.wait_for(done.wait(), ROUND_TIMEOUT)
    except TimeoutError:
        return False
    return True
