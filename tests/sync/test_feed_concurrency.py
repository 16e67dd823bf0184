"""The feed never skips: 8 concurrent pushers and 4 concurrent pullers on PostgreSQL.

Each pusher is its own device on its own HTTP connection, pushing small
batches so that many push transactions interleave. Each puller pages through
the feed while the pushes happen, moving its cursor to the last event it saw.
If a later ``server_seq`` could ever commit before an earlier one, a puller
would move past the earlier one and never see it; every puller must end with
every event exactly once, in order.
"""

from __future__ import annotations

import threading
import time

import httpx
import pytest

from cxdesk.events.envelope import GENESIS, Event, HybridClock, chain_hash, new_event_id
from cxdesk.events.envelope import payload_digest as digest
from cxdesk.sync.server import admin
from cxdesk.sync.server.access import Limit
from cxdesk.sync.server.app import create_app, open_database

from .helpers import ThreadServer

PUSHERS, PULLERS, EVENTS_EACH, BATCH = 8, 4, 240, 8


def chained_events(device: str, count: int, location: str = "CSC") -> list[Event]:
    """``count`` valid desk-authored events on ``device``'s chain (no store needed)."""
    clock, prev, out = HybridClock(device), GENESIS, []
    for seq in range(1, count + 1):
        payload = {"staff_id": "A1001", "reason": f"try {seq}"}
        fields = {
            "id": new_event_id(),
            "kind": "SignInFailed",
            "payload_digest": digest(payload),
            "actor": "desk",
            "device": device,
            "location": location,
            "device_seq": seq,
            "hlc": clock.now(),
            "prev_hash": prev,
        }
        event = Event(payload=payload, hash=chain_hash(**fields), **fields)
        out.append(event)
        prev = event.hash
    return out


def push_body(device: str, events: list[Event]) -> bytes:
    inner = ",".join(e.model_dump_json() for e in events)
    return f'{{"device":"{device}","events":[{inner}]}}'.encode()


def client(url: str, token: str) -> httpx.Client:
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    return httpx.Client(base_url=url, timeout=60, headers=headers)


@pytest.mark.postgres
def test_feed_never_skips_under_concurrency(pg_url, tmp_path):
    engine = open_database(pg_url, pool_size=20)
    # Pullers poll flat out on pushers' tokens: that is this test's load, not abuse, so the
    # sync routes' rate limits (tested in test_access.py) are lifted here.
    unlimited = Limit(rate=1e9, burst=10**9)
    app = create_app(
        engine=engine,
        marks_dir=tmp_path / "marks",
        limits={"per_token": unlimited, "per_address": unlimited},
    )
    devices = [admin.add_device(engine, "CSC", f"D-P{i}") for i in range(PUSHERS)]
    total = PUSHERS + PUSHERS * EVENTS_EACH  # one DeviceEnrolled per device, then theirs
    pushing = threading.Semaphore(0)
    errors: list[BaseException] = []
    seen: list[list[tuple[int, str]]] = [[] for _ in range(PULLERS)]
    start = threading.Barrier(PUSHERS + PULLERS)

    with ThreadServer(app) as server:

        def pusher(device: str, token: str) -> None:
            try:
                events = chained_events(device, EVENTS_EACH)
                with client(server.url, token) as http:
                    start.wait()
                    for i in range(0, len(events), BATCH):
                        chunk = push_body(device, events[i : i + BATCH])
                        r = http.post("/v1/sync/push", content=chunk)
                        assert r.status_code == 200, r.text
                        assert {x["status"] for x in r.json()["results"]} == {"accepted"}
            except BaseException as exc:  # reported below
                errors.append(exc)
            finally:
                pushing.release()

        done = [0]
        done_lock = threading.Lock()

        def all_pushed() -> bool:
            with done_lock:
                while pushing.acquire(blocking=False):
                    done[0] += 1
                return done[0] == PUSHERS

        def puller(index: int) -> None:
            try:
                token = devices[index][1]
                with client(server.url, token) as http:
                    start.wait()
                    cursor, deadline, finished = 0, time.monotonic() + 120, False
                    while time.monotonic() < deadline:
                        # Read "all pushers done" BEFORE the page: then an empty page is the end.
                        finished = finished or all_pushed()
                        page = http.get("/v1/sync/pull", params={"after": cursor, "limit": 37})
                        assert page.status_code == 200, page.text
                        body = page.json()
                        seen[index] += [(e["server_seq"], e["id"]) for e in body["events"]]
                        cursor = body["next"]
                        if finished and not body["events"]:
                            break
            except BaseException as exc:
                errors.append(exc)

        threads = [threading.Thread(target=pusher, args=d) for d in devices]
        threads += [threading.Thread(target=puller, args=(i,)) for i in range(PULLERS)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=180)
    engine.dispose()
    assert not errors, errors[0]
    for got in seen:
        assert [s for s, _ in got] == list(range(1, total + 1))
        assert len({i for _, i in got}) == total
    assert seen[0] == seen[1] == seen[2] == seen[3]
