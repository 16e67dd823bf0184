"""Live feed delivery delay beside plain interval polling, on loopback, PostgreSQL.

One desk raises an event (a failed sign-in, which every desk at its location
receives) and pushes it; another desk at the same location runs the real sync
worker. The figure is the time from the raising desk sending its push (so it
includes the commit) until the receiving desk's round has applied the event,
p50 and p95 over the samples. The baseline is the same worker polling every
``sync_interval_seconds`` (5 s, the default) with the live feed off. The central
API runs as ``cxdesk serve --workers 2``, so the push and the held pull often
land on different processes (woken by PostgreSQL NOTIFY). Each event is raised
0.2 to 5.2 s after the last one arrived (at random), so it falls anywhere in
the polling interval rather than in step with it.

Run alone: ``python bench/bench_live_feed.py [--samples N]``.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.bench_sync import Database, Server, make_desk  # noqa: E402
from tests import peek  # noqa: E402


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


async def delays(a, b, samples: int, live: bool, rng: random.Random) -> list[float]:
    """Seconds from desk A's push to desk B holding the event, per sample."""
    from cxdesk.sync.desk import make_client, make_worker
    from cxdesk.sync.round import sync_round

    (settings_a, store_a), (settings_b, store_b) = a, b
    arrived = asyncio.Event()
    wanted: list[str] = []

    def after_round(_report) -> None:
        if wanted and peek.scalar(store_b, "SELECT 1 FROM events WHERE id = ?", (wanted[-1],)):
            arrived.set()

    worker = make_worker(
        settings_b, store_b, on_round=after_round, live_wait=25.0 if live else None
    )
    task = asyncio.create_task(worker.run())
    found = []
    async with make_client(settings_a, store_a) as client:
        await sync_round(store_a, client)
        await asyncio.sleep(1.0)  # the worker's first round, then its idle wait
        for _ in range(samples):
            await asyncio.sleep(rng.uniform(0.2, 5.2))  # anywhere in a 5 s poll interval
            event = store_a.record_as_desk(
                "SignInFailed", {"staff_id": "Z9001", "reason": "wrong passcode"}
            )
            wanted.append(event.id)
            arrived.clear()
            start = time.perf_counter()
            await sync_round(store_a, client)
            await asyncio.wait_for(arrived.wait(), 60)
            found.append(time.perf_counter() - start)
    worker.stop()
    await asyncio.wait_for(task, 60)
    return found


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--samples", type=int, default=15)
    args = parser.parse_args()
    rng = random.Random(14)
    with Database() as db, tempfile.TemporaryDirectory(prefix="cxdesk-live-") as tmp:
        folder = Path(tmp)
        from cxdesk.sync.server.app import open_database

        engine = open_database(db.url)
        server = Server(db.url, folder, workers=2)
        try:
            results = {}
            for live in (True, False):
                a = make_desk(engine, folder, f"RAISE-{live}", server.url)[:2]
                b = make_desk(engine, folder, f"SEE-{live}", server.url)[:2]
                results[live] = asyncio.run(delays(a, b, args.samples, live, rng))
                for _settings, store in (a, b):
                    store.close()
        finally:
            server.close()
            engine.dispose()
    live, polled = results[True], results[False]
    print(f"delivery delay, raising desk's push to another desk holding it, {args.samples} events")
    print("(PostgreSQL, cxdesk serve --workers 2; baseline: the worker polling every 5 s)")
    for label, share in (("p50", 0.5), ("p95", 0.95)):
        ours, base = percentile(live, share) * 1000, percentile(polled, share) * 1000
        print(
            f"live feed {label} (ms) {ours:>10.1f}   interval polling {base:>10.1f}   "
            f"ratio {ours / base:.3f}"
        )


if __name__ == "__main__":
    main()
