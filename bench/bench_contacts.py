"""Contact figures over a big contact log, and a wrap-up's confirm-to-durable-commit.

1. Figures: the encrypted desk store's contact tables are filled with
   ``CONTACTS`` contacts (default 1,000,000, over a year, a quarter anonymous,
   about one in seven with two reasons) straight into the projection tables
   (replaying a million events would time the fill, not the figures). Each
   report of ``contact_reports.REPORTS`` over the last 28 days, and the first
   page of the per-contact export, is timed as the supervisor's screen runs it;
   beside it, the very SQL statements it ran (recorded as it ran them) replayed
   on raw SQLite (the stdlib ``sqlite3``, on a plain copy of the same data).
   The ratio is what the desk's layer costs: SQLCipher, and for FCR the Python
   derivation over the range.
2. Wrap-up: ``contact_commands.wrap_contact`` (reasons checked, event chained,
   hashed and signed, projected, committed with ``synchronous=FULL``) beside a
   bare ``INSERT`` + ``COMMIT`` in WAL mode with ``synchronous=FULL`` on the
   same disk.

Run: ``.venv/bin/python bench/bench_contacts.py [CONTACTS] [WRAPS]``.
"""

from __future__ import annotations

import json
import random
import sqlite3
import statistics
import sys
import tempfile
import time
import uuid
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.bench_issue import bare_inserts  # noqa: E402
from bench.plainstore import plain_copy  # noqa: E402
from cxdesk import locations  # noqa: E402
from cxdesk.domain import deskclock  # noqa: E402
from cxdesk.domain.contacts import (  # noqa: E402
    CHANNELS,
    DAY_MS,
    EXCLUSION_REASONS,
    OUTCOMES,
    TRANSFER_RESULTS,
    contact_time,
)
from cxdesk.domain.staff_keys import enrol_keys  # noqa: E402
from cxdesk.domain.validation import london_today  # noqa: E402
from cxdesk.seed.contacts import reasons_payload  # noqa: E402
from cxdesk.store import contact_commands, open_store  # noqa: E402
from cxdesk.store.contact_reports import REPORTS, Range, contact_rows, report  # noqa: E402
from tests import peek

PLACES = ("CSC", "HUB-NORTH", "HUB-SOUTH", "HUB-EAST", "HUB-WEST", "HUB-RIVERSIDE")


