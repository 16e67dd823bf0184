"""Device tokens: made once, shown once, stored only as a SHA-256 hash.

Why a plain SHA-256 and not argon2 as for passcodes: a token is 32 random
bytes (256 bits) from ``secrets``, so there is nothing to guess — a slow hash
protects low-entropy secrets people choose, and buys nothing here. A fast hash
lets every request find its device by an indexed lookup of the hash, and a
copy of the database still gives no usable token away.
"""

from __future__ import annotations

import hashlib
import secrets

TOKEN_PREFIX = "cxd_"


def new_token() -> str:
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
