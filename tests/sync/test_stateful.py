"""Three desks going on and offline at random converge with the server and a fresh desk.

A hypothesis state machine makes random staff and sign-in events on three
desks, some of which the server must reject (an actor not on the roster, an
update to someone never enrolled), takes desks off and on line, and syncs them
in any order. At the end everyone syncs, a fresh desk pulls everything, and
all of them hold the same accepted events and the same projection tables.
"""

from __future__ import annotations

import asyncio
import contextlib
import shutil
import tempfile
from pathlib import Path

import httpx
import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, precondition, rule

from cxdesk.errors import ValidationError
from cxdesk.store import customer_commands as cc
from cxdesk.store import open_store
from cxdesk.store.rebuild import verify_store
from cxdesk.sync.client import AsyncSyncClient, SyncUnavailable
from cxdesk.sync.round import sync_round
from cxdesk.sync.server import admin
from cxdesk.sync.server.app import create_app, open_database
from tests import peek

from ..conftest import key_fields_for, keys_for
from ..test_customers_store import ADVISOR, FORM
from .conftest import assert_every_event_signed

DESKS = 3
TABLES = ("staff", "signin_attempts", "locations", "customers", "customer_timeline")
ADDRESSES = ("Flat 3, 12 Mere Road", "4 Station Road", "Room 9, Hope House")
ACCEPTED = (
    "SELECT e.id, e.hash FROM events e LEFT JOIN event_acks a ON a.event_id = e.id "
    "WHERE a.status IS NULL OR a.status != 'rejected' ORDER BY e.id"
)


class Desks(RuleBasedStateMachine):
    @initialize()
    def start(self) -> None:
        self.folder = Path(tempfile.mkdtemp(prefix="cxdesk-stateful-"))
        self.engine = open_database(f"sqlite:///{self.folder / 'central.sqlite3'}")
        self.app = create_app(engine=self.engine, marks_dir=self.folder / "marks")
        admin.add_staff(
            self.engine,
            "ADMIN1",
            name="Ada",
            role="admin",
            locations=["CSC"],
            key_fields=key_fields_for("ADMIN1"),
        )
        admin.add_staff(
            self.engine,
            ADVISOR.staff_id,
            name="Alex",
            role="advisor",
            locations=["CSC"],
            key_fields=key_fields_for(ADVISOR.staff_id),
        )
        self.stores, self.tokens, self.online = [], [], [True] * DESKS
        self.staff: list[list[str]] = [[] for _ in range(DESKS)]
        for i in range(DESKS):
            self._add_desk(f"D-{i}")

    def _add_desk(self, name: str):
        _, token = admin.add_device(self.engine, "CSC", name)
        store = open_store(self.folder / f"{name}.sqlite3", device_id=name, location="CSC")
        # Everyone working here is signed in: every event they make is signed.
        for staff_id in ("ADMIN1", ADVISOR.staff_id):
            store.use_keys(staff_id, keys_for(staff_id))
        self.stores.append(store)
        self.tokens.append(token)
        return len(self.stores) - 1

    def _sync(self, i: int, online: bool = True) -> None:
        async def go():
            if online:
                transport = httpx.ASGITransport(app=self.app)
                client = AsyncSyncClient("http://central", self.tokens[i], transport=transport)
            else:
                client = AsyncSyncClient("http://127.0.0.1:9", self.tokens[i])  # nothing there
            async with client:
                return await sync_round(self.stores[i], client)

        return asyncio.run(go())

    def _staff_event(self, i: int, kind: str, payload: dict, actor: str = "ADMIN1") -> None:
        self.stores[i].record(kind, payload, actor=actor, role="admin")

    @rule(i=st.integers(0, DESKS - 1), n=st.integers(1, 3))
    def failed_signins(self, i: int, n: int) -> None:
        for _ in range(n):
            self.stores[i].record_as_desk("SignInFailed", {"staff_id": "X1", "reason": "wrong"})

    @rule(i=st.integers(0, DESKS - 1), forged=st.booleans())
    def enrol(self, i: int, forged: bool) -> None:
        staff_id = f"S{i}-{len(self.staff[i]) + 1}"
        self.staff[i].append(staff_id)
        payload = {
            "staff_id": staff_id,
            "name": "Sam",
            "role": "advisor",
            "locations": ["CSC"],
            **key_fields_for(staff_id),
        }
        self._staff_event(i, "StaffEnrolled", payload, actor="NOBODY" if forged else "ADMIN1")

    @rule(i=st.integers(0, DESKS - 1), pick=st.integers(0, 50), name=st.sampled_from("ABC"))
    def update(self, i: int, pick: int, name: str) -> None:
        known = self.staff[i]
        staff_id = known[pick % len(known)] if known else f"S{i}-NEVER"
        self._staff_event(i, "StaffUpdated", {"staff_id": staff_id, "name": name})

    @precondition(lambda self: any(self.staff))
    @rule(i=st.integers(0, DESKS - 1), pick=st.integers(0, 50))
    def remove(self, i: int, pick: int) -> None:
        if self.staff[i]:
            staff_id = self.staff[i][pick % len(self.staff[i])]
            self._staff_event(i, "StaffRemoved", {"staff_id": staff_id})

    @rule(i=st.integers(0, DESKS - 1))
    def register_customer(self, i: int) -> None:
        cc.register_customer(self.stores[i], ADVISOR, FORM)

    @rule(i=st.integers(0, DESKS - 1), pick=st.integers(0, 50), address=st.sampled_from(ADDRESSES))
    def change_address(self, i: int, pick: int, address: str) -> None:
        """Desks change the same customer's address, offline or not: feed order decides."""
        known = [r[0] for r in peek.query(self.stores[i], "SELECT customer_id FROM customers")]
        if known:
            with contextlib.suppress(ValidationError):  # "nothing has changed"
                cc.change_customer(
                    self.stores[i], ADVISOR, known[pick % len(known)], {**FORM, "address": address}
                )

    @rule(i=st.integers(0, DESKS - 1))
    def toggle(self, i: int) -> None:
        self.online[i] = not self.online[i]

    @rule(i=st.integers(0, DESKS - 1))
    def sync(self, i: int) -> None:
        if self.online[i]:
            self._sync(i)
        else:
            with pytest.raises(SyncUnavailable):
                self._sync(i, online=False)

    def teardown(self) -> None:
        if not hasattr(self, "stores"):
            return
        try:
            fresh = self._add_desk("D-FRESH")
            for _ in range(2):
                for i in range(len(self.stores)):
                    self._sync(i)
            assert_every_event_signed(self.engine)
            expected = [tuple(r) for r in peek.query(self.stores[fresh], ACCEPTED)]
            for store in self.stores:
                assert [tuple(r) for r in peek.query(store, ACCEPTED)] == expected
                for name in TABLES:
                    mine = sorted(tuple(r) for r in peek.query(store, f"SELECT * FROM {name}"))
                    theirs = sorted(
                        tuple(r) for r in peek.query(self.stores[fresh], f"SELECT * FROM {name}")
                    )
                    assert mine == theirs, name
                assert verify_store(store).ok
                assert (
                    peek.scalar(
                        store,
                        "SELECT COUNT(*) FROM events e LEFT JOIN event_acks a ON a.event_id = e.id "
                        "WHERE a.event_id IS NULL",
                    )
                    == 0
                )
        finally:
            for store in self.stores:
                store.close()
            self.engine.dispose()
            shutil.rmtree(self.folder, ignore_errors=True)


TestDesks = Desks.TestCase
TestDesks.settings = settings(
    max_examples=20,
    stateful_step_count=30,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
