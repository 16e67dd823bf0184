"""``/v1/supervisor/*``: the council-wide log, reconciliation and figures, for supervisors.

A desk holds only its location's share of the feed (DESIGN.md, "Who receives
what"), so the supervisor's reports across every location are answered here.
Each request needs the device token *and* a signed-in supervisor's proof over
this very request (``cxdesk.domain.request_proof``, checked by
``staff_proof.check_supervisor``). The body is read raw, because the proof
signs its bytes, then parsed; a body that does not parse is a 422 with the
reason. The access log names the supervisor, so who viewed the council's
data is on record. Blocking database work runs in the thread pool.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

from fastapi import APIRouter, HTTPException, Request, status
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, ValidationError
from sqlalchemy import Connection

from cxdesk.domain.request_proof import PROOF_HEADER
from cxdesk.sync.council_protocol import (
    FiguresAnswer,
    IssueLogAnswer,
    IssueLogAsk,
    RangeAsk,
    ReconciliationAnswer,
)
from cxdesk.sync.server import council_reports
from cxdesk.sync.server.db import read_transaction, write_transaction
from cxdesk.sync.server.deps import EngineDep, TokenDep, authenticate
from cxdesk.sync.server.staff_proof import check_supervisor

router = APIRouter(prefix="/v1/supervisor", tags=["supervisor"])
MAX_BODY = 16 * 1024
Ask = TypeVar("Ask", bound=BaseModel)
Answer = TypeVar("Answer")


async def _answer(
    request: Request,
    token_hash: str,
    engine,
    model: type[Ask],
    read: Callable[[Connection, Ask, int], Answer],
) -> Answer:
    body = await request.body()
    if len(body) > MAX_BODY:
        raise HTTPException(
            status.HTTP_413_REQUEST_ENTITY_TOO_LARGE,
            detail={"code": "too_large", "message": f"a question is at most {MAX_BODY} bytes"},
        )
    header = request.headers.get(PROOF_HEADER)
    path = request.scope["path"]

    def work() -> Answer:
        now_ms = int(time.time() * 1000)
        # Who asks is settled (and the nonce spent) before the question is even parsed.
        with write_transaction(engine) as conn:
            device = authenticate(conn, token_hash)
            check_supervisor(
                conn, header, device=device, method="POST", path=path, body=body, now_ms=now_ms
            )
        try:
            ask = model.model_validate_json(body)
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(part) for part in first["loc"]) or "body"
            raise HTTPException(
                422,
                detail={"code": "bad_question", "message": f"{where}: {first['msg']}"},
            ) from None
        with read_transaction(engine) as conn:
            return read(conn, ask, now_ms)

    return await run_in_threadpool(work)


def _issues(conn: Connection, ask: IssueLogAsk, now_ms: int) -> IssueLogAnswer:
    page = council_reports.log_page(
        conn,
        ask.issue_filter(),
        after=ask.after,
        limit=ask.limit,
        with_totals=ask.with_totals,
        now_ms=now_ms,
    )
    return IssueLogAnswer(
        rows=page.rows,
        total_count=page.total_count,
        total_pence=page.total_pence,
        next_cursor=page.next_cursor,
        as_of=council_reports.as_of(now_ms),
    )


def _reconciliation(conn: Connection, ask: RangeAsk, now_ms: int) -> ReconciliationAnswer:
    rows = council_reports.reconciliation(conn, ask.date_from, ask.date_to, ask.location)
    return ReconciliationAnswer(rows=rows, as_of=council_reports.as_of(now_ms))


def _figures(conn: Connection, ask: RangeAsk, now_ms: int) -> FiguresAnswer:
    weeks = council_reports.figures(conn, ask.date_from, ask.date_to, now_ms)
    return FiguresAnswer(weeks=weeks, as_of=council_reports.as_of(now_ms))


@router.post("/issues", response_model=IssueLogAnswer)
async def issues(request: Request, token: TokenDep, engine: EngineDep) -> IssueLogAnswer:
    """A page of the issued-voucher log over every location (body: ``IssueLogAsk``)."""
    return await _answer(request, token, engine, IssueLogAsk, _issues)


@router.post("/reconciliation", response_model=ReconciliationAnswer)
async def reconciliation(
    request: Request, token: TokenDep, engine: EngineDep
) -> ReconciliationAnswer:
    """Stock reconciliation per location, kind and day (body: ``RangeAsk``)."""
    return await _answer(request, token, engine, RangeAsk, _reconciliation)


@router.post("/figures", response_model=FiguresAnswer)
async def figures(request: Request, token: TokenDep, engine: EngineDep) -> FiguresAnswer:
    """Weekly figures per location (body: ``RangeAsk``)."""
    return await _answer(request, token, engine, RangeAsk, _figures)
