"""Benchmark: the supervisor's log with 1,000,000 issues — filter + first page, and totals.

SYNTHETIC FILL: rows go straight into the projection tables (``issues``,
``customers``, ``crisis_payment_requests``) with ``executemany``, not through
events, because recording a million events one by one would take far longer
than the query being measured. The store is opened normally first, so every
migration (including the log's indexes) is in place.

For each filter, the figure is ``log_page`` (the code the screen calls: SQL,
row conversion, status words, sign-off marks, totals); the baseline is the
very same SQL run on a raw connection to the (encrypted) store in the same process, rows
fetched and nothing else. Both take the median of several runs after a warm-up.

Run: ``.venv/bin/python bench/bench_issue_log.py [--issues N]``
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
import uuid
from datetime import UTC, date, datetime
from pathlib import Path

from cxdesk.domain.issue_log import IssueFilter
from cxdesk.store import db, open_store
from cxdesk.store.issue_log_queries import _ROW_SQL, log_page, where_clause

LOCATIONS = ["CSC"] + [f"HUB-{n}" for n in range(1, 12)]
ADVISORS = [f"A{n:03d}" for n in range(120)]
START = datetime(2024, 1, 1, tzinfo=UTC)
SPAN_MS = 2 * 365 * 86_400_000  # two years of issues


def fill(path: Path, key, issues: int, customers: int) -> None:
    rng = random.Random(7)
    conn = db.connect(path, key=key)
    conn.execute("PRAGMA synchronous = OFF")
    conn.execute("PRAGMA cache_size = -1000000")  # 1 GB: random-order index inserts
    conn.execute("BEGIN")
    ids = [str(uuid.UUID(int=rng.getrandbits(128))) for _ in range(customers)]
    conn.executemany(
        "INSERT INTO customers (customer_id, given_name, family_name, date_of_birth, birth_year, "
        "address, postcode, postcode_district, phone, email, no_email, preferred_contact, "
        "contact_times, language, interpreter_needed, accessibility_needs, vulnerability_flags, "
        "council_reference, registered_at_ms, registered_location, registered_by, updated_at_ms) "
        "VALUES (?, ?, ?, '1980-01-01', 1980, '1 High St', 'SW1A 1AA', 'SW1A', NULL, NULL, 1, "
        "'phone', '', 'English', 0, '', '[]', '', 0, 'CSC', 'A001', 0)",
        ((cid, f"Given{n}", f"Family{n % 5000}") for n, cid in enumerate(ids)),
    )
    rows, requests = [], []
    for n in range(issues):
        card = n % 10 == 0
        at = START.timestamp() * 1000 + rng.randrange(SPAN_MS)
        issue_id = f"iss-{n:012d}"
        override = "new baby" if n % 25 == 0 else ""
        rows.append(
            (
                issue_id,
                "payment_card" if card else "food_voucher",
                rng.choice(ids),
                f"{'PC' if card else 'FV'}{n:08d}",
                4000 if card else 500,
                rng.choice(LOCATIONS),
                "D-BENCH",
                rng.choice(ADVISORS),
                int(at),
                "synthetic",
                "reason" if override else "none",
                1 if override else 0,
                "{}",
                None,
                override,
                None,
                "voided" if n % 200 == 0 else "issued",
                0,
                f"ev-{n:012d}",
            )
        )
        if card:
            done = int(at) + rng.randrange(20, 100) * 60_000
            requests.append(
                (
                    f"req-{n:012d}",
                    issue_id,
                    rows[-1][2],
                    rows[-1][3],
                    4000,
                    rows[-1][5],
                    rows[-1][7],
                    int(at),
                    int(at) + 3_600_000,
                    "completed",
                    done,
                )
            )
        if len(rows) == 50_000:
            _insert(conn, rows, requests)
            rows, requests = [], []
    _insert(conn, rows, requests)
    conn.execute("COMMIT")
    conn.execute("ANALYZE")
    conn.close()


def _insert(conn, rows, requests) -> None:
    conn.executemany(
        "INSERT INTO issues (issue_id, kind, customer_id, serial, value_pence, location, device, "
        "actor, at_ms, reason, repeat_action, repeat_matches, repeat_result, knowledge_as_of, "
        "override_reason, approved_by, status, serial_clash, event_id) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        rows,
    )
    conn.executemany(
        "INSERT INTO crisis_payment_requests (request_id, issue_id, customer_id, serial, "
        "amount_pence, location, requested_by, requested_at_ms, due_ms, status, completed_at_ms) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        requests,
    )


def median_ms(func, runs: int) -> float:
    func()  # warm-up: the page cache, prepared statements
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        func()
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times)


FILTERS = {
    "no filter (newest 50)": IssueFilter(),
    "one location, one week": IssueFilter(
        date_from=date(2025, 6, 2), date_to=date(2025, 6, 8), location="HUB-3"
    ),
    "advisor + overrides, a year": IssueFilter(
        date_from=date(2025, 1, 1), date_to=date(2025, 12, 31), advisor="A007", overrides_only=True
    ),
    "cards with late requests, a month": IssueFilter(
        date_from=date(2025, 3, 1), date_to=date(2025, 3, 31), kind="payment_card", late_only=True
    ),
    "customer surname prefix": IssueFilter(customer="Family123"),
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--issues", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="cxdesk-bench-") as folder:
        path = Path(folder) / "bench.sqlite3"
        first = open_store(path, device_id="D-BENCH", location="CSC")
        first.close()
        t0 = time.perf_counter()
        fill(path, first.data_key, args.issues, customers=max(1000, args.issues // 10))
        print(
            f"synthetic fill: {args.issues:,} issues in {time.perf_counter() - t0:.1f} s "
            f"(straight into the projection tables)"
        )
        store = open_store(path)
        raw = db.connect(path, key=store.data_key)
        now = int(datetime(2026, 1, 1, tzinfo=UTC).timestamp() * 1000)
        print(
            f"{'filter':38} {'page':>7} {'raw':>7} {'ratio':>6} | {'+totals':>8} {'raw':>7} "
            f"{'ratio':>6} | shown/matched"
        )
        for name, flt in FILTERS.items():
            where, params = where_clause(flt, now)
            page_sql = (
                f"{_ROW_SQL} WHERE {where} ORDER BY i.at_ms DESC, i.issue_id DESC LIMIT :limit"
            )
            totals_sql = (
                f"SELECT COUNT(*), COALESCE(SUM(i.value_pence), 0) FROM issues i WHERE {where}"
            )
            page = median_ms(
                lambda f=flt: log_page(store, f, with_totals=False, now_ms=now), args.runs
            )
            base = median_ms(
                lambda s=page_sql, p=params: raw.execute(s, {**p, "limit": 51}).fetchall(),
                args.runs,
            )
            full = median_ms(lambda f=flt: log_page(store, f, now_ms=now), args.runs)
            full_base = median_ms(
                lambda s=page_sql, t=totals_sql, p=params: (
                    raw.execute(s, {**p, "limit": 51}).fetchall(),
                    raw.execute(t, p).fetchall(),
                ),
                args.runs,
            )
            result = log_page(store, flt, now_ms=now)
            print(
                f"{name:38} {page:6.2f}ms {base:6.2f}ms {page / base:5.2f}x | "
                f"{full:7.2f}ms {full_base:6.2f}ms {full / full_base:5.2f}x | "
                f"{len(result.rows)}/{result.total_count:,}"
            )
        raw.close()
        store.close()


if __name__ == "__main__":
    main()
