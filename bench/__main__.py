"""``python -m bench`` (``make bench``): run every benchmark in this folder, one after another.

Each ``bench_*.py`` runs in its own process, so one benchmark's imports, caches
and memory do not flatter or burden the next, and a failing one is reported
without stopping the rest. Arguments after ``python -m bench`` pick benchmarks
by name (``python -m bench startup search``).
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main(argv: list[str]) -> int:
    scripts = sorted(HERE.glob("bench_*.py"))
    if argv:
        scripts = [s for s in scripts if any(word in s.stem for word in argv)]
    failed = []
    for script in scripts:
        print(f"\n== {script.stem} ==", flush=True)
        start = time.perf_counter()
        done = subprocess.run([sys.executable, str(script)], cwd=HERE.parent)
        print(f"({script.stem}: {time.perf_counter() - start:.1f} s)", flush=True)
        if done.returncode:
            failed.append(script.stem)
    if failed:
        print(f"\nFAILED: {', '.join(failed)}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
