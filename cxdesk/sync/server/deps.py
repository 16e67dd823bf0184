"""FastAPI dependencies, declared once: the engine, the bearer token, the device behind it.

The dependencies themselves are ``async`` and do no I/O: FastAPI runs a plain
``def`` dependency in a worker thread, and on a thin server each hop costs
about a millisecond. The token is checked against the database by
``authenticate`` inside the route's own thread and transaction, so a request
costs one thread hop and one connection checkout, and a device revoked a
moment ago is refused by its very next request. A pull reads its device, the
device's location kind, the epoch and the head in one statement
(``open_pull``).

``KnownTokens`` remembers, per process, the tokens found good lately; it only
lets a push whose token it knows skip the separate look-up made before the body
is read (a 401 before a stranger's megabyte is read). It never admits anyone:
the push's own transaction checks the token again.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, HTTPException, Request, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy import Connection, Engine, text

from cxdesk.sync.server.access import note_device
from cxdesk.sync.server.bulk import Read, read_together
from cxdesk.sync.server.tokens import hash_token

_bearer = HTTPBearer(
    auto_error=False, description="The device token from `cxdesk admin add-device`"
)


async def get_engine(request: Request) -> Engine:
    return request.app.state.engine


EngineDep = Annotated[Engine, Depends(get_engine)]


@dataclass(frozen=True)
class AuthDevice:
    id: str
    location: str


def unauthorised(message: str, code: str = "unauthorised", **extra: str) -> HTTPException:
    return HTTPException(
        status.HTTP_401_UNAUTHORIZED,
        detail={"code": code, "message": message, **extra},
        headers={"WWW-Authenticate": "Bearer"},
    )


async def get_token_hash(
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> str:
    """The SHA-256 of the bearer token presented; 401 if there is none."""
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise unauthorised("a device token is needed (Authorization: Bearer ...)")
    return hash_token(credentials.credentials)


TokenDep = Annotated[str, Depends(get_token_hash)]


class KnownTokens:
    """Token hashes this process found enrolled and unrevoked in the last ``TTL`` seconds.

    A hint, never a grant: it spares a push the look-up before its body is read,
    and every request still authenticates inside its own transaction (a refusal
    there drops the token from here at once). Thread-safe; bounded.
    """

    TTL = 60.0
    CAP = 50_000

    def __init__(self, clock=time.monotonic) -> None:
        self.clock = clock
        self._seen: dict[str, tuple[AuthDevice, float]] = {}
        self._lock = threading.Lock()

    def get(self, token_hash: str) -> AuthDevice | None:
        with self._lock:
            found = self._seen.get(token_hash)
        if found is None or self.clock() - found[1] > self.TTL:
            return None
        return found[0]

    def note(self, token_hash: str, device: AuthDevice) -> None:
        with self._lock:
            if len(self._seen) >= self.CAP:
                self._seen.clear()
            self._seen[token_hash] = (device, self.clock())

    def drop(self, token_hash: str) -> None:
        with self._lock:
            self._seen.pop(token_hash, None)


def checked_device(token_hash: str, row, known: KnownTokens | None) -> AuthDevice:
    """``row`` (device id, location, revoked; None if no device has the token) judged:
    the device, or 401 (``authenticate``'s rule, for a caller that read the row itself)."""
    if row is None or row[0] is None:
        if known is not None:
            known.drop(token_hash)
        raise unauthorised("this device token is not known", "unknown_token")
    note_device(row[0])  # the access log and refusal counts name the device
    if row[2]:
        if known is not None:
            known.drop(token_hash)
        # Only this answer makes a desk wipe itself: it names the device the token
        # belongs to, so a desk never wipes on a 401 meant for someone else.
        raise unauthorised("this device has been revoked", "revoked", device=row[0])
    device = AuthDevice(row[0], row[1])
    if known is not None:
        known.note(token_hash, device)
    return device


def authenticate(conn: Connection, token_hash: str, known: KnownTokens | None = None) -> AuthDevice:
    """The enrolled, unrevoked device whose token hash this is; 401 otherwise.

    With ``known``, the answer is remembered there (or the token forgotten).
    """
    row = conn.execute(
        text("SELECT id, location, revoked FROM devices WHERE token_hash = :h"), {"h": token_hash}
    ).first()
    return checked_device(token_hash, row, known)


@dataclass(frozen=True)
class PullStart:
    """What a pull reads first, in one statement of its snapshot."""

    device: AuthDevice
    location_kind: str | None
    epoch: str
    head: int
    head_id: str
    """The id of the event at the head ("" for an empty feed)."""


_PULL_START = (
    "SELECT d.id, d.location, d.revoked, "
    "(SELECT kind FROM scope_locations WHERE location_id = d.location), "
    "(SELECT epoch FROM epochs ORDER BY number DESC LIMIT 1), c.value, "
    "(SELECT id FROM events WHERE server_seq = c.value) "
    "FROM feed_counter c LEFT JOIN devices d ON d.token_hash = :h WHERE c.id = 1"
)


def open_pull(
    conn: Connection,
    token_hash: str,
    known: KnownTokens | None = None,
    also: Sequence[Read] = (),
) -> tuple[PullStart, list[list[tuple]]]:
    """``authenticate``, the device's location kind (its audiences), the epoch, the head
    and the head's event id, all as this transaction sees them, in one round trip; with
    the answers to ``also``, reads sent in the same round trip (ahead of the token's
    judgement: the caller uses them only once the token is found good)."""
    (row,), *answers = read_together(conn, [Read(_PULL_START, {"h": token_hash}), *also])
    device = checked_device(token_hash, row, known)
    top = int(row[5])
    return PullStart(device, row[3], row[4], top, (row[6] or "") if top > 0 else ""), answers


class LastAudiences:
    """The audiences each token's last pull had, per process: a forecast that lets the
    next pull send its page's first look with its first statement (``open_pull``'s
    ``also``). Never trusted: the pull uses that look only when the audiences it reads
    in the same snapshot are the same. Bounded."""

    CAP = 50_000

    def __init__(self) -> None:
        self._seen: dict[str, list[str]] = {}

    def get(self, token_hash: str) -> list[str] | None:
        return self._seen.get(token_hash)

    def note(self, token_hash: str, audiences: list[str]) -> None:
        if len(self._seen) >= self.CAP:
            self._seen.clear()
        self._seen[token_hash] = audiences
