"""Open-now status for a screenful of directory results: Open Referral hours beside plain ones.

The lookup screen writes "Open now · closes 17:00" beside every result it
shows, so ``status_text`` runs for each on every refresh. Hours imported from
an Open Referral UK feed carry more rules than the weekly hours typed in
cxdesk: their own clock (``UTC+01:00``), dated weeks and holiday dates. This
measures ``status_text`` over the same instants for such hours (2 dated weeks,
12 holidays, a fixed offset) and, as the baseline, for plain Europe/London
weekly hours with the bank holiday rule, in the same run.

Run: ``.venv/bin/python bench/bench_open_now.py [N]`` (N instants, default 2,000).
"""

from __future__ import annotations

import random
import statistics
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from cxdesk.domain.directory_oruk import import_oruk  # noqa: E402
from cxdesk.domain.hours import OpeningHours, status_text  # noqa: E402

TODAY = date(2026, 11, 30)


def oruk_hours() -> OpeningHours:
    holidays = [
        {
            "closed": True,
            "valid_from": (TODAY + timedelta(days=d)).isoformat(),
            "description": f"closure {d}",
        }
        for d in range(10, 130, 10)
    ]
    schedules = [
        {
            "byday": "MO,TU,WE,TH,FR",
            "opens_at": "09:00+01:00",
            "closes_at": "17:00+01:00",
            "valid_to": "2027-01-03",
        },
        {
            "byday": "MO,TU,WE,TH",
            "opens_at": "08:00+01:00",
            "closes_at": "19:00+01:00",
            "valid_from": "2027-01-04",
        },
        {"byday": "SA", "opens_at": "10:00+01:00", "closes_at": "13:00+01:00"},
        *holidays,
    ]
    service = {
        "id": "svc",
        "name": "Service",
        "phones": [{"number": "020 7946 0700"}],
        "schedules": schedules,
    }
    [entry] = import_oruk([service], today=TODAY).entries
    return entry.hours


def timed(hours: OpeningHours, instants: list[datetime]) -> float:
    start = time.perf_counter()
    for at in instants:
        status_text(hours, at)
    return time.perf_counter() - start


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 2_000
    rng = random.Random(7)
    base = datetime(2026, 11, 30, tzinfo=UTC)
    instants = [base + timedelta(minutes=rng.randrange(0, 180 * 24 * 60)) for _ in range(count)]
    plain = OpeningHours.parse("Mon-Fri 09:00-17:00; Sat 10:00-13:00")
    rich = oruk_hours()
    assert len(rich.holidays) == 12 and len(rich.dated) == 2 and rich.timezone == "UTC+01:00"
    runs = {"plain weekly (baseline)": [], "Open Referral hours": []}
    for _ in range(5):
        runs["plain weekly (baseline)"].append(timed(plain, instants))
        runs["Open Referral hours"].append(timed(rich, instants))
    print(f"{count} status lines, median of 5 runs")
    print(f"{'':<26}{'total (ms)':>12}{'per line (µs)':>16}")
    for label, times in runs.items():
        median = statistics.median(times)
        print(f"{label:<26}{median * 1000:>12.1f}{median / count * 1e6:>16.1f}")


if __name__ == "__main__":
    main()
