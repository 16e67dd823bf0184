"""``/v1/sync/push``, ``/v1/sync/pull`` and ``/v1/device``: the protocol's endpoints.

The push body is read by hand so that an oversized one is refused (413) before
it is parsed, whatever the Content-Length header claims.
"""

from __future__ import annotations

import time

from fastapi import APIRouter, HTTPException, Query, Request, Response
from fastapi.concurrency import run_in_threadpool
from pydantic import ValidationError as PydanticValidationError
from sqlalchemy.exc import IntegrityError

from cxdesk.events.envelope import MAX_SEQ
from cxdesk.sync import scope
from cxdesk.sync.collector import collector_paused
from cxdesk.sync.protocol import (
    MAX_PULL_LIMIT,
    MAX_PUSH_BYTES,
    MAX_PUSH_EVENTS,
    MAX_WAIT,
    WAIT_HEADER,
    DeviceInfo,
    PullResponse,
    PushRequest,
    PushResponse,
)
from cxdesk.sync.receipts import MARK_HEADER, PageDigest
from cxdesk.sync.server import replica, signing
from cxdesk.sync.server import scope as scope_server
from cxdesk.sync.server.db import (
    is_postgres,
    read_transaction,
    snapshot_transaction,
    write_transaction,
)
from cxdesk.sync.server.deps import (
    EngineDep,
    KnownTokens,
    TokenDep,
    authenticate,
    checked_device,
    open_pull,
)
from cxdesk.sync.server.feed import current_epoch, pull_page_json
from cxdesk.sync.server.push import PushRefused, TokenCheck, apply_push

router = APIRouter(prefix="/v1", tags=["sync"])


def _refuse(status: int, code: str, message: str) -> HTTPException:
    return HTTPException(status, detail={"code": code, "message": message})


async def _read_body(request: Request) -> bytes:
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > MAX_PUSH_BYTES:
        raise _refuse(413, "too-large", f"a push may be at most {MAX_PUSH_BYTES} bytes")
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_PUSH_BYTES:
            raise _refuse(413, "too-large", f"a push may be at most {MAX_PUSH_BYTES} bytes")
    return bytes(body)


def _known_token(engine, token: str, known: KnownTokens) -> None:
    with read_transaction(engine) as conn:
        authenticate(conn, token, known)


def _parse(body: bytes) -> PushRequest:
    try:
        return PushRequest.model_validate_json(body)
    except PydanticValidationError as exc:
        if any(e["type"] == "too_long" and e["loc"] == ("events",) for e in exc.errors()):
            raise _refuse(
                413, "too-many", f"a push may hold at most {MAX_PUSH_EVENTS} events"
            ) from None
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "body"
        raise _refuse(422, "malformed", f"{where}: {first['msg']}") from None


# The push body is read by hand (size limit, one parse in a thread), so its schema
# is given to OpenAPI here; its nested models go into the document's components.
PUSH_SCHEMA = PushRequest.model_json_schema(ref_template="#/components/schemas/{model}")
PUSH_COMPONENTS = PUSH_SCHEMA.pop("$defs", {})


@router.post(
    "/sync/push",
    response_model=PushResponse,
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": PUSH_SCHEMA}},
        }
    },
)
async def push(request: Request, token: TokenDep) -> Response:
    """Place the device's events in the feed; answers per event."""
    state = request.app.state
    engine = state.engine  # not a dependency: each one costs FastAPI work per request
    if state.known_tokens.get(token) is None:  # else checked lately; checked again below
        # 401 before a byte of body is read.
        await run_in_threadpool(_known_token, engine, token, state.known_tokens)
    raw = await _read_body(request)
    proofs = signing.proofs_from(request.headers)
    moved: list[tuple[int, frozenset[str]]] = []

    def work() -> bytes:
        # A push of 500 makes some hundred thousand objects, none cyclic, alive until
        # it answers: the cycle collector waits (``collector``), or it scans them again
        # and again as they age, about a fifth of the push's own time.
        with collector_paused():
            return judged()

    def judged() -> bytes:
        body = _parse(raw)  # in the thread: a 1 MiB body takes a while to check
        key = state.signing_key
        signing.notice_restore(engine, key, proofs, state.seen_proofs)
        with write_transaction(engine) as conn:

            def admit(row: tuple | None) -> None:
                # The token judged in the push's own transaction, on the row it locks.
                device = checked_device(token, row, state.known_tokens)
                if body.device != device.id:
                    raise _refuse(
                        403, "wrong-device", f"this token belongs to {device.id}, not {body.device}"
                    )
                signing.refuse_contradiction(conn, device.id, body.events, proofs, key)

            # Committed by its closing writes when there are any (PostgreSQL).
            check = TokenCheck(token, admit)
            outcome = apply_push(conn, body.device, body.events, commit=True, token=check)
            # Read by the push's closing writes, or one round trip (a push of retries
            # only, SQLite) in the transaction.
            receipt = signing.receipt(conn, key, body.device, outcome.receipt)
            epoch, top = receipt.body["epoch"], receipt.body["head"]
        state.marks.note(state.database_id, top)
        moved.append((top, outcome.reached))
        answer = PushResponse(
            epoch=epoch, last_seq=outcome.last_seq, results=outcome.results, receipt=receipt
        )
        return answer.model_dump_json().encode()

    try:
        content = await run_in_threadpool(work)
    except PushRefused as exc:
        raise HTTPException(exc.status, detail=exc.detail()) from None
    except IntegrityError:
        # Two pushes raced to use one event id: the loser changes nothing.
        raise _refuse(409, "conflict", "an event id in this push is already used") from None
    if moved:
        # Committed: wake this process's held pulls that the events reach.
        state.feed_watch.moved(*moved[0])
    return Response(content=content, media_type="application/json")


