"""A county on one central API: N desks across locations, each pushing and holding the live feed.

``--desks`` simulated desks (default 200) are spread over ``--locations``
locations (default 10). Each desk holds a long-poll pull (``wait=25``, sending
back the signed mark and receipt as a real desk does) and pushes one signed
event every ``--interval`` seconds (default 10, at a random phase), for
``--pushes`` events. The event is a failed sign-in, which the scoping rules
send to every desk at the raising desk's location (DESIGN.md, "Who receives
what"); desks elsewhere must receive nothing (and are not woken). Measured:

- push acknowledgement, p50/p99 (request sent to answer read);
- delivery delay, p50/p99: from the push being sent until each desk at the same
  location holds the event in a pull answer (every such desk, every event; a
  missing or repeated delivery is counted and fails the bench);
- CPU of the API process and of its PostgreSQL backends per desk;
- PostgreSQL round trips per push and per pull, counted in-process over the
  real app on the same database (every statement, BEGIN, COMMIT and pool ping).

The server is ``cxdesk serve --workers 1`` on PostgreSQL: the per-process
figures say how many desks one process carries. Then the two 50-desk rows of
issue 14, each beside a bare FastAPI app in the same run: sync round trips per
second flat out (push one event + pull), and p99 of one round every 2 s.

Run alone: ``python bench/bench_county.py [--desks N] [--pushes N]``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402
import psycopg  # noqa: E402

from bench.bench_sync import (  # noqa: E402
    Database,
    Server,
    bench_round_trips,
    round_trips_per_request,
)
from tests.sync.test_feed_concurrency import chained_events  # noqa: E402

TICKS = os.sysconf("SC_CLK_TCK")


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))] if ordered else 0.0


def cpu_seconds(pid: int) -> float:
    """User + system CPU of one process (``/proc``), 0 if it has gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / TICKS


def backend_pids(db: Database) -> set[int]:
    with psycopg.connect(db.plain, autocommit=True) as conn:
        rows = conn.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
            (db.name,),
        ).fetchall()
    return {r[0] for r in rows}


class Desk:
    def __init__(self, name: str, location: str, token: str, events: list) -> None:
        self.name, self.location, self.token, self.events = name, location, token, events
        self.cursor = 0
        self.mark: str | None = None
        self.receipt: str | None = None
        self.held: Counter[str] = Counter()

    def headers(self) -> dict[str, str]:
        found = {"Authorization": f"Bearer {self.token}", "Content-Type": "application/json"}
        if self.mark:
            found["Cxdesk-Mark"] = self.mark
        if self.receipt:
            found["Cxdesk-Receipt"] = self.receipt
        return found


class County:
    def __init__(self, url: str, desks: list[Desk], interval: float, pushes: int) -> None:
        self.url, self.desks, self.interval, self.pushes = url, desks, interval, pushes
        self.sent_at: dict[str, float] = {}
        self.raised_by: dict[str, Desk] = {}
        self.acks: list[float] = []
        self.arrivals: dict[tuple[str, str], float] = {}
        self.stop = asyncio.Event()
        self.errors: Counter[str] = Counter()

    async def pusher(self, desk: Desk, http: httpx.AsyncClient, rng: random.Random) -> None:
        await asyncio.sleep(rng.uniform(0, self.interval))
        for event in desk.events:
            started = time.perf_counter()
            body = f'{{"device":"{desk.name}","events":[{event.model_dump_json()}]}}'
            self.sent_at[event.id], self.raised_by[event.id] = started, desk
            answer = None
            for _attempt in range(3):  # a push may be sent again: the server keeps it once
                try:
                    answer = await http.post("/v1/sync/push", content=body, headers=desk.headers())
                    break
                except httpx.TransportError as exc:  # an idle connection closed under us
                    self.errors[f"push {type(exc).__name__} (sent again)"] += 1
            if answer is None or answer.status_code != 200:
                self.errors[f"push {answer and answer.status_code}"] += 1
                continue
            self.acks.append(time.perf_counter() - started)
            receipt = answer.json().get("receipt")
            if receipt:
                from cxdesk.sync.receipts import Signed

                desk.receipt = Signed.model_validate(receipt).header()
            await asyncio.sleep(max(0.0, self.interval - (time.perf_counter() - started)))

    async def puller(self, desk: Desk, http: httpx.AsyncClient) -> None:
        while not self.stop.is_set():
            params = {"after": desk.cursor, "limit": 500, "wait": 25}
            try:
                answer = await http.get("/v1/sync/pull", params=params, headers=desk.headers())
            except httpx.HTTPError as exc:
                self.errors[type(exc).__name__] += 1
                continue
            now = time.perf_counter()
            if answer.status_code != 200:
                self.errors[f"pull {answer.status_code}"] += 1
                await asyncio.sleep(1)
                continue
            page = json.loads(answer.content)
            for event in page["events"]:
                desk.held[event["id"]] += 1
                raiser = self.raised_by.get(event["id"])
                if raiser is not None and raiser is not desk:
                    self.arrivals[(event["id"], desk.name)] = now - self.sent_at[event["id"]]
            desk.cursor = page["next"]
            desk.mark = answer.headers.get("Cxdesk-Mark")

    async def run(self, rng: random.Random) -> float:
        limits = httpx.Limits(max_connections=2, max_keepalive_connections=2)
        clients = [
            httpx.AsyncClient(base_url=self.url, timeout=60, limits=limits) for _ in self.desks
        ]
        pulls = [
            asyncio.create_task(self.puller(d, c)) for d, c in zip(self.desks, clients, strict=True)
        ]
        await asyncio.sleep(2.0)  # every desk holding its pull before the first push
        started = time.perf_counter()
        await asyncio.gather(
            *(self.pusher(d, c, rng) for d, c in zip(self.desks, clients, strict=True))
        )
        pushed = time.perf_counter() - started
        deadline = time.perf_counter() + 30  # let the last deliveries land
        while time.perf_counter() < deadline and len(self.arrivals) < self.expected():
            await asyncio.sleep(0.2)
        self.stop.set()
        for task in pulls:
            task.cancel()
        await asyncio.gather(*pulls, return_exceptions=True)
        for client in clients:
            await client.aclose()
        return pushed

    def expected(self) -> int:
        at = Counter(d.location for d in self.desks)
        return sum(at[self.raised_by[e].location] - 1 for e in self.sent_at)

    def check(self) -> tuple[int, int, int]:
        """(missing, repeated, misdelivered) deliveries."""
        missing = repeated = wrong = 0
        for desk in self.desks:
            for event_id, raiser in self.raised_by.items():
                times = desk.held[event_id]
                should = raiser.location == desk.location
                missing += should and times == 0
                repeated += times > 1
                wrong += not should and times > 0
        return missing, repeated, wrong


