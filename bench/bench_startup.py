"""Time from process start to the sign-in screen, and memory then, beside a bare Textual app.

Each figure comes from a fresh Python process (median of several runs): the
parent notes the time, starts the child, and the child exits as soon as its
first screen is up, printing its peak resident memory. The cxdesk child opens a
demo store (seeded beforehand, outside the timing) and waits until the
sign-in screen is mounted and has loaded the desk's name and the demo
accounts. The baseline child is a bare Textual app with one Input, run the
same way, so the ratio is what cxdesk adds to Textual itself.

Run: ``.venv/bin/python bench/bench_startup.py [RUNS]``
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

CXDESK_CHILD = """
import asyncio

def peak_kib():
    # VmHWM belongs to this process's own memory map. (ru_maxrss would not do: on
    # Linux it keeps the forking parent's high-water mark across exec.)
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
from cxdesk.config import load_settings
from cxdesk.app import make_app
from cxdesk.screens.signin import SignInScreen

async def main():
    app = make_app(load_settings(demo=True))
    async with app.run_test(size=(80, 24)) as pilot:
        for _ in range(200):
            screen = app.screen
            if isinstance(screen, SignInScreen) and screen.query_one("#demo-accounts").display:
                if "DEMO" in str(screen.query_one("#demo-accounts").render()):
                    break
            await pilot.pause()
        else:
            raise SystemExit("sign-in screen never showed")
        print("READY", peak_kib(), flush=True)
        app.exit()

asyncio.run(main())
"""

BARE_CHILD = """
import asyncio

def peak_kib():
    # VmHWM belongs to this process's own memory map. (ru_maxrss would not do: on
    # Linux it keeps the forking parent's high-water mark across exec.)
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
from textual.app import App
from textual.widgets import Input

class Bare(App):
    def compose(self):
        yield Input(placeholder="staff id")

async def main():
    app = Bare()
    async with app.run_test(size=(80, 24)) as pilot:
        for _ in range(200):
            if app.screen.query(Input):
                break
            await pilot.pause()
        print("READY", peak_kib(), flush=True)
        app.exit()

asyncio.run(main())
"""


def run_child(code: str, env: dict[str, str]) -> tuple[float, float]:
    """(seconds to READY, peak RSS in MiB) for one fresh process."""
    start = time.perf_counter()
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout
    elapsed = time.perf_counter() - start
    line = next(line for line in out.splitlines() if line.startswith("READY"))
    return elapsed, int(line.split()[1]) / 1024


def main() -> None:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 5
    with tempfile.TemporaryDirectory(prefix="cxdesk-bench-") as folder:
        env = {**os.environ, "CXDESK_DATA_DIR": folder, "CXDESK_CONFIG": f"{folder}/none.toml"}
        os.environ.update(CXDESK_DATA_DIR=folder, CXDESK_CONFIG=f"{folder}/none.toml")
        from cxdesk.commands.desk_cmd import open_demo_store

        _, store = open_demo_store("BENCH-1", "CSC")
        store.close()
        ours = [run_child(CXDESK_CHILD, env) for _ in range(runs)]
        bare = [run_child(BARE_CHILD, env) for _ in range(runs)]
    t_ours = statistics.median(t for t, _ in ours)
    t_bare = statistics.median(t for t, _ in bare)
    m_ours = statistics.median(m for _, m in ours)
    m_bare = statistics.median(m for _, m in bare)
    print(f"startup, median of {runs} fresh processes (80x24, headless)")
    print(f"{'figure':<34}{'cxdesk':>10}{'baseline':>10}{'ratio':>8}")
    print(
        f"{'process start to sign-in (s)':<34}{t_ours:>10.2f}{t_bare:>10.2f}{t_ours / t_bare:>8.2f}"
    )
    print(
        f"{'peak resident memory (MiB)':<34}{m_ours:>10.1f}{m_bare:>10.1f}{m_ours / m_bare:>8.2f}"
    )
    print("baseline: a bare Textual app with one Input, started and measured the same way")


if __name__ == "__main__":
    main()
