"""A signed-in person's proof on a request to the central API: who asks, for what, now.

A device token says which desk is asking, not who sits at it. Reads that only a
supervisor may make (the council-wide log, reconciliation and figures) also
carry a short-lived proof made with the signed-in person's Ed25519 staff key
(``cxdesk.domain.staff_keys``; the desk holds it only while they are signed in):
their signature over

    cxdesk-request-v1 | method | path | SHA-256 of the body | device | staff id
    | time (ms) | nonce

one field a line. The server checks it against the roster's public key, that
the person is an active supervisor, that the device is the token's, that the
time is within ``MAX_SKEW_MS`` of its own clock, and that the nonce was never
used (``cxdesk.sync.server.staff_proof``). A proof is good for one request: it
names the body it came with, so it cannot be moved to another question, and it
expires in minutes. It is a credential: nobody logs it.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass

from cxdesk.errors import ValidationError

PROOF_HEADER = "Cxdesk-Staff-Proof"
VERSION = "cxdesk-request-v1"
MAX_SKEW_MS = 5 * 60 * 1000
"""How far the proof's time may be from the server's clock (either way)."""

_FIELD = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
_NONCE = re.compile(r"^[0-9a-f]{32}$")
_SIGNATURE = re.compile(r"^[0-9a-f]{128}$")


def body_digest(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()


def proof_message(
    *, method: str, path: str, body: bytes, device: str, staff_id: str, at_ms: int, nonce: str
) -> bytes:
    """The bytes the person signs (and the server verifies)."""
    lines = (VERSION, method.upper(), path, body_digest(body), device, staff_id, str(at_ms), nonce)
    return "\n".join(lines).encode()


@dataclass(frozen=True)
class RequestProof:
    staff_id: str
    device: str
    at_ms: int
    nonce: str
    signature: str

    def header(self) -> str:
        return (
            f"v1 staff={self.staff_id};device={self.device};t={self.at_ms};"
            f"nonce={self.nonce};sig={self.signature}"
        )

    @classmethod
    def parse(cls, value: str) -> RequestProof:
        """The proof in a header; ``ValidationError`` saying what is wrong with it."""
        version, _, rest = value.strip().partition(" ")
        if version != "v1":
            raise ValidationError("the staff proof is not a v1 proof")
        fields: dict[str, str] = {}
        for part in rest.split(";"):
            name, _, value = part.partition("=")
            if name:
                fields[name] = value
        if set(fields) != {"staff", "device", "t", "nonce", "sig"}:
            raise ValidationError("the staff proof needs staff, device, t, nonce and sig")
        if not (_FIELD.match(fields["staff"]) and _FIELD.match(fields["device"])):
            raise ValidationError("the staff proof names a staff id or device badly")
        if not fields["t"].isdigit() or len(fields["t"]) > 16:
            raise ValidationError("the staff proof's time is not a number of milliseconds")
        if not _NONCE.match(fields["nonce"]) or not _SIGNATURE.match(fields["sig"]):
            raise ValidationError("the staff proof's nonce or signature is malformed")
        return cls(
            fields["staff"], fields["device"], int(fields["t"]), fields["nonce"], fields["sig"]
        )

    def message(self, method: str, path: str, body: bytes) -> bytes:
        return proof_message(
            method=method,
            path=path,
            body=body,
            device=self.device,
            staff_id=self.staff_id,
            at_ms=self.at_ms,
            nonce=self.nonce,
        )


def make_proof(
    keys, *, staff_id: str, device: str, method: str, path: str, body: bytes, at_ms: int
) -> RequestProof:
    """A fresh proof for one request, signed with ``keys`` (a ``StaffKeys``)."""
    nonce = secrets.token_hex(16)
    message = proof_message(
        method=method,
        path=path,
        body=body,
        device=device,
        staff_id=staff_id,
        at_ms=at_ms,
        nonce=nonce,
    )
    return RequestProof(staff_id, device, at_ms, nonce, keys.sign(message))