_Page = tuple[bytes, str, int, int, list[str], str]
"""A pull answer, its mark, events sent, the head read, and the desk's audiences and id."""


@router.get("/sync/pull", response_model=PullResponse)
async def pull(
    request: Request,
    token: TokenDep,
    after: int = Query(0, ge=0, le=MAX_SEQ, description="the cursor: last server_seq already held"),
    limit: int = Query(500, ge=1, le=MAX_PULL_LIMIT),
    wait: int = Query(
        0,
        ge=0,
        le=MAX_WAIT,
        description="seconds to hold the answer until there is something for this desk",
    ),
) -> Response:
    """The events after ``after`` this desk may hold, in feed order, with the next cursor.

    With ``wait``, an answer with nothing for this desk is held until an event it
    may receive is committed, or ``wait`` seconds pass (the live feed).
    """

    state = request.app.state
    engine = state.engine  # as in push
    key, proofs = state.signing_key, signing.proofs_from(request.headers)

    def page_from(source, floor: replica.Floor | None, woken: bool) -> _Page | None:
        # One snapshot: the mark's head is the head the page was read up to, so a held
        # pull waits past exactly what it looked at (a later commit always wakes it).
        with snapshot_transaction(source) as conn:
            if floor is not None and not replica.caught_up(conn, floor):
                return None  # the replica is behind what this desk knows
            # On PostgreSQL the page's first look goes with the first statement when
            # this desk's audiences can be foreseen (one round trip fewer), unless this
            # is a held pull's first look (mostly empty: two statements for nothing).
            ahead = is_postgres(conn) and (woken or not wait)
            foreseen = state.last_audiences.get(token) if ahead else None
            also = scope_server.first_look(foreseen, after, limit) if foreseen else []
            try:
                # The device, its audiences, the epoch and the head in one round trip.
                start, looked = open_pull(conn, token, state.known_tokens, also)
            except HTTPException as exc:
                code = exc.detail.get("code") if isinstance(exc.detail, dict) else None
                if floor is not None and code == "unknown_token":
                    return None  # enrolled on the primary a moment ago
                raise
            device = start.device
            if floor is not None and floor.location not in (None, device.location):
                return None  # a move the replica has not seen yet
            # Only what this desk's location may hold (DESIGN.md, "Who receives what").
            audiences = scope.audiences(device.location, start.location_kind)
            state.last_audiences.note(token, audiences)
            page = PageDigest(device.id)
            at = (start.epoch, start.head)
            looked = looked if audiences == foreseen else None  # else looked for again
            # The page's last reads carry the COMMIT: the mark needs nothing more.
            content, sent = pull_page_json(
                conn, after, limit, page, audiences, device.location, at, looked, last_reads=True
            )
            audited = page if page.seen == sent else None  # else: head and epoch only
            at = (start.epoch, start.head, start.head_id)
            mark = signing.mark(conn, key, device.id, after, audited, at)
            return content, mark.header(), sent, mark.body["head"], audiences, device.id

    def work(woken: bool) -> _Page:
        signing.notice_restore(engine, key, proofs, state.seen_proofs)  # on the primary
        if state.read_engine is not None:
            floor = replica.floor_of(proofs, after, state.feed_watch.head)
            if (answer := page_from(state.read_engine, floor, woken)) is not None:
                return answer
        answer = page_from(engine, None, woken)
        assert answer is not None  # the primary always answers (or raises)
        return answer

    watch = request.app.state.feed_watch
    deadline = time.monotonic() + wait
    woken = False
    while True:
        content, mark, sent, top, audiences, device = await run_in_threadpool(work, woken)
        remaining = deadline - time.monotonic()
        # Held without a thread or a connection; woken by a commit that reaches this
        # desk's audiences (feed_watch.py).
        if sent or remaining <= 0:
            break
        if not await watch.wait_past(top, remaining, audiences, device):
            break
        woken = True
    headers = {MARK_HEADER: mark}
    if wait:
        headers[WAIT_HEADER] = str(wait)  # this server holds pulls: the desk may rely on it
    return Response(content=content, media_type="application/json", headers=headers)


@router.get("/device", response_model=DeviceInfo)
async def whoami(token: TokenDep, engine: EngineDep) -> Response:
    """Which device this token belongs to (``cxdesk enrol`` checks its token with it)."""

    def work() -> bytes:
        with read_transaction(engine) as conn:
            device = authenticate(conn, token)
            info = DeviceInfo(device=device.id, location=device.location, epoch=current_epoch(conn))
        return info.model_dump_json().encode()  # built once, not validated again on the way out

    return Response(content=await run_in_threadpool(work), media_type="application/json")
