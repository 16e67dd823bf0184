"""What the lookup screen pays per keystroke on a 10,000-entry directory, beside bare rapidfuzz.

Each query is typed one letter at a time and, for every prefix, the screen's
own per-keystroke function runs: ``directory_queries.lookup`` (the index's
search plus open-now status for the 50 results shown). The baseline is the
least a typo-tolerant search can do: ``rapidfuzz.process.extract`` over the
same entries' names (WRatio, 50 results), with no keywords, no ranking rules
and no open-now. Medians and 95th percentiles over every keystroke.

Run: ``.venv/bin/python bench/bench_search.py [N]``
"""

from __future__ import annotations

import statistics
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from rapidfuzz import fuzz, process  # noqa: E402

from cxdesk.domain.directory import DirectoryIndex  # noqa: E402
from cxdesk.domain.directory_import import import_csv  # noqa: E402
from cxdesk.store.directory_queries import lookup  # noqa: E402
from tests.directory_helpers import synthetic_entries  # noqa: E402

QUERIES = ["housng", "counciltax", "tax council", "adult social care", "food bank", "0207946"]
LIMIT = 50


def p95(values: list[float]) -> float:
    return sorted(values)[int(len(values) * 0.95) - 1]


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
    real = import_csv(ROOT / "fixtures" / "directory.csv").entries
    entries = synthetic_entries(count - len(real)) + real
    start = time.perf_counter()
    index = DirectoryIndex(entries)
    build = time.perf_counter() - start
    names = [e.name for e in entries]
    now = datetime.now(UTC)

    ours, bare = [], []
    for query in QUERIES:
        for n in range(1, len(query) + 1):
            typed = query[:n]
            cache = getattr(index, "_cache", None)
            if cache is not None:
                cache.clear()  # the cost of a new keystroke, not a repeat
            start = time.perf_counter()
            results = lookup(index, typed, limit=LIMIT, now=now)
            ours.append(time.perf_counter() - start)
            start = time.perf_counter()
            process.extract(typed, names, scorer=fuzz.WRatio, limit=LIMIT)
            bare.append(time.perf_counter() - start)
        top = results[0].entry.name if results else "(nothing)"
        print(f"  {query!r:<22} top hit: {top}")

    def ms(values: list[float], pick) -> float:
        return pick(values) * 1000

    print(f"search per keystroke, {len(entries)} entries, {len(ours)} keystrokes")
    print(f"{'figure':<34}{'cxdesk':>10}{'baseline':>10}{'ratio':>8}")
    for label, pick in (
        ("median per keystroke (ms)", statistics.median),
        ("95th percentile (ms)", p95),
    ):
        a, b = ms(ours, pick), ms(bare, pick)
        print(f"{label:<34}{a:>10.2f}{b:>10.2f}{a / b:>8.2f}")
    print(f"{'index build, once (ms)':<34}{build * 1000:>10.1f}{'-':>10}{'-':>8}")
    print("cxdesk: lookup() = index search + open-now for 50 results, as the screen does")
    print("baseline: rapidfuzz.process.extract(WRatio) over the names only, 50 results")


if __name__ == "__main__":
    main()