def fill(store, n: int) -> None:
    """``n`` contacts over the last 365 days, straight into the projection tables."""
    rng = random.Random(7)
    codes = [r["code"] for r in reasons_payload(_reasons())["reasons"]]
    weights = [1 / (i + 2) for i in range(len(codes))]
    now = deskclock.now_ms()
    people = [str(uuid.UUID(int=rng.getrandbits(128), version=4)) for _ in range(n // 4)]
    batch_c, batch_l = [], []
    with store.transaction() as conn:
        for i in range(n):
            at = now - rng.randrange(365 * DAY_MS)
            when = contact_time(at)
            who = None if rng.random() < 0.25 else rng.choice(people)
            cid = f"bench-{i:08d}"
            outcome = rng.choices(list(OUTCOMES), weights=(74, 3, 6, 4, 7, 6))[0]
            batch_c.append(
                (
                    cid,
                    cid,
                    who,
                    rng.choice(list(CHANNELS)),
                    outcome,
                    None,
                    at,
                    when.day,
                    when.hour,
                    when.week,
                    rng.choice(PLACES),
                    "A1",
                )
            )
            reasons = {rng.choices(codes, weights)[0] for _ in range(1 + (rng.random() < 0.15))}
            batch_l += [(cid, r, who, at) for r in reasons]
            if len(batch_c) >= 50_000:
                _flush(conn, batch_c, batch_l)
        _flush(conn, batch_c, batch_l)
        teams = [f"Team {t}" for t in range(40)]
        transfers = []
        for i in range(n // 20):  # one contact in twenty was put through to a direct line
            at = now - rng.randrange(365 * DAY_MS)
            transfers.append(
                (
                    f"bench-t-{i:08d}",
                    f"entry-{i % 40}",
                    rng.choice(teams),
                    rng.choice(list(TRANSFER_RESULTS)),
                    None,
                    at,
                    contact_time(at).week,
                    rng.choice(PLACES),
                    "A1",
                )
            )
        conn.executemany("INSERT INTO transfer_outcomes VALUES (?,?,?,?,?,?,?,?,?)", transfers)
        conn.executemany(
            "INSERT INTO digital_exclusion (customer_id, reasons, event_id) VALUES (?, ?, ?)",
            [
                (who, json.dumps(rng.sample(list(EXCLUSION_REASONS), 2)), who)
                for who in people[::10]
            ],
        )
        conn.execute("ANALYZE")


def _flush(conn, batch_c: list, batch_l: list) -> None:
    conn.executemany("INSERT INTO contacts VALUES (?,?,?,?,?,?,?,?,?,?,?,?)", batch_c)
    conn.executemany("INSERT INTO contact_reason_links VALUES (?,?,?,?)", batch_l)
    batch_c.clear()
    batch_l.clear()


def _reasons() -> Path:
    return locations.fixtures_dir() / "contact_reasons.json"


class Recording:
    """The store, with every query it is asked recorded (to replay on raw SQLite)."""

    def __init__(self, store) -> None:
        self.store, self.statements = store, []

    def query(self, sql, params=()):
        self.statements.append((sql, params))
        return peek.query(self.store, sql, params)

    def scalar(self, sql, params=()):
        self.statements.append((sql, params))
        return peek.scalar(self.store, sql, params)


def timed(func, repeat: int = 3) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        func()
        best = min(best, time.perf_counter() - start)
    return best


def figures(folder: Path, n: int) -> None:
    store = open_store(folder / "desk.sqlite3", device_id="D-BENCH", location="CSC")
    store.record("ContactReasonsSet", reasons_payload(_reasons()), actor="S1", role="supervisor")
    start = time.perf_counter()
    fill(store, n)
    print(f"filled {n:,} contacts in {time.perf_counter() - start:.1f} s")
    plain_copy(store, folder / "plain.sqlite3")
    raw = sqlite3.connect(folder / "plain.sqlite3")
    today = london_today()
    rng = Range.of(today - timedelta(days=27), today)
    print(f"{'report (last 28 days)':<40} {'desk':>9} {'raw SQL':>9} {'ratio':>6}")
    jobs = {name: (lambda s, name=name: report(s, name, rng)) for name in REPORTS}
    jobs["contacts export, first 50 rows"] = lambda s: _first_rows(s, rng)
    for name, job in jobs.items():
        recording = Recording(store)
        job(recording)
        desk = timed(lambda job=job: job(store))
        base = timed(
            lambda rec=recording: [raw.execute(q, p).fetchall() for q, p in rec.statements]
        )
        print(f"{name:<40} {desk * 1000:8.1f}ms {base * 1000:8.1f}ms {desk / base:5.2f}x")
    raw.close()
    store.close()


def _first_rows(store, rng: Range) -> list:
    rows = contact_rows(store, rng)
    return [row for _, row in zip(range(50), rows, strict=False)]


def wrap_ups(folder: Path, n: int) -> None:
    store = open_store(folder / "wrap.sqlite3", device_id="D-WRAP", location="CSC")
    keys = enrol_keys("bench passcode for ade")
    store.record(
        "StaffEnrolled",
        {
            "staff_id": "A1",
            "name": "Ade",
            "role": "advisor",
            "locations": ["CSC"],
            **keys.roster_fields(),
        },
        actor="A1",
        role="admin",
        keys=keys,
    )
    store.record(
        "ContactReasonsSet", reasons_payload(_reasons()), actor="A1", role="supervisor", keys=keys
    )
    store.use_keys("A1", keys)
    times = []
    for i in range(n):
        start = time.perf_counter()
        contact_commands.wrap_contact(
            store,
            actor="A1",
            role="advisor",
            customer_id=None,
            reasons=["bins-missed"],
            channel="face",
            outcome="advice" if i % 2 else "resolved",
        )
        times.append(time.perf_counter() - start)
    store.close()
    bare = bare_inserts(folder, n)
    for label, q in (("median", 0.5), ("p95", 0.95)):
        ours = (
            statistics.quantiles(times, n=100)[int(q * 100) - 1]
            if q != 0.5
            else (statistics.median(times))
        )
        base = (
            statistics.quantiles(bare, n=100)[int(q * 100) - 1]
            if q != 0.5
            else (statistics.median(bare))
        )
        print(
            f"wrap-up to durable commit, {label}: {ours * 1000:.2f} ms beside a bare insert "
            f"{base * 1000:.2f} ms ({ours / base:.2f}x)"
        )


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    wraps = int(sys.argv[2]) if len(sys.argv) > 2 else 200
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        wrap_ups(folder, wraps)
        figures(folder, n)


if __name__ == "__main__":
    main()
