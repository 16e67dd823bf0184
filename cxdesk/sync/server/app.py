"""The central API's application factory.

``create_app`` opens (and migrates) the database when the app starts, checks
whether it was restored from a backup (a new epoch if so), and keeps the engine
on ``app.state``. Nothing touches a database at import time.
"""

from __future__ import annotations

from contextlib import asynccontextmanager
from pathlib import Path

import psycopg
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from sqlalchemy import Engine
from sqlalchemy.exc import OperationalError

from cxdesk import __version__
from cxdesk.events import load_all
from cxdesk.sync.server.access import AccessControl
from cxdesk.sync.server.db import make_engine, read_transaction
from cxdesk.sync.server.deps import KnownTokens, LastAudiences
from cxdesk.sync.server.epochs import HeadMarks, check_restored, database_id
from cxdesk.sync.server.feed_watch import FeedWatch
from cxdesk.sync.server.migrations import migrate
from cxdesk.sync.server.routes import customers, health, supervisor, sync
from cxdesk.sync.server.signing import SeenProofs, ensure_key


def open_database(db_url: str, *, pool_size: int = 10) -> Engine:
    """An engine for ``db_url`` with the schema brought up to date."""
    engine = make_engine(db_url, pool_size=pool_size)
    migrate(engine)
    return engine


def create_app(
    db_url: str | None = None,
    *,
    engine: Engine | None = None,
    marks_dir: Path | None = None,
    limits: dict | None = None,
    read_db_url: str | None = None,
    read_engine: Engine | None = None,
) -> FastAPI:
    """The central API over ``db_url`` (opened at startup) or ``engine`` (prepared now).

    Given an engine, the caller owns it (tests use this with ``httpx.ASGITransport``,
    which does not run lifespan events). ``read_db_url`` or ``read_engine``: a read
    replica of the same database that may serve pulls (``replica.py``).
    """
    if engine is None and db_url is None:
        raise ValueError("create_app needs db_url or engine")

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        own = not hasattr(app.state, "engine")
        if own:
            assert db_url is not None  # checked above: without an engine there is a URL
            replica = make_engine(read_db_url) if read_db_url else None
            prepare(app, make_engine(db_url), marks_dir, replica)
        try:
            yield
        finally:
            app.state.feed_watch.close()
            if own:
                app.state.engine.dispose()
                if app.state.read_engine is not None:
                    app.state.read_engine.dispose()

    app = FastAPI(
        title="cxdesk central API",
        version=__version__,
        description="Sync for cxdesk desks: push a desk's events, pull the feed.",
        lifespan=lifespan,
    )
    # Access log, refusal counts and rate limits (``limits``: per_token / per_address).
    app.add_middleware(AccessControl, **(limits or {}))
    app.add_exception_handler(OperationalError, _database_unavailable)
    app.add_exception_handler(psycopg.OperationalError, _database_unavailable)
    app.include_router(health.router)
    app.include_router(sync.router)
    app.include_router(customers.router)
    app.include_router(supervisor.router)
    _add_push_components(app)
    if engine is not None:
        prepare(app, engine, marks_dir, read_engine)
    return app


DATABASE_RETRY_SECONDS = 5


async def _database_unavailable(_request: Request, _exc: Exception) -> JSONResponse:
    """503 with a reason when the database fails under a request (restarted, busy, gone).

    Pooled connections are pinged only after sitting idle (``db.PING_AFTER_IDLE``), so a
    database restart meets the next request on each busy connection here; the desk takes
    a 5xx as "try again" and its work stays queued. The exception's own text (a host, a
    path) is not sent.
    """
    return JSONResponse(
        status_code=503,
        content={
            "detail": {
                "code": "database",
                "message": "The central database did not answer; try again shortly.",
            }
        },
        headers={"Retry-After": str(DATABASE_RETRY_SECONDS)},
    )


def prepare(
    app: FastAPI, engine: Engine, marks_dir: Path | None, read_engine: Engine | None = None
) -> None:
    """Migrate, learn the database's identity, and look for a restore; state on ``app``.

    The replica (``read_engine``) is never migrated or written: it follows the primary.
    """
    load_all()
    migrate(engine)
    app.state.engine = engine
    app.state.read_engine = read_engine
    app.state.marks = HeadMarks(marks_dir)
    with read_transaction(engine) as conn:
        app.state.database_id = database_id(conn)
    app.state.new_epoch = check_restored(engine, app.state.marks)
    app.state.signing_key = ensure_key(engine)
    app.state.seen_proofs = SeenProofs()
    app.state.known_tokens = KnownTokens()
    app.state.last_audiences = LastAudiences()
    app.state.feed_watch = FeedWatch(engine)


def app_from_env() -> FastAPI:
    """The app for ``uvicorn --factory`` worker processes (``cxdesk serve --workers N``)."""
    import os

    marks = os.environ.get("CXDESK_SERVER_MARKS")
    return create_app(
        os.environ["CXDESK_SERVER_DB"],
        marks_dir=Path(marks) if marks else None,
        read_db_url=os.environ.get("CXDESK_SERVER_READ_DB") or None,
    )


def _add_push_components(app: FastAPI) -> None:
    """Put the push body's nested models into the OpenAPI components it refers to."""
    build = app.openapi

    def openapi() -> dict:
        if app.openapi_schema is None:
            schema = build()
            schemas = schema.setdefault("components", {}).setdefault("schemas", {})
            for name, definition in sync.PUSH_COMPONENTS.items():
                schemas.setdefault(name, definition)
            app.openapi_schema = schema  # build() kept it already; said here for the reader
        return app.openapi_schema

    app.openapi = openapi
