"""Sync benchmarks on loopback, each printed beside a baseline: figure, baseline, ratio.

1. push 10,000 events signed by an advisor (``push_workload``: views, wrap-ups,
   referrals) from one desk to the central API on PostgreSQL, beside the floor
   the signatures set: verifying the same signatures in a bare loop (PyNaCl; and
   in two threads) plus inserting the same rows directly (executemany);
2. a fresh desk pulling 100,000 events and building its projections, beside
   reading the same rows from PostgreSQL directly;
3. sync rounds (push one event, pull) with 50 simulated desks, beside a bare
   FastAPI endpoint answering two requests per round, run in between: flat out
   (rounds per second, p50/p99 latency, the server's CPU per round: the steadiest
   figure on a shared machine), then one round per desk every 2 s (p50/p99).

Run alone: ``python bench/bench_sync.py [--quick]``. Needs PostgreSQL on
127.0.0.1:5432; makes and drops its own databases; servers are subprocesses
on 127.0.0.1. Every loop is bounded in count and time.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402
import psycopg  # noqa: E402

from tests import peek  # noqa: E402

PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/test"
BARE_APP = """
from fastapi import FastAPI
app = FastAPI()
@app.get("/ping")
def ping():
    return {"ok": True}
"""


def line(label: str, figure: float, baseline: float, unit: str) -> None:
    ratio = figure / baseline if baseline else float("nan")
    print(
        f"{label:<44} {figure:>10.1f} {unit:<8} baseline {baseline:>10.1f} {unit:<8} "
        f"ratio {ratio:.2f}"
    )


class Database:
    def __init__(self) -> None:
        self.name = f"cxdesk_bench_{uuid.uuid4().hex[:10]}"
        self.url = f"postgresql+psycopg://postgres@127.0.0.1:5432/{self.name}"
        self.plain = f"postgresql://postgres@127.0.0.1:5432/{self.name}"

    def __enter__(self) -> Database:
        with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{self.name}"')
        return self

    def __exit__(self, *exc) -> None:
        with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_healthy(url: str, path: str, proc: subprocess.Popen) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            if httpx.get(url + path, timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.05)
    raise RuntimeError(f"server at {url} did not start")


class Server:
    """``cxdesk serve`` (or the bare app) in a subprocess on loopback."""

    def __init__(self, db_url: str | None, data_dir: Path, workers: int = 1) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = dict(os.environ, CXDESK_DATA_DIR=str(data_dir), PYTHONPATH=str(data_dir))
        if db_url is None:
            (data_dir / "bare_app.py").write_text(BARE_APP)
            args = [
                sys.executable,
                "-m",
                "uvicorn",
                "bare_app:app",
                "--port",
                str(self.port),
                "--host",
                "127.0.0.1",
                "--log-level",
                "warning",
            ]
            path = "/ping"
        else:
            args = [
                sys.executable,
                "-m",
                "cxdesk",
                "serve",
                "--port",
                str(self.port),
                "--db",
                db_url,
                "--workers",
                str(workers),
            ]
            path = "/health"
        self.proc = subprocess.Popen(args, env=env, cwd=ROOT, stderr=subprocess.DEVNULL)
        wait_healthy(self.url, path, self.proc)

    def close(self) -> None:
        self.proc.terminate()
        self.proc.wait(timeout=30)


def make_desk(engine, folder: Path, name: str, url: str):
    from cxdesk.config import load_settings
    from cxdesk.store import open_store
    from cxdesk.sync.desk import enrol_desk
    from cxdesk.sync.server import admin

    _, token = admin.add_device(engine, "CSC", name)
    settings = load_settings(data_dir=folder / name)
    store = open_store(settings.store_path)
    enrol_desk(settings, store, url, token)
    return settings, store, token


async def timed_round(settings, store) -> tuple[float, float]:
    """Seconds a sync round took, and the CPU seconds this process (the desk) spent on it."""
    from cxdesk.sync.desk import make_client
    from cxdesk.sync.round import sync_round

    async with make_client(settings, store) as client:
        start, cpu = time.perf_counter(), time.process_time()
        report = await sync_round(store, client)
        took, cpu = time.perf_counter() - start, time.process_time() - cpu
    assert report.counts.rejected == 0
    return took, cpu


def verify_loop(pairs: list[tuple[bytes, bytes, bytes]]) -> None:
    """The floor: each signature checked by libsodium, nothing else (PyNaCl)."""
    from nacl.bindings import crypto_sign_open

    for key, message, signature in pairs:
        crypto_sign_open(signature + message, key)


def push_baselines(db: Database, rows: list[tuple], keys: dict[str, str]) -> dict[str, float]:
    """Seconds to verify the pushed events' signatures and insert their rows directly.

    ``rows`` are the desk's event rows as pushed; ``keys`` each signer's public key.
    The same signatures are verified in a bare loop (one core) and in a pool of two
    threads (libsodium releases the GIL), then the rows go in by one executemany.
    """
    from concurrent.futures import ThreadPoolExecutor

    from cxdesk.domain.staff_keys import EVENT_PREFIX

    pairs = [
        (bytes.fromhex(keys[r[4]]), EVENT_PREFIX + r[10].encode(), bytes.fromhex(r[11]))
        for r in rows
    ]
    start = time.perf_counter()
    verify_loop(pairs)
    loop = time.perf_counter() - start
    half = len(pairs) // 2
    with ThreadPoolExecutor(2) as pool:
        start = time.perf_counter()
        list(pool.map(verify_loop, [pairs[:half], pairs[half:]]))
        pooled = time.perf_counter() - start
    with psycopg.connect(db.plain) as conn:
        conn.execute(
            "CREATE TABLE direct_events (server_seq BIGINT PRIMARY KEY, id TEXT UNIQUE, "
            "kind TEXT, payload TEXT, payload_digest TEXT, actor TEXT, device TEXT, "
            "location TEXT, device_seq BIGINT, hlc TEXT, prev_hash TEXT, hash TEXT, "
            "signature TEXT)"
        )
        start = time.perf_counter()
        with conn.cursor() as cur:
            cur.executemany(
                "INSERT INTO direct_events VALUES (%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s)",
                [(i + 1, *tuple(r)) for i, r in enumerate(rows)],
            )
        conn.commit()
        insert = time.perf_counter() - start
    return {"verify": loop, "verify_pool": pooled, "insert": insert}


async def post_bodies(settings, store, bodies: list[bytes]) -> float:
    """Seconds for the desk's push requests, one after another, as a sync round sends them."""
    from cxdesk.sync.desk import make_client

    async with make_client(settings, store) as client:
        start = time.perf_counter()
        for body in bodies:
            response = await client.push(body)
            assert all(r.status == "accepted" for r in response.results), response.results[:3]
        return time.perf_counter() - start


