"""``GET /health``: is the database answering? No token needed (for load balancers)."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException
from sqlalchemy.exc import SQLAlchemyError

from cxdesk.sync.protocol import Health
from cxdesk.sync.server.db import read_transaction
from cxdesk.sync.server.deps import EngineDep
from cxdesk.sync.server.feed import current_epoch, head

router = APIRouter(tags=["health"])


@router.get("/health", response_model=Health)
def health(engine: EngineDep) -> Health:
    try:
        with read_transaction(engine) as conn:
            return Health(
                status="ok", epoch=current_epoch(conn), head=head(conn),
                database=engine.dialect.name,
            )  # fmt: skip
    except SQLAlchemyError as exc:
        raise HTTPException(503, detail={"code": "database", "message": str(exc)[:200]}) from exc
