"""Python's cycle collector held off while pull pages are read and applied.

A page of 5,000 feed events makes some hundred thousand objects that live until
the page is stored, so the collector scanned them over and over as they were
promoted through its generations, and ran full collections over everything the
process holds: about a quarter of the desk's time in a catch-up. Nothing a page
makes is cyclic (dicts, text, models), so reference counting frees it all when
the page is done. A round's pull holds the pause over its pages (one page's
objects alive while the next is parsed); ``apply_pull_page`` over its one page.
The pause is counted, so collection resumes when the last holder is done (in
any thread), and only if it was on to begin with; cyclic garbage made elsewhere
meanwhile waits until then.
"""

from __future__ import annotations

import contextlib
import gc
import threading
from collections.abc import Iterator

_lock = threading.Lock()
_paused = 0
_was_enabled = False


@contextlib.contextmanager
def collector_paused() -> Iterator[None]:
    global _paused, _was_enabled
    with _lock:
        if _paused == 0:
            _was_enabled = gc.isenabled()
            gc.disable()
        _paused += 1
    try:
        yield
    finally:
        with _lock:
            _paused -= 1
            if _paused == 0 and _was_enabled:
                gc.enable()