def count_round_trips(trace: str) -> int:
    """Round trips in a libpq trace: each time the client waits for the server's answer
    (a run of frontend messages followed by the backend's)."""
    trips, last = 0, ""
    for entry in trace.splitlines():
        side = entry.split("\t", 1)[0]
        if side == "B" and last == "F":
            trips += 1
        if side in ("F", "B"):
            last = side
    return trips


def traced_push(engine, folder: Path, token: str, body: bytes) -> tuple[int, int]:
    """(round trips, SQL statements) of one push request, served in process.

    Every PostgreSQL connection the request uses is traced by libpq
    (``PQtrace``), so COPY, BEGIN, COMMIT and the pool's ping count too.
    """
    from sqlalchemy import event

    from cxdesk.sync.server.app import create_app

    app = create_app(engine=engine, marks_dir=folder / "traced-marks")
    statements = 0
    trace_path = folder / "pq.trace"
    with trace_path.open("w") as sink:

        def on_checkout(dbapi_conn, _record, _proxy) -> None:
            dbapi_conn.pgconn.trace(sink.fileno())
            dbapi_conn.pgconn.set_trace_flags(psycopg.pq.Trace.SUPPRESS_TIMESTAMPS)

        def on_checkin(dbapi_conn, _record) -> None:
            dbapi_conn.pgconn.untrace()

        def on_execute(*_args) -> None:
            nonlocal statements
            statements += 1

        async def post() -> None:
            transport = httpx.ASGITransport(app=app)
            headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
            async with httpx.AsyncClient(
                transport=transport, base_url="http://bench", headers=headers
            ) as http:
                answer = await http.post("/v1/sync/push", content=body)
                answer.raise_for_status()
                assert all(r["status"] == "accepted" for r in answer.json()["results"])

        event.listen(engine, "checkout", on_checkout)
        event.listen(engine, "checkin", on_checkin)
        event.listen(engine, "before_cursor_execute", on_execute)
        try:
            asyncio.run(post())
        finally:
            event.remove(engine, "checkout", on_checkout)
            event.remove(engine, "checkin", on_checkin)
            event.remove(engine, "before_cursor_execute", on_execute)
            app.state.feed_watch.close()
    return count_round_trips(trace_path.read_text()), statements