def county(args, folder: Path) -> None:
    from cxdesk.sync.server import admin
    from cxdesk.sync.server.app import open_database

    rng = random.Random(14)
    places = [f"HUB{i:02d}" for i in range(args.locations)]
    with Database() as db:
        engine = open_database(db.url)
        desks = []
        for i in range(args.desks):
            location = places[i % len(places)]
            name, token = admin.add_device(engine, location, f"D-CTY{i:04d}")
            desks.append(Desk(name, location, token, chained_events(name, args.pushes, location)))
        engine.dispose()
        server = Server(db.url, folder / "county", workers=1)
        try:
            sim = County(server.url, desks, args.interval, args.pushes)
            before = backend_pids(db)
            cpu0, pg0 = cpu_seconds(server.proc.pid), {p: cpu_seconds(p) for p in before}
            wall0, own0 = time.perf_counter(), time.process_time()
            pushed = asyncio.run(sim.run(rng))
            wall = time.perf_counter() - wall0
            api_cpu = cpu_seconds(server.proc.pid) - cpu0
            pg_cpu = sum(cpu_seconds(p) - pg0.get(p, 0.0) for p in before | backend_pids(db))
            own_cpu = time.process_time() - own0
        finally:
            server.close()
        per_push, per_pull, _empty = round_trips_per_request(db, places[0])
    missing, repeated, wrong = sim.check()
    delays = list(sim.arrivals.values())
    n = len(desks)
    print(
        f"{n} desks at {len(places)} locations, one push each every {args.interval:.0f} s "
        f"({len(sim.acks)} pushes in {pushed:.0f} s), every desk holding the live feed"
    )
    print("(PostgreSQL, cxdesk serve --workers 1; clients in this process)")
    for label, share in (("p50", 0.5), ("p99", 0.99)):
        ms = percentile(sim.acks, share) * 1000
        print(f"push acknowledged {label:<32} {ms:>8.1f} ms")
    for label, share in (("p50", 0.5), ("p99", 0.99)):
        ms = percentile(delays, share) * 1000
        print(f"delivery delay to each desk there {label:<16} {ms:>8.1f} ms")
    print(
        f"deliveries {len(delays)} of {sim.expected()} expected; missing {missing}, "
        f"repeated {repeated}, to a desk out of scope {wrong}; errors {dict(sim.errors) or 0}"
    )
    api_share, pg_share = api_cpu / wall, pg_cpu / wall
    print(
        f"API process CPU {api_share * 100:.1f}% of a core "
        f"({api_share / n * 1000:.2f} ms per desk per second); PostgreSQL backends "
        f"{pg_share * 100:.1f}% ({pg_share / n * 1000:.2f} ms per desk per second)"
    )
    print(f"simulated desks' own CPU (this process): {own_cpu / wall * 100:.1f}% of a core")
    print(f"PostgreSQL round trips per push {per_push:.1f}, per pull {per_pull:.1f}")
    pushes = max(1, len(sim.acks))
    print(
        f"API CPU per push {api_cpu / pushes * 1000:.1f} ms, including the held pulls it woke "
        f"(only pulls the event reaches wake; {n // len(places)} per location receive it)"
    )
    load = os.getloadavg()[0]
    print(f"(machine load average {load:.1f} on {os.cpu_count()} cores during the run)")
    if missing or repeated or wrong:
        raise SystemExit("the live feed lost, repeated or misdelivered events")


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--desks", type=int, default=200)
    parser.add_argument("--locations", type=int, default=10)
    parser.add_argument("--interval", type=float, default=10.0, help="seconds between pushes")
    parser.add_argument("--pushes", type=int, default=6, help="events each desk pushes")
    parser.add_argument("--skip-50", action="store_true", help="only the county simulation")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="cxdesk-county-") as tmp:
        folder = Path(tmp)
        county(args, folder)
        if not args.skip_50:
            print("\n50 desks (central API with 1 process; bare FastAPI with 1), same run:")
            with Database() as db:
                bench_round_trips(db, folder, 50, 40)  # flat out, then one round every 2 s


if __name__ == "__main__":
    main()
