"""Staff signatures: their cost per event, and push throughput with and without them.

1. per event: signing the event hash (Ed25519) and verifying it, each beside
   computing the plain chain hash (SHA-256 over the envelope) in the same run;
2. deriving a key from a passcode at production cost (once per sign-in);
3. pushing the same signed events into the central database with the
   signature check on (as built) and off (the check made a no-op), through
   ``apply_push`` in write transactions of 500, on PostgreSQL when it is
   available (SQLite otherwise). The signature must not halve it.

Run alone: ``python bench/bench_signing.py [--quick]``.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import psycopg  # noqa: E402

from cxdesk.domain import staff_keys as sk  # noqa: E402
from cxdesk.events.envelope import chain_hash  # noqa: E402

PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/test"
PASSCODE = "bench passcode, kettle on"


def line(label: str, figure: float, baseline: float, unit: str) -> None:
    ratio = figure / baseline if baseline else float("nan")
    print(
        f"{label:<44} {figure:>10.1f} {unit:<8} baseline {baseline:>10.1f} {unit:<8} "
        f"ratio {ratio:.2f}"
    )


def per_event(keys: sk.StaffKeys, n: int) -> None:
    fields = {
        "id": str(uuid.uuid4()),
        "kind": "LockoutCleared",
        "payload_digest": "a" * 64,
        "actor": "S1",
        "device": "D-B",
        "location": "CSC",
        "device_seq": 1,
        "hlc": "0001764072000000-0000-D-B",
        "prev_hash": "0" * 64,
    }
    start = time.perf_counter()
    hashes = [chain_hash(**fields, n=i) for i in range(n)]
    hashing = (time.perf_counter() - start) / n
    start = time.perf_counter()
    signatures = [keys.sign_event_hash(h) for h in hashes]
    signing = (time.perf_counter() - start) / n
    start = time.perf_counter()
    ok = all(
        sk.verify_event_signature(keys.public_key, h, s)
        for h, s in zip(hashes, signatures, strict=True)
    )
    verifying = (time.perf_counter() - start) / n
    assert ok
    line("sign one event hash (us)", signing * 1e6, hashing * 1e6, "us")
    line("verify one event signature (us)", verifying * 1e6, hashing * 1e6, "us")


def derivation() -> None:
    start = time.perf_counter()
    sk.derive_staff_keys(PASSCODE, sk.new_salt(), sk.PRODUCTION_PARAMS)
    production = time.perf_counter() - start
    start = time.perf_counter()
    sk.derive_staff_keys(PASSCODE, sk.new_salt(), sk.TEST_PARAMS)
    cheap = time.perf_counter() - start
    line("derive a key at m=46 MiB,t=1 (ms, per sign-in)", production * 1e3, cheap * 1e3, "ms")
    print("    baseline: the test suite's cheap parameters (m=64 KiB)")


def desk_with_signed_events(folder: Path, keys: sk.StaffKeys, n: int):
    from cxdesk.store import open_store
    from cxdesk.store.eventlog import append_local

    store = open_store(folder / "desk.sqlite3", device_id="D-B", location="CSC")
    with store.transaction() as conn:
        for _ in range(n):
            append_local(
                conn,
                store.clock,
                kind="LockoutCleared",
                payload={"staff_id": "A1"},
                actor="S1",
                role="supervisor",
                device="D-B",
                location="CSC",
                keys=keys,
            )
    return store


def push_rate(url: str, folder: Path, keys: sk.StaffKeys, n: int, *, check: bool) -> float:
    """Events/s for the desk's whole outbox pushed through the API (in-process, ASGI)."""
    import asyncio

    import httpx

    from cxdesk.sync.client import AsyncSyncClient
    from cxdesk.sync.round import sync_round
    from cxdesk.sync.server import admin
    from cxdesk.sync.server import push as push_module
    from cxdesk.sync.server.app import create_app, open_database
    from cxdesk.sync.server.signatures import NONE_STARTED, SignatureCheck

    engine = open_database(url)
    admin.add_staff(
        engine,
        "S1",
        name="Sam",
        role="supervisor",
        locations=["CSC"],
        key_fields=keys.roster_fields(),
    )
    _, token = admin.add_device(engine, "CSC", "D-B")
    app = create_app(engine=engine, marks_dir=folder / "marks")
    store = desk_with_signed_events(folder, keys, n)

    async def push() -> float:
        transport = httpx.ASGITransport(app=app)
        async with AsyncSyncClient("http://central", token, transport=transport) as client:
            start = time.perf_counter()
            report = await sync_round(store, client)
            took = time.perf_counter() - start
        assert report.counts.accepted == n, report
        return took

    real, real_start, real_more = (
        SignatureCheck.problem,
        push_module.start_verifying,
        push_module.verify_more,
    )
    if not check:  # nothing verified, up front or per event
        SignatureCheck.problem = lambda self, event: None
        push_module.start_verifying = lambda events: NONE_STARTED
        push_module.verify_more = lambda *args: None
    try:
        took = asyncio.run(push())
    finally:
        SignatureCheck.problem = real
        push_module.start_verifying, push_module.verify_more = real_start, real_more
        store.close()
        engine.dispose()
    return n / took


def fresh_database(folder: Path, name: str) -> tuple[str, callable]:
    try:
        psycopg.connect(PG_ADMIN, connect_timeout=2).close()
    except psycopg.Error:
        return f"sqlite:///{folder / (name + '.sqlite3')}", lambda: None
    db = f"cxdesk_bench_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{db}"')

    def drop() -> None:
        with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')

    return f"postgresql+psycopg://postgres@127.0.0.1:5432/{db}", drop


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a tenth of the sizes")
    args = parser.parse_args()
    scale = 10 if args.quick else 1
    keys = sk.enrol_keys(PASSCODE)  # production parameters, as a real roster has
    print(f"cxdesk signing benchmarks{' --quick' if args.quick else ''}")
    per_event(keys, 20_000 // scale)
    derivation()
    n = 10_000 // scale
    rates: dict[bool, float] = {}
    where = "SQLite"
    for run, check in enumerate((False, True, False, True)):  # interleaved; best of two each
        with tempfile.TemporaryDirectory(prefix="cxdesk-bench-") as tmp:
            url, drop = fresh_database(Path(tmp), f"central-{run}")
            where = "PostgreSQL" if url.startswith("postgresql") else "SQLite"
            try:
                rate = push_rate(url, Path(tmp), keys, n, check=check)
            finally:
                drop()
        rates[check] = max(rates.get(check, 0.0), rate)
    line(f"push {n} signed events, checked ({where})", rates[True], rates[False], "ev/s")
    print("    baseline: the same events through the same API with the signature check off")


if __name__ == "__main__":
    main()