def bench_push(db: Database, folder: Path, count: int) -> None:
    """Push ``count`` events signed by an advisor (``push_workload``) through ``cxdesk serve``."""
    from bench.push_workload import PASSCODE, fill_outbox, prepare_server
    from cxdesk.domain import staff_keys as sk
    from cxdesk.store.eventlog import EVENT_COLUMNS
    from cxdesk.sync import apply
    from cxdesk.sync.protocol import MAX_PUSH_EVENTS
    from cxdesk.sync.server.app import open_database

    engine = open_database(db.url)
    keys = sk.enrol_keys(PASSCODE)
    prepare_server(engine, keys)
    server = Server(db.url, folder / "srv")
    try:
        settings, store, token = make_desk(engine, folder, "D-PUSH", server.url)
        fill_outbox(store, keys, count)
        bodies, from_seq = [], 1
        while (batch := apply.outbox_batch(store, from_seq=from_seq)).count:
            bodies.append(batch.body)
            from_seq = batch.last_seq + 1
        took = asyncio.run(post_bodies(settings, store, bodies))
        rows = peek.query(store, f"SELECT {EVENT_COLUMNS} FROM events WHERE device = 'D-PUSH'")
        # One more full push, served in process with every PostgreSQL message traced.
        fill_outbox(store, keys, MAX_PUSH_EVENTS)
        extra = apply.outbox_batch(store, from_seq=from_seq)
        trips, statements = traced_push(engine, folder, token, extra.body)
        store.close()
    finally:
        server.close()
        engine.dispose()
    base = push_baselines(db, rows, {r[4]: keys.public_key for r in rows})
    floor = count / (base["verify"] + base["insert"])
    pooled = count / (base["verify_pool"] + base["insert"])
    line(f"push {count} signed events (events/s)", count / took, floor, "ev/s")
    line("  beside verify in 2 threads + executemany", count / took, pooled, "ev/s")
    print(
        f"    PostgreSQL round trips per push of {MAX_PUSH_EVENTS} events: {trips} "
        f"({statements} SQL statements, plus COPY, BEGIN, COMMIT)"
    )
    print(
        f"    push took {took:.2f} s in {len(bodies)} requests; baseline: verify "
        f"{base['verify']:.2f} s (2 threads {base['verify_pool']:.2f} s) + executemany "
        f"{base['insert']:.2f} s"
    )


def bench_pull(db: Database, folder: Path, count: int) -> None:
    from cxdesk.events.envelope import GENESIS, Event, HybridClock, chain_hash, new_event_id
    from cxdesk.events.envelope import payload_digest as digest
    from cxdesk.sync.server import admin
    from cxdesk.sync.server.app import open_database
    from cxdesk.sync.server.db import write_transaction
    from cxdesk.sync.server.push import apply_push

    engine = open_database(db.url)
    admin.add_device(engine, "CSC", "D-SRC")
    clock, prev, batch, seq = HybridClock("D-SRC"), GENESIS, [], 0
    for seq in range(1, count + 1):  # fill the server directly (not what is measured)
        payload = {"staff_id": "A1001", "reason": f"try {seq}"}
        fields = {
            "id": new_event_id(),
            "kind": "SignInFailed",
            "payload_digest": digest(payload),
            "actor": "desk",
            "device": "D-SRC",
            "location": "CSC",
            "device_seq": seq,
            "hlc": clock.now(),
            "prev_hash": prev,
        }
        event = Event(payload=payload, hash=chain_hash(**fields), **fields)
        prev = event.hash
        batch.append(event)
        if len(batch) == 500 or seq == count:
            with write_transaction(engine) as conn:
                apply_push(conn, "D-SRC", batch)
            batch = []
    server = Server(db.url, folder / "srv2")
    try:
        settings, store, _ = make_desk(engine, folder, "D-PULL", server.url)
        took, cpu = asyncio.run(timed_round(settings, store))
        held = peek.scalar(store, "SELECT COUNT(*) FROM signin_attempts")
        store.close()
    finally:
        server.close()
        engine.dispose()
    assert held >= count, held
    with psycopg.connect(db.plain) as conn:
        start = time.perf_counter()
        got = 0
        with conn.cursor() as cur:
            cur.execute("SELECT * FROM events ORDER BY server_seq")
            while rows := cur.fetchmany(1000):
                got += len(rows)
        direct = time.perf_counter() - start
    line(f"fresh desk pulls {count} events (events/s)", count / took, got / direct, "ev/s")
    print(
        f"    pull + projections took {took:.2f} s; reading the rows directly {direct:.2f} s; "
        f"the desk's CPU {cpu * 1e6 / count:.0f} us an event (the server is another process)"
    )


