"""FastAPI dependencies, declared once: the engine, and the device behind a bearer token."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, HTTPException, Request, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy import Engine, text

from cxdesk.sync.server.db import read_transaction
from cxdesk.sync.server.tokens import hash_token

_bearer = HTTPBearer(
    auto_error=False, description="The device token from `cxdesk admin add-device`"
)


def get_engine(request: Request) -> Engine:
    return request.app.state.engine


EngineDep = Annotated[Engine, Depends(get_engine)]


@dataclass(frozen=True)
class AuthDevice:
    id: str
    location: str


def _unauthorised(message: str) -> HTTPException:
    return HTTPException(
        status.HTTP_401_UNAUTHORIZED,
        detail={"code": "unauthorised", "message": message},
        headers={"WWW-Authenticate": "Bearer"},
    )


def get_device(
    engine: EngineDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> AuthDevice:
    """The enrolled, unrevoked device whose token was presented; 401 otherwise."""
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise _unauthorised("a device token is needed (Authorization: Bearer ...)")
    with read_transaction(engine) as conn:
        row = conn.execute(
            text("SELECT id, location, revoked FROM devices WHERE token_hash = :h"),
            {"h": hash_token(credentials.credentials)},
        ).first()
    if row is None:
        raise _unauthorised("this device token is not known")
    if row[2]:
        raise _unauthorised("this device has been revoked")
    return AuthDevice(row[0], row[1])


DeviceDep = Annotated[AuthDevice, Depends(get_device)]
