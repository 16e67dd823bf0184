"""Time from confirming an issue to its durable commit, beside a bare SQLite insert,
and on the encrypted desk store beside the same store as plain SQLite.

All run in the same process on the same disk with ``synchronous=FULL`` in WAL
mode, so the first ratio says what the repeat-claim check's companions (serial
check, event chain, hash, projections) cost over the fsync that any durable
write pays. Each store first holds 100,000 residents (``RESIDENTS``, filled as
``bench_customers`` does), and the second ratio, encrypted over plain, is what
SQLCipher costs an advisor's confirm (the goal is under 1.3x).
Run: ``.venv/bin/python bench/bench_issue.py [N] [RESIDENTS]``.
"""

from __future__ import annotations

import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.bench_customers import fill as fill_residents  # noqa: E402
from bench.plainstore import open_plain_store  # noqa: E402
from cxdesk.domain.staff_keys import enrol_keys  # noqa: E402
from cxdesk.store import issue_commands as ic  # noqa: E402
from cxdesk.store import open_store  # noqa: E402
from tests.crisis_helpers import register, set_up_council  # noqa: E402


def bare_inserts(folder: Path, n: int) -> list[float]:
    conn = sqlite3.connect(folder / "bare.sqlite3", isolation_level=None)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = FULL")
    conn.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, body TEXT)")
    times = []
    for i in range(n):
        start = time.perf_counter()
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("INSERT INTO t (body) VALUES (?)", (f"issue {i}" * 20,))
        conn.execute("COMMIT")
        times.append(time.perf_counter() - start)
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


def issue_one(store, i: int, cid: str) -> float:
    """Seconds from the advisor's Confirm to the durable commit of issue ``i``."""
    check = ic.check_repeat_claims(store, "food_voucher", cid)
    start = time.perf_counter()  # the advisor presses Confirm
    ic.issue_item(
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
    return time.perf_counter() - start  # committed, fsynced: shown as confirmed


def issues(stores: list, n: int, residents: int) -> list[list[float]]:
    """Issue ``n`` times on each store, taking turns, so that whatever else the machine
    is doing falls on both alike; one list of times per store."""
    customers = [prepare(store, n, residents) for store in stores]
    times: list[list[float]] = [[] for _ in stores]
    for i in range(n):
        for k, store in enumerate(stores):
            times[k].append(issue_one(store, i, customers[k][i]))
    for store in stores:
        store.close()
    return times


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 200
    residents = int(sys.argv[2]) if len(sys.argv) > 2 else 100_000
    with tempfile.TemporaryDirectory(prefix="cxdesk-bench-") as folder:
        base = bare_inserts(Path(folder), n)
        ours, plain = issues(
            [
                open_store(Path(folder) / "desk.sqlite3", device_id="D-BENCH", location="CSC"),
                open_plain_store(Path(folder) / "plain.sqlite3", "D-BENCH", "CSC"),
            ],
            n,
            residents,
        )
    med_base, med_ours = statistics.median(base) * 1000, statistics.median(ours) * 1000
    med_plain = statistics.median(plain) * 1000
    p95 = sorted(ours)[int(0.95 * (n - 1))] * 1000
    p95_plain = sorted(plain)[int(0.95 * (n - 1))] * 1000
    print(f"issues recorded: {n}, on a store holding {residents:,} residents")
    print(f"confirm -> durable commit (encrypted): median {med_ours:.2f} ms, p95 {p95:.2f} ms")
    print(
        f"same on plain SQLite (same store):     median {med_plain:.2f} ms, p95 {p95_plain:.2f} ms"
    )
    print(f"baseline bare INSERT (WAL, synchronous=FULL): median {med_base:.2f} ms")
    print(f"ratio to bare INSERT: {med_ours / med_base:.1f}x")
    print(
        f"encryption's cost: {med_ours / med_plain:.2f}x median, {p95 / p95_plain:.2f}x p95 "
        "(encrypted / plain)"
    )


if __name__ == "__main__":
    main()