TICKS = os.sysconf("SC_CLK_TCK")


def tree_cpu_seconds(pid: int) -> float:
    """User + system CPU of a process and its children (``--workers N``), from ``/proc``."""

    def stat(p: int) -> list[str] | None:
        try:
            return Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            return None

    total = 0.0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        fields = stat(int(entry.name))
        if fields is not None and (int(entry.name) == pid or int(fields[1]) == pid):
            total += (int(fields[11]) + int(fields[12])) / TICKS
    return total


async def _round_trips(
    url: str, desks: list[tuple[str, str, list]], rounds: int, bare: bool, every: float = 0.0
) -> tuple[float, list[float]]:
    """Rounds per second and each round's latency: push one event then pull, per desk.

    ``every``: one round per desk every so many seconds (at a random phase), else
    flat out. The bare app answers two GETs per round instead.
    """
    latencies: list[float] = []
    deadline = time.monotonic() + 120 + rounds * every
    rng = random.Random(2)

    async def desk(name: str, token: str, events: list) -> None:
        headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
        async with httpx.AsyncClient(base_url=url, headers=headers, timeout=60) as http:
            await asyncio.sleep(rng.uniform(0, every))
            cursor = 0
            for i in range(rounds):
                if time.monotonic() > deadline:
                    return
                start = time.perf_counter()
                if bare:
                    (await http.get("/ping")).raise_for_status()
                    (await http.get("/ping")).raise_for_status()
                else:
                    body = f'{{"device":"{name}","events":[{events[i].model_dump_json()}]}}'
                    (await http.post("/v1/sync/push", content=body)).raise_for_status()
                    page = await http.get("/v1/sync/pull", params={"after": cursor, "limit": 1000})
                    page.raise_for_status()
                    cursor = page.json()["next"]
                took = time.perf_counter() - start
                latencies.append(took)
                if every:
                    await asyncio.sleep(max(0.0, every - took))

    start = time.perf_counter()
    await asyncio.gather(*(desk(*d) for d in desks))
    return len(latencies) / (time.perf_counter() - start), latencies


def _enrolled_desks(db: Database, desks: int, rounds: int, prefix: str) -> list[tuple]:
    from cxdesk.sync.server import admin
    from cxdesk.sync.server.app import open_database
    from tests.sync.test_feed_concurrency import chained_events

    engine = open_database(db.url)
    setup = []
    for i in range(desks):
        name = f"D-{prefix}{i}"
        _, token = admin.add_device(engine, "CSC", name)
        setup.append((name, token, chained_events(name, rounds)))
    engine.dispose()
    return setup


def _run(server: Server, setup, rounds: int, bare: bool, every: float = 0.0):
    """(rounds per second, latencies, the server's CPU seconds per round)."""
    try:
        cpu = tree_cpu_seconds(server.proc.pid)
        rate, lat = asyncio.run(_round_trips(server.url, setup, rounds, bare, every))
        cpu = tree_cpu_seconds(server.proc.pid) - cpu
    finally:
        server.close()
    return rate, lat, cpu / max(1, len(lat))


def _quantile(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100)[int(q * 100) - 1] * 1000


def bench_round_trips(
    db: Database,
    folder: Path,
    desks: int,
    rounds: int,
    workers: int = 1,
    paced: int = 10,
    every: float = 2.0,
) -> None:
    """50 desks flat out, then the same desks one round every ``every`` s (``paced`` rounds,
    on a fresh database), each beside a bare FastAPI app run in between."""
    sys.path.insert(0, str(ROOT / "tests"))
    setup = _enrolled_desks(db, desks, rounds, "RT")
    rate, lat, cpu = _run(Server(db.url, folder / "srv3", workers=workers), setup, rounds, False)
    bare_rate, bare_lat, bare_cpu = _run(Server(None, folder), setup, rounds, True)
    print(f"    central API with {workers} process(es); bare FastAPI with 1")
    line(f"{desks} desks: sync round trips per second", rate, bare_rate, "rt/s")
    for q, label in ((0.5, "p50"), (0.99, "p99")):
        line(
            f"{desks} desks: round trip latency {label}",
            _quantile(lat, q),
            _quantile(bare_lat, q),
            "ms",
        )
    line(f"{desks} desks: server CPU per round", cpu * 1000, bare_cpu * 1000, "ms")
    push, pull, empty = round_trips_per_request(db, "CSC")
    print(
        f"    PostgreSQL round trips per push {push:.1f}, per pull {pull:.1f}, per pull with "
        f"nothing past its cursor {empty:.1f} (libpq's trace: BEGIN, COMMIT, COPY, pings too)"
    )
    if not paced:
        return
    with Database() as fresh:
        setup = _enrolled_desks(fresh, desks, paced, "PACE")
        server = Server(fresh.url, folder / "srv4", workers=workers)
        _rate, lat, cpu = _run(server, setup, paced, False, every)
    _rate, bare_lat, bare_cpu = _run(Server(None, folder), setup, paced, True, every)
    for q, label in ((0.5, "p50"), (0.99, "p99")):
        line(
            f"{desks} desks, a round every {every:.0f} s: {label}",
            _quantile(lat, q),
            _quantile(bare_lat, q),
            "ms",
        )


