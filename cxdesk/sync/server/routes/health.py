"""``GET /health``: is the database answering? No token needed (for load balancers)."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request
from fastapi.concurrency import run_in_threadpool
from sqlalchemy.exc import SQLAlchemyError

from cxdesk.sync.protocol import Health
from cxdesk.sync.receipts import public_hex
from cxdesk.sync.server.db import read_transaction
from cxdesk.sync.server.deps import EngineDep
from cxdesk.sync.server.feed import current_epoch, head

router = APIRouter(tags=["health"])


def signing_public(request: Request) -> str | None:
    key = getattr(request.app.state, "signing_key", None)
    return None if key is None else public_hex(key)


@router.get("/health", response_model=Health)
async def health(request: Request, engine: EngineDep) -> Health:
    def work() -> Health:
        with read_transaction(engine) as conn:
            return Health(
                status="ok",
                epoch=current_epoch(conn),
                head=head(conn),
                database=engine.dialect.name,
                server_key=signing_public(request),
            )

    try:
        return await run_in_threadpool(work)
    except SQLAlchemyError as exc:
        raise HTTPException(503, detail={"code": "database", "message": str(exc)[:200]}) from exc
