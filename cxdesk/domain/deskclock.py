"""The desk's clock, corrected by what the central API's clock says.

A hub laptop's clock can be minutes or hours wrong, and a wrong clock is not
harmless here: lock-outs count failures within the last hour, repeat-claim
windows count days, and every event is stamped with the time it happened.
Every answer from the central API carries an HTTP ``Date`` header; the sync
client hands each one to ``observe_server_date``, which keeps the measured
offset (server minus desk, in ms). ``now`` and ``now_ms`` apply it, so the
times the desk records and shows follow the server's clock while the desk is
in touch, and the last measured offset while it is offline.

Why a process-wide value: one process is one desk (or, in the demo, desks on
one machine sharing one clock). The ``Date`` header has one-second resolution
and the request takes time, so offsets under ``NOISE_MS`` are treated as
zero and a new measurement only replaces the old one when it differs by more.
"""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime

NOISE_MS = 2_000
"""Below this the Date header cannot tell a real offset from rounding and latency."""
SHOW_SKEW_MS = 60_000
"""An offset at least this large is shown in the desk's header."""
MAX_BELIEVED_MS = 366 * 86_400_000
"""A Date more than a year away from ours is a broken header, not a clock to follow."""

_lock = threading.Lock()
_offset_ms = 0


def raw_ms() -> int:
    """This machine's own clock, uncorrected (ms since the epoch)."""
    return time.time_ns() // 1_000_000


def offset_ms() -> int:
    """The server's clock minus this desk's, as last measured (0 until measured)."""
    return _offset_ms


def set_offset_ms(value: int) -> None:
    global _offset_ms
    with _lock:
        _offset_ms = 0 if abs(value) < NOISE_MS else int(value)


def now_ms() -> int:
    return raw_ms() + _offset_ms


def now() -> datetime:
    """The corrected time, timezone-aware (UTC)."""
    return datetime.fromtimestamp(now_ms() / 1000, UTC)


def measure(date_header: str | None, sent_ms: int, received_ms: int) -> int | None:
    """The offset a ``Date`` header implies (server minus desk, ms), or None if unusable.

    The server stamped the header somewhere between sending and receiving; the
    midpoint is the best guess, and the header's truncation to whole seconds
    is allowed for by adding half a second.
    """
    if not date_header:
        return None
    from email.utils import parsedate_to_datetime  # here: only a sync reply has a Date

    try:
        server = parsedate_to_datetime(date_header)
    except (TypeError, ValueError, IndexError):
        return None
    if server.tzinfo is None:
        return None
    server_ms = int(server.timestamp() * 1000) + 500
    offset = server_ms - (sent_ms + received_ms) // 2
    return offset if abs(offset) <= MAX_BELIEVED_MS else None


def observe_server_date(date_header: str | None, sent_ms: int, received_ms: int) -> None:
    """Keep the offset a server answer shows, if it is usable and differs from the last."""
    offset = measure(date_header, sent_ms, received_ms)
    if offset is None:
        return
    if abs(offset - _offset_ms) >= NOISE_MS or (abs(offset) < NOISE_MS and _offset_ms):
        set_offset_ms(offset)


def skew_text() -> str:
    """A few words for the header when this desk's clock is off from the server's, else ""."""
    off = _offset_ms
    if abs(off) < SHOW_SKEW_MS:
        return ""
    minutes = round(abs(off) / 60_000)
    span = f"{minutes} min" if minutes < 120 else f"{round(minutes / 60)} h"
    return f"clock {span} {'slow' if off > 0 else 'fast'}"