def round_trips_per_request(db: Database, location: str) -> tuple[float, float, float]:
    """PostgreSQL round trips per push, per pull (wait=0) and per pull (wait=0) finding
    nothing past its cursor (it sends the page's first look with its first statement; a
    held pull's first look does not), counted over the real app on ``db``: every
    connection the engine opens is traced by libpq (``count_round_trips``), so BEGIN,
    COMMIT, COPY and a pool ping count whenever they happen."""
    import warnings

    warnings.filterwarnings("ignore", message=".*httpx2")  # starlette's note about httpx
    from fastapi.testclient import TestClient
    from sqlalchemy import event

    from cxdesk.sync.server import admin
    from cxdesk.sync.server.app import create_app, open_database
    from tests.sync.test_feed_concurrency import chained_events

    engine = open_database(db.url)
    engine.dispose()  # from here on every connection is a traced one
    with tempfile.TemporaryDirectory(prefix="cxdesk-trace-") as tmp:
        trace = Path(tmp) / "pq.trace"
        sink = trace.open("w")

        @event.listens_for(engine, "connect")
        def _traced(dbapi_conn, _record) -> None:
            dbapi_conn.pgconn.trace(sink.fileno())
            dbapi_conn.pgconn.set_trace_flags(psycopg.pq.Trace.SUPPRESS_TIMESTAMPS)

        def trips_since(start: int) -> int:
            sink.flush()
            with trace.open() as source:
                source.seek(start)
                return count_round_trips(source.read())

        def end() -> int:
            sink.flush()
            return trace.stat().st_size

        name, token = admin.add_device(engine, location, "D-TRIPS")
        events = chained_events(name, 21, location=location)
        app = create_app(engine=engine)
        headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
        pushes = pulls = empty = 0
        with TestClient(app, headers=headers) as http:
            cursor = 0
            for i, ev in enumerate(events):
                body = f'{{"device":"{name}","events":[{ev.model_dump_json()}]}}'
                start = end()
                http.post("/v1/sync/push", content=body).raise_for_status()
                trips = trips_since(start)
                if i:  # the first push and pull warm caches (proofs seen, prepared state)
                    pushes += trips
                start = end()
                page = http.get("/v1/sync/pull", params={"after": cursor})
                page.raise_for_status()
                cursor = page.json()["next"]
                trips = trips_since(start)
                if i:
                    pulls += trips
                start = end()
                http.get("/v1/sync/pull", params={"after": cursor}).raise_for_status()
                trips = trips_since(start)
                if i:
                    empty += trips
        engine.dispose()
        sink.close()
    n = len(events) - 1
    return pushes / n, pulls / n, empty / n


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a tenth of the sizes")
    parser.add_argument("--only", choices=["push", "pull", "rt"], default=None)
    parser.add_argument("--workers", type=int, default=1, help="API processes for the rt test")
    args = parser.parse_args()
    scale = 10 if args.quick else 1
    with tempfile.TemporaryDirectory(prefix="cxdesk-bench-") as tmp:
        folder = Path(tmp)
        print(f"cxdesk sync benchmarks (PostgreSQL, loopback){' --quick' if args.quick else ''}")
        if args.only in (None, "push"):
            with Database() as db:
                bench_push(db, folder, 10_000 // scale)
        if args.only in (None, "pull"):
            with Database() as db:
                bench_pull(db, folder, 100_000 // scale)
        if args.only in (None, "rt"):
            with Database() as db:
                quick = 2 if args.quick else 1
                bench_round_trips(db, folder, 50, 40 // quick, args.workers, paced=10 // quick)


if __name__ == "__main__":
    main()
