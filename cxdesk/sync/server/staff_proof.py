"""The server's check of a signed-in supervisor's request proof (``domain.request_proof``).

A device token alone never opens the council-wide reports: a stolen hub laptop
or a desk someone walked away from must not read the council's log. The proof
must be signed by the key the roster holds for the person it names, for this
very request (method, path, body) and this device, within ``MAX_SKEW_MS`` of
the server's clock, with a nonce never used before; and the person must be an
active supervisor now. Answers:

- 401 when the proof does not authenticate anyone: missing, malformed, another
  device's, a staff id the roster does not know, a signature that does not
  verify (forged, another body, an old key), too old or ahead, or replayed;
- 403 when it does, but the person may not read this: removed from the
  roster, or not a supervisor.

Used nonces are kept (``proof_nonces``) until their proofs would have expired
anyway, so one table row per request answers "used before?" across every API
process. The proof is never logged or stored; the access log names the person
(``access.note_staff``).
"""

from __future__ import annotations

from fastapi import HTTPException, status
from sqlalchemy import Connection, text

from cxdesk.domain.request_proof import MAX_SKEW_MS, PROOF_HEADER, RequestProof
from cxdesk.domain.staff_keys import verify_signature
from cxdesk.errors import ValidationError
from cxdesk.events import SUPERVISORS
from cxdesk.sync.server.access import note_staff
from cxdesk.sync.server.deps import AuthDevice


def _refuse(code: int, reason: str, message: str) -> HTTPException:
    return HTTPException(code, detail={"code": reason, "message": message})


def check_supervisor(
    conn: Connection,
    header: str | None,
    *,
    device: AuthDevice,
    method: str,
    path: str,
    body: bytes,
    now_ms: int,
) -> str:
    """The supervisor's staff id, once their proof is checked; raises 401/403 otherwise.

    Runs inside a write transaction: the nonce is recorded in it.
    """
    unauthorised = status.HTTP_401_UNAUTHORIZED
    if not header:
        raise _refuse(
            unauthorised,
            "proof_missing",
            f"a signed-in supervisor's proof is needed ({PROOF_HEADER}); a device token "
            "alone does not open the council-wide reports",
        )
    try:
        proof = RequestProof.parse(header)
    except ValidationError as exc:
        raise _refuse(unauthorised, "proof_malformed", exc.message) from None
    if proof.device != device.id:
        raise _refuse(unauthorised, "proof_device", "the staff proof was made for another device")
    row = conn.execute(
        text("SELECT role, active, public_key FROM roster WHERE staff_id = :s"),
        {"s": proof.staff_id},
    ).first()
    if row is None or not row[2]:
        raise _refuse(unauthorised, "proof_unknown", f"{proof.staff_id} has no key on the roster")
    role, active, key = row
    if not verify_signature(key, proof.message(method, path, body), proof.signature):
        raise _refuse(
            unauthorised,
            "proof_forged",
            f"the staff proof is not {proof.staff_id}'s signature over this request",
        )
    if abs(now_ms - proof.at_ms) > MAX_SKEW_MS:
        raise _refuse(
            unauthorised,
            "proof_expired",
            "the staff proof's time is more than 5 minutes from the server's clock",
        )
    note_staff(proof.staff_id)  # authenticated: the access log names them from here on
    if not active:
        raise _refuse(
            status.HTTP_403_FORBIDDEN, "removed", f"{proof.staff_id} is no longer on the roster"
        )
    if role not in SUPERVISORS:
        raise _refuse(
            status.HTTP_403_FORBIDDEN,
            "not_supervisor",
            f"{proof.staff_id} is not a supervisor: the council-wide reports are for supervisors",
        )
    conn.execute(
        text("DELETE FROM proof_nonces WHERE at_ms < :old"), {"old": now_ms - 2 * MAX_SKEW_MS}
    )
    fresh = conn.execute(
        text(
            "INSERT INTO proof_nonces (nonce, staff_id, at_ms) VALUES (:n, :s, :t) "
            "ON CONFLICT (nonce) DO NOTHING"
        ),
        {"n": proof.nonce, "s": proof.staff_id, "t": now_ms},
    ).rowcount
    if not fresh:
        raise _refuse(unauthorised, "proof_replayed", "this staff proof was used before")
    return proof.staff_id
