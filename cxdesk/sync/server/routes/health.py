"""``GET /health``: is the database answering? No token needed (for load balancers)."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException
from fastapi.concurrency import run_in_threadpool
from sqlalchemy.exc import SQLAlchemyError

from cxdesk.sync.protocol import Health
from cxdesk.sync.server.db import read_transaction
from cxdesk.sync.server.deps import EngineDep
from cxdesk.sync.server.feed import current_epoch, head

router = APIRouter(tags=["health"])


@router.get("/health", response_model=Health)
async def health(engine: EngineDep) -> Health:
    def work() -> Health:
        with read_transaction(engine) as conn:
            return Health(
                status="ok", epoch=current_epoch(conn), head=head(conn),
                database=engine.dialect.name,
            )  # fmt: skip

    try:
        return await run_in_threadpool(work)
    except SQLAlchemyError as exc:
        raise HTTPException(503, detail={"code": "database", "message": str(exc)[:200]}) from exc
