"""``Event``: one event as it travels and is stored, the pydantic model of the envelope.

Its own module, imported when an event is first made or read (recording,
syncing), so that opening the store and the sign-in screen cost no pydantic.
The chain, the clock and the canonical JSON it relies on are in
``cxdesk.events.envelope``, which also hands this class out as ``envelope.Event``.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from pydantic import BaseModel, Field

from cxdesk.events.envelope import MAX_SEQ, chain_hash, hlc_millis, payload_digest


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

    @classmethod
    def from_columns(cls, values: Sequence) -> Event:
        """An event from its stored columns, desk's or server's: id, kind, payload (JSON
        text), payload_digest, actor, device, location, device_seq, hlc, prev_hash, hash,
        signature."""
        id_, kind, payload, digest, actor, device, location, seq, hlc, prev, hash_, sig = values
        return cls(
            id=id_,
            kind=kind,
            payload=json.loads(payload),
            payload_digest=digest,
            actor=actor,
            device=device,
            location=location,
            device_seq=seq,
            hlc=hlc,
            prev_hash=prev,
            hash=hash_,
            signature=sig,
        )

    def chain_fields(self) -> dict[str, str | int]:
        """What the chain hash covers: everything but the payload (its digest stands in),
        the hash itself and the signature."""
        return {
            "id": self.id,
            "kind": self.kind,
            "payload_digest": self.payload_digest,
            "actor": self.actor,
            "device": self.device,
            "location": self.location,
            "device_seq": self.device_seq,
            "hlc": self.hlc,
            "prev_hash": self.prev_hash,
        }

    def expected_hash(self) -> str:
        return chain_hash(**self.chain_fields())

    def hash_ok(self) -> bool:
        return self.hash == self.expected_hash()

    def digest_ok(self) -> bool:
        return self.payload_digest == payload_digest(self.payload)

    @property
    def occurred_ms(self) -> int:
        return hlc_millis(self.hlc)
