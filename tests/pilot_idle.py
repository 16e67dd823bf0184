"""A quicker "wait until the app is idle" for Pilot, installed by ``tests/conftest.py``.

Pilot waits for the app to go idle after every key and every ``pause()``. Textual's
wait sleeps in 20 ms steps until a step used under 5% CPU: two waits per key, at least
one step each, made most of a screen test's time sleeping, not working.

This one steps every 4 ms with the same 5% rule (work burns CPU, so any work under way
keeps it waiting, up to the same 1 s) and ends after two quiet steps in a row. A step
is quiet only if the screen has no repaint or after-repaint callback pending, and no
widget has messages queued or (a table) rows not yet measured: Textual's long step was
there to cover the next frame (1/60 s), which comes every 2 ms here.
Tests wait for workers and timers themselves (``deskkit.settle``, fake clocks).
"""

from __future__ import annotations

import asyncio
from time import monotonic, process_time

import textual.app
import textual.pilot
import textual.screen
from textual._context import active_app

STEP = 0.004
QUIET_STEPS = 2
IDLE_CPU = STEP / 20
LONGEST = 1.0
FRAME = 0.002


def _screen_busy() -> bool:
    """Whether the running app's screen still has drawing or messages to get through."""
    app = active_app.get(None)
    if app is None:
        return False
    try:
        screen = app.screen
    except Exception:  # noqa: BLE001 - no screen yet, or the app is closing
        return False
    if (
        screen._layout_required
        or screen._scroll_required
        or screen._repaint_required
        or screen._recompose_required
        or screen._dirty_widgets
        or screen._callbacks
    ):
        return True
    # A DataTable measures new rows only when it next goes idle, then draws them.
    return any(
        node._message_queue.qsize() or getattr(node, "_require_update_dimensions", False)
        for node in (app, *screen.walk_children())
    )


async def wait_for_idle(min_sleep: float = STEP, max_sleep: float = LONGEST) -> None:
    """Textual's ``wait_for_idle``, in 4 ms steps, and never while the screen is busy."""
    start = monotonic()
    quiet_steps = 0
    while True:
        cpu = process_time()
        await asyncio.sleep(STEP)
        quiet = process_time() - cpu < IDLE_CPU and not _screen_busy()
        quiet_steps = quiet_steps + 1 if quiet else 0
        elapsed = monotonic() - start
        if elapsed >= max_sleep:
            return
        if elapsed > min_sleep and quiet_steps >= QUIET_STEPS:
            return


def install() -> None:
    """Use this wait wherever Textual calls its own, and draw a frame every 2 ms."""
    for module in (textual.app, textual.pilot):
        assert hasattr(module, "wait_for_idle"), module  # where Textual imports it by name
        setattr(module, "wait_for_idle", wait_for_idle)  # noqa: B010
    assert hasattr(textual.screen, "UPDATE_PERIOD")
    setattr(textual.screen, "UPDATE_PERIOD", FRAME)  # noqa: B010 - Final in Textual
