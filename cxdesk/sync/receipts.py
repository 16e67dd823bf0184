"""Signed statements from the central API: push receipts and feed marks (Ed25519, libsodium).

The server signs what it has accepted with its own key (public key in
``/health``, pinned by the desk at enrolment):

- a **receipt** answers every push: "device D's chain reaches ``last_seq`` with
  ``last_hash``, and the feed's head was ``head`` (event ``head_id``), in
  epoch E". The desk keeps its latest receipt; ``cxdesk admin verify`` checks
  the local chain still passes through it, so a synced event deleted or re-made
  on the desk is caught, and the desk refuses to push a chain that contradicts it;
- a **mark** comes with every pull page (a response header): "in epoch E the
  feed's head was ``head``, event ``head_id``".

Both are also the desk's proof that the server went back in time: the desk
sends its latest receipt and mark with each request, and a server that no
longer holds what it signed (in the same epoch) knows it was restored and
starts a new epoch. A signature is the server's own word, so a desk cannot
make one up, and an old one can only ever prove what really happened.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Iterable
from typing import Literal

from nacl.exceptions import CryptoError
from nacl.signing import SigningKey, VerifyKey
from pydantic import BaseModel, Field, ValidationError

from cxdesk.events.envelope import canonical_json

RECEIPT_HEADER = "Cxdesk-Receipt"
MARK_HEADER = "Cxdesk-Mark"
MAX_HEADER = 2048
"""A proof header longer than this is ignored, never parsed."""


class Receipt(BaseModel):
    kind: Literal["receipt"] = "receipt"
    epoch: str = Field(max_length=64)
    device: str = Field(max_length=64)
    last_seq: int = Field(ge=0)
    last_hash: str = Field(max_length=64)
    head: int = Field(ge=0)
    head_id: str = Field(max_length=36)


class Mark(BaseModel):
    """The feed's head, and what one pull page carried to one device (count and digest)."""

    kind: Literal["mark"] = "mark"
    epoch: str = Field(max_length=64)
    head: int = Field(ge=0)
    head_id: str = Field(max_length=36)
    device: str = Field(default="", max_length=64)
    after: int = Field(default=0, ge=0)
    count: int = Field(default=0, ge=0)
    digest: str = Field(default="", max_length=64)
    location: str = Field(default="", max_length=40)
    """Where the server has the device now: a desk moved by the administrator learns it here."""
    drops: str = Field(default="", max_length=64)
    """SHA-256 over the residents the page tells the desk to drop (``PageDigest.drop``)."""


class PageDigest:
    """SHA-256 over ``server_seq:id:hash`` lines of a page's events, in feed order.

    The server feeds it while writing a page; the desk recomputes it from what it
    holds, so a feed event deleted on the desk (with its acknowledgement) is caught.
    Other desks' events only: the desk's own are vouched for by its receipt, and
    whether a page carries them back is the feed's business, not the audit's.
    """

    def __init__(self, own_device: str) -> None:
        self._sha = hashlib.sha256()
        self.own_device = own_device
        self.seen = 0
        """Every event offered, own included (the server checks it saw the whole page)."""
        self.count = 0

    def add(self, server_seq: int, event_id: str, event_hash: str, device: str) -> None:
        self.seen += 1
        if device == self.own_device:
            return
        self._sha.update(f"{server_seq}:{event_id}:{event_hash}\n".encode())
        self.count += 1

    def add_all(self, entries: Iterable[tuple[int, str, str, str]]) -> None:
        """``add`` each (server_seq, id, hash, device), in one update of the hash."""
        lines = []
        for server_seq, event_id, event_hash, device in entries:
            self.seen += 1
            if device != self.own_device:
                lines.append(f"{server_seq}:{event_id}:{event_hash}\n")
        self._sha.update("".join(lines).encode())
        self.count += len(lines)

    def hexdigest(self) -> str:
        return self._sha.hexdigest()

    location: str = ""
    """The device's location the page was chosen for (signed in the mark)."""
    dropped: tuple[str, ...] = ()
    """Residents the page tells the desk to drop (signed in the mark)."""

    def drops_hexdigest(self) -> str:
        if not self.dropped:
            return ""
        return hashlib.sha256("\n".join(sorted(self.dropped)).encode()).hexdigest()


class Signed(BaseModel):
    """A statement and the server's Ed25519 signature over its canonical JSON."""

    body: dict
    sig: str = Field(min_length=128, max_length=128)

    def receipt(self) -> Receipt | None:
        return _as(Receipt, self.body)

    def mark(self) -> Mark | None:
        return _as(Mark, self.body)

    def header(self) -> str:
        """The compact form sent back to the server as proof."""
        return base64.urlsafe_b64encode(self.model_dump_json().encode()).decode()


def _as(model, body: dict):
    try:
        return model.model_validate(body)
    except ValidationError:
        return None


def new_key() -> SigningKey:
    return SigningKey.generate()


def key_from_hex(seed_hex: str) -> SigningKey:
    return SigningKey(bytes.fromhex(seed_hex))  # the 32-byte seed, as any Ed25519 library keeps it


def key_hex(key: SigningKey) -> str:
    return key.encode().hex()


def public_hex(key: SigningKey) -> str:
    return key.verify_key.encode().hex()


def sign(key: SigningKey, statement: Receipt | Mark) -> Signed:
    body = statement.model_dump()
    return Signed(body=body, sig=key.sign(canonical_json(body).encode()).signature.hex())


def verified(public: str, signed: Signed) -> bool:
    """Whether ``signed`` carries a good signature by the key ``public`` (hex)."""
    try:
        VerifyKey(bytes.fromhex(public)).verify(
            canonical_json(signed.body).encode(), bytes.fromhex(signed.sig)
        )
    except (CryptoError, ValueError):
        return False
    return True


def from_header(text: str | None) -> Signed | None:
    """A proof header back into a statement; None if absent or unreadable."""
    if not text or len(text) > MAX_HEADER:
        return None
    try:
        return Signed.model_validate_json(base64.urlsafe_b64decode(text.encode()))
    except (ValueError, ValidationError):
        return None


def from_text(text: str | None) -> Signed | None:
    """A statement as the desk keeps it in ``sync_state`` (JSON)."""
    if not text:
        return None
    try:
        return Signed.model_validate(json.loads(text))
    except (ValueError, ValidationError):
        return None
