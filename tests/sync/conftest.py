"""Sync test fixtures: a real central API (SQLite or PostgreSQL) and real desk stores.

``server_url`` is parametrised over both databases for the core protocol
tests; each PostgreSQL test has its own database (a copy of a template migrated once
per test process), dropped afterwards.
Desks talk to the in-process app through ``httpx.ASGITransport``.
"""

from __future__ import annotations

import queue
import threading
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from secrets import token_hex

import httpx
import psycopg
import pytest

from cxdesk.store import open_store
from cxdesk.sync.client import AsyncSyncClient
from cxdesk.sync.round import sync_round
from cxdesk.sync.server import admin
from cxdesk.sync.server.app import create_app, open_database
from cxdesk.sync.server.migrations import utc_now_text

from ..conftest import key_fields_for, keys_for

PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/test"
PG_SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432"


def pg_available() -> bool:
    try:
        psycopg.connect(PG_ADMIN, connect_timeout=2).close()
    except psycopg.Error:
        return False
    return True


def create_pg_database(template: str | None = None) -> tuple[str, str]:
    """A new database (a copy of ``template`` if given): its name and URL."""
    name = f"cxdesk_t_{uuid.uuid4().hex[:12]}"
    copy = f' TEMPLATE "{template}"' if template else ""
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"{copy}')
    return name, f"{PG_SERVER}/{name}"


class _Drops:
    """Databases are dropped in a background thread: a drop waits on PostgreSQL's disk,
    the next test need not. ``finish`` (at the end of the session) waits for them all."""

    def __init__(self) -> None:
        self.queue: queue.Queue[str | None] = queue.Queue()
        self.thread: threading.Thread | None = None

    def put(self, name: str) -> None:
        if self.thread is None:
            self.thread = threading.Thread(target=self._run, name="drop-databases", daemon=True)
            self.thread.start()
        self.queue.put(name)

    def _run(self) -> None:
        while (name := self.queue.get()) is not None:
            _drop_now(name)

    def finish(self) -> None:
        if self.thread is not None:
            self.queue.put(None)
            self.thread.join(timeout=300)
            self.thread = None


_drops = _Drops()


def _drop_now(name: str) -> None:
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def drop_pg_database(name: str) -> None:
    """Drop a test's database (soon, in the background; surely by the end of the session)."""
    _drops.put(name)


@pytest.fixture(scope="session", autouse=True)
def _finish_drops():
    yield
    _drops.finish()


@pytest.fixture(scope="session")
def pg_template():
    """A database migrated once per test process, never used itself: each test's database
    is a copy of it (``CREATE DATABASE ... TEMPLATE``), which is much quicker than
    building the schema again."""
    if not pg_available():
        pytest.skip("PostgreSQL is not available on 127.0.0.1:5432")
    name, url = create_pg_database()
    open_database(url).dispose()  # no connection left: a template must have none
    yield name
    _drop_now(name)


def _new_identity(name: str) -> None:
    """Give a copy of the template an identity of its own, as building it would have."""
    now = utc_now_text()
    with psycopg.connect(f"postgresql://postgres@127.0.0.1:5432/{name}", autocommit=True) as conn:
        conn.execute(
            "UPDATE server_meta SET value = %s WHERE key = 'database_id'", (token_hex(16),)
        )
        conn.execute(
            "UPDATE epochs SET epoch = %s, started_at = %s WHERE number = 1",
            (token_hex(16), now),
        )
        conn.execute("UPDATE devices SET created_at = %s WHERE id = 'central'", (now,))
        conn.execute("UPDATE schema_version SET applied_at = %s", (now,))


@pytest.fixture
def empty_pg_url():
    """A fresh, empty PostgreSQL database for one test, dropped afterwards."""
    if not pg_available():
        pytest.skip("PostgreSQL is not available on 127.0.0.1:5432")
    name, url = create_pg_database()
    yield url
    drop_pg_database(name)


@pytest.fixture
def pg_url(pg_template):
    """A fresh PostgreSQL database for one test, with the schema in place (and its own
    ``database_id`` and first epoch), dropped afterwards."""
    name, url = create_pg_database(template=pg_template)
    _new_identity(name)
    yield url
    drop_pg_database(name)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def server_url(request, tmp_path):
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'central.sqlite3'}"
    else:
        yield request.getfixturevalue("pg_url")


