"""Time from confirming an issue to its durable commit, beside a bare SQLite insert,
and on the encrypted desk store beside the same store as plain SQLite.

All run in the same process on the same disk with ``synchronous=FULL`` in WAL
mode, taking turns issue by issue (bare insert, encrypted issue, plain issue),
so that whatever else the machine is doing falls on every figure alike. The
first ratio says what the issue's companions (serial check, event chain, hash,
projections and their indexes) cost over the fsync any durable write pays (the
goal is 2x); the second, encrypted over plain, is what SQLCipher costs an
advisor's confirm (the goal is under 1.3x). Each store first holds 100,000
residents (``RESIDENTS``, filled as ``bench_customers`` does).

It also says what one issue does, which is what the time follows: the SQL
statements ``issue_item`` runs (``BEGIN`` and ``COMMIT`` included), and the
pages its commit writes to the WAL (each one encrypted, written and fsynced).
Run: ``.venv/bin/python bench/bench_issue.py [N] [RESIDENTS]``.
"""

from __future__ import annotations

import os
import sqlite3
import statistics
import struct
import sys
import tempfile
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.bench_customers import fill as fill_residents  # noqa: E402
from bench.plainstore import open_plain_store  # noqa: E402
from cxdesk.domain.staff_keys import enrol_keys  # noqa: E402
from cxdesk.store import issue_commands as ic  # noqa: E402
from cxdesk.store import open_store  # noqa: E402
from tests.crisis_helpers import register, set_up_council  # noqa: E402

WARM_UP = 5
"""Untimed issues first on each store (their statements and pages are counted)."""


def bare_table(folder: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(folder / "bare.sqlite3", isolation_level=None)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = FULL")
    conn.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, body TEXT)")
    return conn


def bare_insert(conn: sqlite3.Connection, i: int) -> tuple[float, float]:
    """Seconds (wall, CPU) for one durable single-row transaction: the floor any durable
    write pays."""
    start, cpu = time.perf_counter(), time.process_time()
    conn.execute("BEGIN IMMEDIATE")
    conn.execute("INSERT INTO t (body) VALUES (?)", (f"issue {i}" * 20,))
    conn.execute("COMMIT")
    return time.perf_counter() - start, time.process_time() - cpu


def page_floor(folder: Path, pages: int) -> sqlite3.Connection:
    """An encrypted store (SQLCipher, a raw key, WAL, ``synchronous=FULL``) of ``pages``
    one-column tables: one row in each is a commit of ``pages`` pages and nothing else."""
    from sqlcipher3 import dbapi2 as sqlcipher

    conn = sqlcipher.connect(str(folder / "floor.sqlite3"), isolation_level=None)
    conn.execute(f"PRAGMA key = \"x'{os.urandom(32).hex()}'\"")
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = FULL")
    for t in range(pages):
        conn.execute(f"CREATE TABLE t{t} (id INTEGER PRIMARY KEY, body TEXT)")
    return conn


def floor_insert(conn, pages: int, i: int) -> tuple[float, float]:
    """Seconds (wall, CPU) for one durable transaction writing a row to each of ``pages``
    tables."""
    start, cpu = time.perf_counter(), time.process_time()
    conn.execute("BEGIN IMMEDIATE")
    for t in range(pages):
        conn.execute(f"INSERT INTO t{t} (body) VALUES (?)", (f"issue {i}" * 20,))
    conn.execute("COMMIT")
    return time.perf_counter() - start, time.process_time() - cpu


def bare_inserts(folder: Path, n: int) -> list[float]:
    conn = bare_table(folder)
    times = [bare_insert(conn, i)[0] for i in range(n)]
    conn.close()
    return times


def prepare(store, n: int, residents: int) -> list[str]:
    """Residents, staff, a council and stock; returns the customers to issue to."""
    fill_residents(store, residents)
    store.record(
        "StaffEnrolled",
        {
            "staff_id": "ADMIN1",
            "name": "Ada",
            "role": "admin",
            "locations": ["CSC"],
            **enrol_keys("bench passcode for ada").roster_fields(),
        },
        actor="ADMIN1",
        role="admin",
    )
    set_up_council(store, stock=False)
    store.record(
        "StockReceived",
        {
            "location": "CSC",
            "kind": "food_voucher",
            "first": "FV100000",
            "last": f"FV{100000 + n - 1}",
        },
        actor="SUP1",
        role="supervisor",
    )
    return [register(store, given=f"Jo{i}", dob=f"19{50 + i % 40}-01-02") for i in range(n)]


def confirm(store, i: int, cid: str) -> Callable[[], object]:
    """Issue ``i`` to ``cid`` as the advisor's Confirm records it, the repeat check done."""
    check = ic.check_repeat_claims(store, "food_voucher", cid)  # shown before Confirm
    return partial(
        ic.issue_item,
        store,
        actor="ADV1",
        role="advisor",
        location="CSC",
        kind="food_voucher",
        customer_id=cid,
        serial_text=f"FV{100000 + i}",
        reason="no food",
        check=check,
        override_reason="bench",
    )


