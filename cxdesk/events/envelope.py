"""The event envelope: ids, the hybrid logical clock, and the per-device hash chain.

Each event made by a person also carries their signature over its hash (see
``cxdesk.domain.staff_keys``), which the central API verifies.

The chain hashes a digest of the payload rather than the payload itself, so a
retention erasure can blank personal fields of old payloads while every link
still verifies against the stored digest.
"""

from __future__ import annotations

import functools
import hashlib
import json
import re
import threading
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from cxdesk.events.event import Event as Event

GENESIS = "0" * 64
MAX_SEQ = 2**63 - 1
"""The largest sequence number either database can hold (a signed 64-bit integer)."""


def __getattr__(name: str) -> Any:
    # ``Event`` (pydantic) is made when first asked for (recording, syncing), not when
    # the store opens: its module imports pydantic, which the sign-in screen does not need.
    if name == "Event":
        from cxdesk.events.event import Event

        globals()["Event"] = Event  # asked for once
        return Event
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def new_event_id() -> str:
    """A UUIDv7: unique without coordination and roughly time-ordered."""
    import uuid6  # here: it imports importlib.metadata, which the sign-in screen never needs

    return str(uuid6.uuid7())


def _stdlib_json(value: Any) -> str:
    """The canonical form's definition: the standard library's sorted, compact JSON."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


_LEAVES = (str, int, bool, type(None))


def _has_float(value: Any) -> bool:
    """Whether a float is anywhere in ``value`` (payloads are mostly text: checked fast)."""
    if isinstance(value, dict):
        items = value.values()
    elif isinstance(value, list | tuple):
        items = value
    else:
        return isinstance(value, float)
    for item in items:
        if type(item) in _LEAVES:
            continue
        if _has_float(item):
            return True
    return False


def _orjson(value: Any) -> bytes | None:
    """orjson's sorted compact JSON, or None where it would not spell it as the stdlib does.

    orjson writes floats in its own exponent style (``1e16``, not ``1e+16``) and
    NaN as ``null``, and refuses what the standard library accepts (integers past
    64 bits, non-text keys, lone surrogates), so those values take the standard
    library's path; ``tests/test_canonical_json.py`` holds the two byte-identical.
    """
    if _has_float(value):
        return None
    import orjson  # here, not at the top: the desk's first frame does not wait for it

    try:
        return orjson.dumps(value, option=orjson.OPT_SORT_KEYS)
    except TypeError:  # orjson.JSONEncodeError: a value orjson will not write
        return None


def canonical_bytes(value: Any) -> bytes:
    """``canonical_json(value)`` as UTF-8 (what hashes are taken over)."""
    fast = _orjson(value)
    return fast if fast is not None else _stdlib_json(value).encode()


def canonical_json(value: Any) -> str:
    """The one JSON spelling of a value, so that equal payloads hash equally."""
    fast = _orjson(value)
    return fast.decode() if fast is not None else _stdlib_json(value)


def payload_digest(payload: dict[str, Any]) -> str:
    return hashlib.sha256(canonical_bytes(payload)).hexdigest()


def chain_hash(**fields: Any) -> str:
    return hashlib.sha256(canonical_bytes(fields)).hexdigest()


def chain_hash_of_text(fields: dict[str, str | int]) -> str:
    """``chain_hash(**fields)`` for fields that are text and integers only, as an event's
    chain fields are typed: with no float to look for, orjson spells them canonically."""
    import orjson  # here, not at the top: the desk's first frame does not wait for it

    try:
        spelled = orjson.dumps(fields, option=orjson.OPT_SORT_KEYS)
    except TypeError:  # a lone surrogate, an integer past 64 bits: the stdlib's spelling
        spelled = _stdlib_json(fields).encode()
    return hashlib.sha256(spelled).hexdigest()


_HLC = re.compile(r"(\d{16})-(\d{4,9})-(\S{1,64})")
OBSERVE_AHEAD_MS = 60_000
"""A remote clock value at most this far ahead of ours moves our clock; a later one is ignored."""


def parse_hlc(hlc: str) -> tuple[int, int, str]:
    """(milliseconds, counter, device) of a clock value; ValueError if it is not one."""
    if not isinstance(hlc, str):
        raise ValueError(f"not a clock value: {str(hlc)[:40]!r}")
    return _parse_hlc_text(hlc)


@functools.lru_cache(maxsize=8192)
def _parse_hlc_text(hlc: str) -> tuple[int, int, str]:
    # Cached: a pull page's clock values are read by the screen, then by projections
    # (an event's time) and the clock, a page of up to 5,000 at a time (a failure,
    # ValueError, is not cached).
    found = _HLC.fullmatch(hlc)
    if found is None:
        raise ValueError(f"not a clock value: {hlc[:40]!r}")
    return int(found[1]), int(found[2]), found[3]


def hlc_millis(hlc: str) -> int:
    return parse_hlc(hlc)[0]


def _wall_ms() -> int:
    from cxdesk.domain import deskclock  # the desk's clock, corrected by the server's Date

    return deskclock.now_ms()


class HybridClock:
    """A hybrid logical clock: wall time in ms, a counter, and the device id.

    Text of the form ``0001764072000000-0000-DEVICE`` sorts in causal order. It
    is for display and audit; the server's feed order decides what wins.

    The counter is four digits wide, as every stored value has always been. A
    desk that makes more than ``COUNTER_LIMIT`` events in one millisecond (a
    bulk import) carries into the millisecond instead of widening the counter,
    as an HLC's logical time may run a little ahead of the wall: a five-digit
    counter would sort "10000" before "9999" and break the text order.
    """

    COUNTER_LIMIT = 10_000

    def __init__(
        self, device: str, last: str | None = None, *, wall_ms: Callable[[], int] = _wall_ms
    ) -> None:
        self.device, self._wall_ms = device, wall_ms
        self._lock = threading.Lock()
        self._ms, self._counter = (0, 0)
        if last:
            self.observe(last)

    def now(self) -> str:
        with self._lock:
            wall = self._wall_ms()
            if wall > self._ms:
                self._ms, self._counter = wall, 0
            elif self._counter + 1 < self.COUNTER_LIMIT:
                self._counter += 1
            else:
                self._ms, self._counter = self._ms + 1, 0
            return f"{self._ms:016d}-{self._counter:04d}-{self.device}"

    def observe(self, other: str) -> bool:
        """Move past a clock value seen elsewhere, so later events sort after it.

        A malformed value, or one more than ``OBSERVE_AHEAD_MS`` ahead of our own
        wall clock, is ignored (returns False): one desk with a wrong clock, or a
        forged event, must not drag every desk's clock into the future.
        """
        try:
            ms, counter, _ = parse_hlc(other)
        except ValueError:
            return False
        if counter >= self.COUNTER_LIMIT:  # written by a cxdesk that widened the counter
            ms, counter = ms + counter // self.COUNTER_LIMIT, counter % self.COUNTER_LIMIT
        if ms > self._wall_ms() + OBSERVE_AHEAD_MS:
            return False
        with self._lock:
            if (ms, counter) > (self._ms, self._counter):
                self._ms, self._counter = ms, counter
        return True

    def observe_all(self, others: Iterable[str]) -> None:
        """``observe`` each value, at the cost of one: only the latest acceptable one
        can move the clock (a page of feed events is observed at once)."""
        latest: tuple[int, int] | None = None
        ahead = self._wall_ms() + OBSERVE_AHEAD_MS
        for other in others:
            try:
                ms, counter, _ = parse_hlc(other)
            except ValueError:
                continue
            if counter >= self.COUNTER_LIMIT:
                ms, counter = ms + counter // self.COUNTER_LIMIT, counter % self.COUNTER_LIMIT
            if ms <= ahead and (latest is None or (ms, counter) > latest):
                latest = (ms, counter)
        if latest is not None:
            with self._lock:
                if latest > (self._ms, self._counter):
                    self._ms, self._counter = latest
