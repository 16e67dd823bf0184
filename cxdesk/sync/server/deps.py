"""FastAPI dependencies, declared once: the engine, the bearer token, the device behind it.

The dependencies themselves are ``async`` and do no I/O: FastAPI runs a plain
``def`` dependency in a worker thread, and on a thin server each hop costs
about a millisecond. The token is checked against the database by
``authenticate`` inside the route's own thread and transaction, so a request
costs one thread hop and one connection checkout.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, HTTPException, Request, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy import Connection, Engine, text

from cxdesk.sync.server.access import note_device
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


def authenticate(conn: Connection, token_hash: str) -> AuthDevice:
    """The enrolled, unrevoked device whose token hash this is; 401 otherwise."""
    row = conn.execute(
        text("SELECT id, location, revoked FROM devices WHERE token_hash = :h"), {"h": token_hash}
    ).first()
    if row is None:
        raise unauthorised("this device token is not known", "unknown_token")
    note_device(row[0])  # the access log and refusal counts name the device
    if row[2]:
        # Only this answer makes a desk wipe itself: it names the device the token
        # belongs to, so a desk never wipes on a 401 meant for someone else.
        raise unauthorised("this device has been revoked", "revoked", device=row[0])
    return AuthDevice(row[0], row[1])
