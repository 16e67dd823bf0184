"""``GET /health``: is the database answering? No token needed (for load balancers)."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request, Response
from fastapi.concurrency import run_in_threadpool
from sqlalchemy.exc import SQLAlchemyError

from cxdesk.sync.protocol import Health
from cxdesk.sync.receipts import public_hex
from cxdesk.sync.server.db import read_transaction
from cxdesk.sync.server.deps import EngineDep
from cxdesk.sync.server.feed import epoch_and_head

router = APIRouter(tags=["health"])


def signing_public(request: Request) -> str | None:
    key = getattr(request.app.state, "signing_key", None)
    return None if key is None else public_hex(key)


@router.get("/health", response_model=Health)
async def health(request: Request, engine: EngineDep) -> Response:
    def work() -> bytes:
        with read_transaction(engine) as conn:
            epoch, top = epoch_and_head(conn)
        answer = Health(
            status="ok",
            epoch=epoch,
            head=top,
            database=engine.dialect.name,
            server_key=signing_public(request),
        )
        return answer.model_dump_json().encode()  # built once, not validated again

    try:
        content = await run_in_threadpool(work)
    except SQLAlchemyError as exc:
        raise HTTPException(503, detail={"code": "database", "message": str(exc)[:200]}) from exc
    return Response(content=content, media_type="application/json")
