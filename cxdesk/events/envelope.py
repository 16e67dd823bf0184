"""The event envelope: ids, the hybrid logical clock, and the per-device hash chain.

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
    """

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
            else:
                self._counter += 1
            return f"{self._ms:016d}-{self._counter:04d}-{self.device}"

    def observe(self, other: str) -> None:
        """Move past a clock value seen elsewhere, so later events sort after it."""
        ms_text, counter_text, _ = other.split("-", 2)
        ms, counter = int(ms_text), int(counter_text)
        with self._lock:
            if (ms, counter) > (self._ms, self._counter):
                self._ms, self._counter = ms, counter