def issue_one(store, i: int, cid: str) -> tuple[float, float]:
    """Seconds (wall, CPU) from the advisor's Confirm to the durable commit of issue ``i``."""
    record = confirm(store, i, cid)
    start, cpu = time.perf_counter(), time.process_time()  # the advisor presses Confirm
    record()
    # Committed, fsynced: shown as confirmed.
    return time.perf_counter() - start, time.process_time() - cpu


def wal_frames(store) -> int:
    """Frames in the store's WAL now (the WAL index header's ``mxFrame``)."""
    with open(f"{store.path}-shm", "rb") as shm:
        return struct.unpack("=I", shm.read(20)[16:20])[0]


def counted(store, work: Callable[[], object]) -> tuple[int, int]:
    """(SQL statements run, WAL frames written) by ``work()`` on ``store``."""
    statements = 0

    def seen(_sql: str) -> None:
        nonlocal statements
        statements += 1

    before = wal_frames(store)
    store.conn.set_trace_callback(seen)
    try:
        work()
    finally:
        store.conn.set_trace_callback(None)
    return statements, wal_frames(store) - before


def quantile(times: list[float], q: float) -> float:
    return sorted(times)[int(q * (len(times) - 1))] * 1000


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 200
    residents = int(sys.argv[2]) if len(sys.argv) > 2 else 100_000
    with tempfile.TemporaryDirectory(prefix="cxdesk-bench-") as name:
        folder = Path(name)
        bare = bare_table(folder)
        stores = [
            open_store(folder / "desk.sqlite3", device_id="D-BENCH", location="CSC"),
            open_plain_store(folder / "plain.sqlite3", "D-BENCH", "CSC"),
        ]
        customers = [prepare(store, n + WARM_UP, residents) for store in stores]
        # Warm-up, counted: statements and WAL pages per issue (the same on both stores).
        shapes = [
            counted(stores[0], confirm(stores[0], i, customers[0][i])) for i in range(WARM_UP)
        ]
        pages = statistics.median(p for _, p in shapes[1:] if p > 0)  # < 0: a checkpoint
        floor = page_floor(folder, int(pages))
        for i in range(WARM_UP):
            issue_one(stores[1], i, customers[1][i])
            bare_insert(bare, i)
            floor_insert(floor, int(pages), i)
        times: list[list[tuple[float, float]]] = [[], [], [], []]  # bare, floor, enc, plain
        for i in range(WARM_UP, WARM_UP + n):
            turns = [
                partial(bare_insert, bare, i),
                partial(floor_insert, floor, int(pages), i),
                partial(issue_one, stores[0], i, customers[0][i]),
                partial(issue_one, stores[1], i, customers[1][i]),
            ]
            for k in range(len(turns)):  # a different one goes first each time
                j = (i + k) % len(turns)
                times[j].append(turns[j]())
        floor.close()
        bare.close()
        for store in stores:
            store.close()
    cpu = [[c for _, c in t] for t in times]
    base, floored, ours, plain = ([w for w, _ in t] for t in times)
    statements = statistics.median(s for s, _ in shapes[1:])
    med = {
        name: statistics.median(t) * 1000
        for name, t in zip("bfep", (base, floored, ours, plain), strict=True)
    }
    print(f"issues recorded: {n} per store, on stores holding {residents:,} residents")
    print(f"per issue: {statements:.0f} SQL statements (BEGIN and COMMIT included), ", end="")
    print(f"{pages:.0f} pages written to the WAL by its commit")
    print(f"{'(taking turns, same run)':42} {'median':>8} {'p95':>8} {'x bare':>7} {'CPU':>8}")
    rows = [
        ("bare INSERT (WAL, synchronous=FULL)", base, cpu[0]),
        (f"{pages:.0f} pages, one row each, encrypted", floored, cpu[1]),
        ("confirm -> durable commit, encrypted", ours, cpu[2]),
        ("confirm -> durable commit, plain SQLite", plain, cpu[3]),
    ]
    for label, t, c in rows:
        m, p95, mc = statistics.median(t) * 1000, quantile(t, 0.95), statistics.median(c) * 1000
        print(f"{label:42} {m:6.2f}ms {p95:6.2f}ms {m / med['b']:6.1f}x {mc:6.2f}ms")
    print(f"ratio to bare INSERT: {med['e'] / med['b']:.1f}x (goal 2x)")
    print(
        f"ratio to a bare commit of as many pages: {med['e'] / med['f']:.1f}x "
        "(what the issue costs beyond the pages it writes)"
    )
    print(
        f"encryption's cost: {med['e'] / med['p']:.2f}x median, "
        f"{quantile(ours, 0.95) / quantile(plain, 0.95):.2f}x p95 (encrypted / plain)"
    )


if __name__ == "__main__":
    main()
