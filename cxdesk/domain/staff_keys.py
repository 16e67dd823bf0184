"""Staff signing keys derived from passcodes: who did something is provable, even offline.

A person's passcode, stretched by argon2id with a per-person salt, gives a
32-byte seed; the seed is an Ed25519 private key. The roster carries only the
**public** key, the salt and the argon2 parameters, so:

- a desk signs someone in offline by deriving the key from what they typed and
  comparing public keys (constant time); nothing secret is stored anywhere;
- every event the person records carries their signature over the event's
  hash, which the central API checks against the roster as it stood at that
  point in the feed, so a desk cannot make events in somebody else's name;
- a supervisor approving at an advisor's desk signs exactly what they approved.

The private key lives only in the ``DeskSession`` (and the store's signer slot)
while the person is signed in: gone at lock, sign-out and quit.

A public key can be attacked offline like a password hash (guess, derive,
compare), hence the OWASP argon2id cost and the passcode rules in
``cxdesk.domain.passcodes``. Signatures use distinct prefixes per purpose
(event, approval), so one can never be replayed as the other.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import unicodedata
from dataclasses import dataclass, field

from nacl.bindings import crypto_sign_open
from nacl.exceptions import CryptoError
from nacl.signing import SigningKey

from cxdesk.errors import ValidationError

EVENT_PREFIX = b"cxdesk-event-v1:"
APPROVAL_PREFIX = b"cxdesk-approval-v1:"
SALT_BYTES = 16
PUBLIC_KEY_HEX = 64
SIGNATURE_HEX = 128


@dataclass(frozen=True)
class KeyParams:
    """argon2id cost: memory in KiB, passes, lanes. Travels in the roster as ``m=..,t=..,p=..``."""

    memory_kib: int
    time_cost: int
    parallelism: int

    def text(self) -> str:
        return f"m={self.memory_kib},t={self.time_cost},p={self.parallelism}"

    @classmethod
    def parse(cls, text: str) -> KeyParams:
        """Parse ``m=47104,t=1,p=1``; ValidationError for anything else."""
        params: KeyParams | None = None
        try:
            parts = dict(item.split("=", 1) for item in text.split(","))
            params = cls(int(parts["m"]), int(parts["t"]), int(parts["p"]))
        except (AttributeError, KeyError, ValueError, TypeError):
            parts = {}
        if set(parts) != {"m", "t", "p"} or params is None:
            raise ValidationError(f"Unreadable key parameters {text!r}.", field="key_params")
        return params


# OWASP Password Storage Cheat Sheet, Argon2id: "m=47104 (46 MiB), t=1, p=1".
# https://cheatsheetseries.owasp.org/cheatsheets/Password_Storage_Cheat_Sheet.html
PRODUCTION_PARAMS = KeyParams(47_104, 1, 1)
# Only the test suite switches to these (``use_test_params``): a real roster
# entry this cheap is refused by the server and re-keyed by the desk.
TEST_PARAMS = KeyParams(64, 1, 1)
# A roster row may not make a thin client stall or run out of memory.
_MAX = KeyParams(262_144, 10, 8)

_current = PRODUCTION_PARAMS


def use_test_params() -> None:
    """Make derivation cheap (tests only: called from the test suite's conftest).

    Deliberately a function call, not a setting or environment variable, so
    nothing a deployment can configure weakens real keys.
    """
    global _current
    _current = TEST_PARAMS


def current_params() -> KeyParams:
    """The parameters new keys are made with (and a sign-in re-keys towards)."""
    return _current


def params_problem(params: KeyParams) -> str | None:
    """Why a roster entry's parameters are unacceptable, or None."""
    floor = _current
    if params.memory_kib < floor.memory_kib or params.time_cost < floor.time_cost:
        return f"key parameters {params.text()} are weaker than {floor.text()}"
    if (
        params.memory_kib > _MAX.memory_kib
        or params.time_cost > _MAX.time_cost
        or not 1 <= params.parallelism <= _MAX.parallelism
    ):
        return f"key parameters {params.text()} are out of range"
    return None


@dataclass(frozen=True)
class StaffKeys:
    """One person's derived key pair; the private half stays in memory for the session."""

    public_key: str
    """Hex of the raw 32-byte Ed25519 public key, as the roster carries it."""
    salt: str
    params: KeyParams
    signing_key: SigningKey = field(repr=False, compare=False)

    def sign(self, message: bytes) -> str:
        return self.signing_key.sign(message).signature.hex()

    def sign_event_hash(self, event_hash: str) -> str:
        return self.sign(EVENT_PREFIX + event_hash.encode())

    def secret_for(self, purpose: bytes) -> bytes:
        """32 bytes derived from the private key for ``purpose`` (HKDF-SHA256).

        For wrapping other keys under the person's passcode (for example the
        desk store's data key) without ever using the signing key itself for it;
        a different ``purpose`` gives an unrelated secret.
        """
        # Here, not at the top: nothing on the desk's start path needs ``cryptography``.
        from cryptography.hazmat.primitives.hashes import SHA256
        from cryptography.hazmat.primitives.kdf.hkdf import HKDF

        seed = self.signing_key.encode()
        return HKDF(algorithm=SHA256(), length=32, salt=None, info=purpose).derive(seed)

    def roster_fields(self) -> dict[str, str]:
        """The payload fields of ``StaffEnrolled``/``StaffUpdated``/``StaffRekeyed``."""
        return {
            "public_key": self.public_key,
            "key_salt": self.salt,
            "key_params": self.params.text(),
        }


def _normalise(passcode: str) -> bytes:
    # NFKC as NIST SP 800-63B advises: the same passcode typed on two terminals matches.
    return unicodedata.normalize("NFKC", passcode).encode()


def derive_staff_keys(passcode: str, salt: str, params: KeyParams) -> StaffKeys:
    """The key pair ``passcode`` gives with this salt (hex) and cost. ~70 ms at production cost.

    Call from a thread, never the event loop. Raises ValidationError for a
    malformed salt or unacceptable parameters (a hostile or corrupt roster row).
    """
    try:
        salt_bytes = bytes.fromhex(salt)
    except (ValueError, TypeError):
        raise ValidationError("Unreadable key salt.", field="key_salt") from None
    if len(salt_bytes) < 8 or params.memory_kib < 8 * params.parallelism:
        raise ValidationError("Unusable key salt or parameters.", field="key_salt")
    if params.memory_kib > _MAX.memory_kib or params.time_cost > _MAX.time_cost:
        raise ValidationError("Key parameters out of range.", field="key_params")
    # Here, not at the top: argon2 runs only at sign-in, so the store opens without it.
    from argon2.low_level import Type, hash_secret_raw

    seed = hash_secret_raw(
        secret=_normalise(passcode),
        salt=salt_bytes,
        time_cost=params.time_cost,
        memory_cost=params.memory_kib,
        parallelism=params.parallelism,
        hash_len=32,
        type=Type.ID,
    )
    private = SigningKey(seed)  # libsodium: the same Ed25519 key pair any library derives
    return StaffKeys(private.verify_key.encode().hex(), salt, params, private)


def new_salt() -> str:
    return secrets.token_hex(SALT_BYTES)


def enrol_keys(passcode: str, params: KeyParams | None = None) -> StaffKeys:
    """Fresh keys for a new passcode (a new random salt, today's parameters)."""
    return derive_staff_keys(passcode, new_salt(), params or _current)


def rekey_salt(old_salt: str, params: KeyParams) -> str:
    """The salt a sign-in re-keys to when the parameters changed.

    Deterministic from the old (random, per-person) salt and the new
    parameters, so two desks re-keying the same person while apart derive the
    very same key and neither invalidates the other's signatures.
    """
    digest = hashlib.sha256(b"cxdesk-rekey:" + old_salt.encode() + params.text().encode())
    return digest.hexdigest()[: SALT_BYTES * 2]


def same_public_key(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode(), b.encode())


def verify_signature(public_key: str | None, message: bytes, signature: str | None) -> bool:
    """Whether ``signature`` (hex) is ``public_key``'s (hex) over ``message``; never raises.

    libsodium (PyNaCl) verifies in about half the time ``cryptography`` takes,
    and releases the GIL, so the server verifies a push's signatures in threads.
    It is also the stricter of the two (it refuses small-order keys and
    non-canonical encodings), which no honest signature needs.
    """
    if not public_key or not signature:
        return False
    try:
        key, sig = bytes.fromhex(public_key), bytes.fromhex(signature)
        if len(key) != 32 or len(sig) != 64:
            return False
        crypto_sign_open(sig + message, key)
    except (CryptoError, ValueError, TypeError):
        return False
    return True


def verify_event_signature(public_key: str | None, event_hash: str, signature: str | None) -> bool:
    return verify_signature(public_key, EVENT_PREFIX + event_hash.encode(), signature)