def assert_every_event_signed(engine) -> None:
    """Every person's event on the server is signed, and none was refused for its signature."""
    from sqlalchemy import text

    with engine.connect() as conn:
        unsigned = conn.execute(
            text(
                "SELECT COUNT(*) FROM events WHERE actor != 'desk' AND device != 'central' "
                "AND signature IS NULL"
            )
        ).scalar()
        refused = conn.execute(
            text(
                "SELECT reason FROM rejected_events WHERE reason LIKE '%signature%' "
                "OR reason LIKE 'unsigned%' OR reason LIKE '%signing key%'"
            )
        ).all()
    assert unsigned == 0 and not refused, refused


class EveryoneSignedIn(dict):
    """A store's signer slot in which every staff id has its test keys (``keys_for``)
    unless a test gives them others (``use_keys``)."""

    def get(self, staff_id, default=None):
        return super().get(staff_id) or keys_for(staff_id)


@dataclass
class Desk:
    name: str
    store: object
    client: AsyncSyncClient
    token: str
    central: object = None

    async def sync(self):
        return await sync_round(self.store, self.client)

    def record_failed_signin(self, staff_id: str = "Z9001", reason: str = "wrong passcode"):
        """A failed sign-in (by default for an id nobody holds, so any desk may record it)."""
        return self.store.record_as_desk("SignInFailed", {"staff_id": staff_id, "reason": reason})

    def enrol_staff(self, staff_id: str, role: str = "advisor"):
        """Put someone working at this desk's location on the roster, as ``cxdesk admin`` does."""
        admin.add_staff(
            self.central.engine,
            staff_id,
            name=f"Staff {staff_id}",
            role=role,
            locations=[self.store.location],
            key_fields=key_fields_for(staff_id),
        )

    def forge_staff(self, staff_id: str, role: str = "advisor", actor: str = "ADMIN1"):
        """A roster change made on the desk itself: the server must refuse it."""
        return self.store.record(
            "StaffEnrolled",
            {
                "staff_id": staff_id,
                "name": f"Staff {staff_id}",
                "role": role,
                "locations": [self.store.location],
                **key_fields_for(staff_id),
            },
            actor=actor,
            role="admin",
        )


@dataclass
class Central:
    engine: object
    app: object
    folder: Path
    desks: list[Desk] = field(default_factory=list)

    def transport(self) -> httpx.ASGITransport:
        return httpx.ASGITransport(app=self.app)

    def client(self, token: str | None) -> AsyncSyncClient:
        return AsyncSyncClient("http://central", token, transport=self.transport())

    def desk(self, name: str, location: str = "CSC", *, signed: bool = True) -> Desk:
        """A desk enrolled here; unless ``signed`` is False, everyone is signed in at it
        (each person's events carry their test key's signature, as a real session's do)."""
        device_id, token = admin.add_device(self.engine, location, device_id=name)
        store = open_store(self.folder / f"{name}.sqlite3", device_id=device_id, location=location)
        if signed:
            store._keys = EveryoneSignedIn()
        desk = Desk(name, store, self.client(token), token, self)
        self.desks.append(desk)
        return desk

    def define_location(self, location_id: str, kind: str = "hub") -> None:
        """A ``LocationDefined`` from the server (a back office receives team referrals)."""
        from cxdesk.sync.server.central import record_one
        from cxdesk.sync.server.db import write_transaction

        with write_transaction(self.engine) as conn:
            record_one(
                conn,
                "LocationDefined",
                {"location_id": location_id, "name": location_id, "kind": kind},
            )

    def fresh_store(self, name: str = "FRESH", location: str = "CSC"):
        return self.desk(name, location)


@pytest.fixture
def central(server_url, tmp_path):
    """The central API with admin ADMIN1 on its roster."""
    engine = open_database(server_url)
    app = create_app(engine=engine, marks_dir=tmp_path / "marks")
    admin.add_staff(
        engine,
        "ADMIN1",
        name="Ada Admin",
        role="admin",
        locations=["CSC"],
        key_fields=key_fields_for("ADMIN1"),
    )
    c = Central(engine, app, tmp_path)
    yield c
    for desk in c.desks:
        desk.store.close()
    engine.dispose()
