"""The event envelope: ids, the hybrid logical clock, and the per-device hash chain.

Each event made by a person also carries their signature over its hash (see
``cxdesk.domain.staff_keys``), which the central API verifies.

The chain hashes a digest of the payload rather than the payload itself, so a
retention erasure can blank personal fields of old payloads while every link
still verifies against the stored digest.
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
from typing import Any

import uuid6
from pydantic import BaseModel, Field

GENESIS = "0" * 64
MAX_SEQ = 2**63 - 1
"""The largest sequence number either database can hold (a signed 64-bit integer)."""


def new_event_id() -> str:
    """A UUIDv7: unique without coordination and roughly time-ordered."""
    return str(uuid6.uuid7())


def canonical_json(value: Any) -> str:
    """The one JSON spelling of a value, so that equal payloads hash equally."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def payload_digest(payload: dict[str, Any]) -> str:
    return hashlib.sha256(canonical_json(payload).encode()).hexdigest()


class Event(BaseModel):
    """One thing a person (or the desk) did, exactly as it travels and is stored."""

    id: str = Field(min_length=36, max_length=36)
    kind: str = Field(min_length=1, max_length=64)
    payload: dict[str, Any]
    payload_digest: str = Field(min_length=64, max_length=64)
    actor: str = Field(min_length=1, max_length=40)
    device: str = Field(min_length=1, max_length=64)
    location: str = Field(min_length=1, max_length=40)
    device_seq: int = Field(ge=1, le=MAX_SEQ)
    hlc: str = Field(min_length=20, max_length=120)
    prev_hash: str = Field(min_length=64, max_length=64)
    hash: str = Field(min_length=64, max_length=64)
    signature: str | None = Field(default=None, pattern=r"^[0-9a-f]{128}$")
    """The author's Ed25519 signature over ``hash`` (``cxdesk.domain.staff_keys``).

    Outside the hash, because it signs the hash; None for events the desk
    itself authors (a failed sign-in) and for the central device's own.
    """

    def expected_hash(self) -> str:
        return chain_hash(
            id=self.id,
            kind=self.kind,
            payload_digest=self.payload_digest,
            actor=self.actor,
            device=self.device,
            location=self.location,
            device_seq=self.device_seq,
            hlc=self.hlc,
            prev_hash=self.prev_hash,
        )

    def hash_ok(self) -> bool:
        return self.hash == self.expected_hash()

    def digest_ok(self) -> bool:
        return self.payload_digest == payload_digest(self.payload)

    @property
    def occurred_ms(self) -> int:
        return hlc_millis(self.hlc)


def chain_hash(**fields: Any) -> str:
    return hashlib.sha256(canonical_json(fields).encode()).hexdigest()


def hlc_millis(hlc: str) -> int:
    return int(hlc.split("-", 1)[0])


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

    def __init__(self, device: str, last: str | None = None) -> None:
        self.device = device
        self._lock = threading.Lock()
        self._ms, self._counter = (0, 0)
        if last:
            self.observe(last)

    def now(self) -> str:
        with self._lock:
            wall = int(time.time() * 1000)
            if wall > self._ms:
                self._ms, self._counter = wall, 0
            elif self._counter + 1 < self.COUNTER_LIMIT:
                self._counter += 1
            else:
                self._ms, self._counter = self._ms + 1, 0
            return f"{self._ms:016d}-{self._counter:04d}-{self.device}"

    def observe(self, other: str) -> None:
        """Move past a clock value seen elsewhere, so later events sort after it."""
        ms_text, counter_text, _ = other.split("-", 2)
        ms, counter = int(ms_text), int(counter_text)
        if counter >= self.COUNTER_LIMIT:  # written by a cxdesk that widened the counter
            ms, counter = ms + counter // self.COUNTER_LIMIT, counter % self.COUNTER_LIMIT
        with self._lock:
            if (ms, counter) > (self._ms, self._counter):
                self._ms, self._counter = ms, counter
