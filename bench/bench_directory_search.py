"""Directory search per keystroke on 10,000 entries, beside a plain rapidfuzz scan.

Each query is "typed" one character at a time and every prefix is searched, as
the lookup screen does; the index's per-word cache is cleared before each
keystroke so the figure is the cold cost, not a cache hit. The baseline is what
a first attempt would do: ``rapidfuzz.process.extract`` with ``WRatio`` over
one pre-folded text per entry (name, team, keywords, service), which is
typo-tolerant but scans every entry on every keystroke. The entries are the
council's fixture directory mixed into synthetic ones (``tests.directory_helpers``).

Run: ``.venv/bin/python bench/bench_directory_search.py [N]``
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from rapidfuzz import fuzz, process  # noqa: E402

from cxdesk.domain.directory import DirectoryIndex, fold  # noqa: E402
from cxdesk.domain.directory_import import import_csv  # noqa: E402
from tests.directory_helpers import synthetic_entries  # noqa: E402

QUERIES = ["housng options", "counciltax", "tax council", "welfare assistance", "0161 496 0250"]


def keystrokes() -> list[str]:
    return [query[:n] for query in QUERIES for n in range(1, len(query) + 1)]


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
    root = Path(__file__).resolve().parent.parent
    entries = synthetic_entries(count) + import_csv(root / "fixtures" / "directory.csv").entries

    start = time.perf_counter()
    index = DirectoryIndex(entries)
    build = time.perf_counter() - start
    start = time.perf_counter()
    texts = [fold(" ".join((e.name, e.team, " ".join(e.keywords), e.service))) for e in entries]
    baseline_build = time.perf_counter() - start

    ours, theirs = [], []
    for typed in keystrokes():
        index._cache.clear()  # measure the cold cost of each keystroke
        start = time.perf_counter()
        index.search(typed)
        ours.append(time.perf_counter() - start)
        start = time.perf_counter()
        process.extract(fold(typed), texts, scorer=fuzz.WRatio, limit=20)
        theirs.append(time.perf_counter() - start)

    def row(label: str, a: float, b: float) -> None:
        print(f"{label:<28}{a * 1000:>12.2f}{b * 1000:>14.2f}")

    print(f"{len(entries)} entries, {len(ours)} keystrokes")
    print(f"{'':<28}{'index (ms)':>12}{'rapidfuzz (ms)':>14}")
    row("build", build, baseline_build)
    row("keystroke median", statistics.median(ours), statistics.median(theirs))
    row("keystroke p95", _p95(ours), _p95(theirs))
    row("keystroke max", max(ours), max(theirs))
    for query in QUERIES:
        top = index.search(query)
        name = top[0].entry.name if top else "-"
        best = process.extract(fold(query), texts, scorer=fuzz.WRatio, limit=1)
        print(f"top for {query!r}: index {name!r}; rapidfuzz {entries[best[0][2]].name!r}")


def _p95(values: list[float]) -> float:
    return sorted(values)[int(len(values) * 0.95) - 1]


if __name__ == "__main__":
    main()
