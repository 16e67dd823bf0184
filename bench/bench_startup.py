"""Time from process start to the sign-in screen, and memory then, beside a bare Textual app,
and on the encrypted desk store beside the same store as plain SQLite.

Each figure comes from a fresh Python process (median of several runs): the
parent notes the time, starts the child, and the child exits as soon as its
first screen is up, printing its peak resident memory. The cxdesk child opens a
demo store (seeded beforehand, outside the timing) and waits until the
sign-in screen is mounted and has loaded the desk's name and the demo
accounts. The baseline child is a bare Textual app with one Input, run the
same way, so the ratio is what cxdesk adds to Textual itself. The demo store
also holds 100,000 residents (filled as ``bench_customers`` does); a plain
(unencrypted) copy of it is started the same way, so "encrypted / plain" is
what unlocking and reading an encrypted store costs at start (the key found
through ``keyring`` or the device key file, as on a real desk; goal under 1.3x).

The cxdesk package is byte-compiled first (``compileall``), as an installed
desk is: the baseline's Textual comes compiled from site-packages, and a
process compiling cxdesk's sources at every start (``PYTHONDONTWRITEBYTECODE``
in a source checkout) would time the compiler, not the start.

Run: ``.venv/bin/python bench/bench_startup.py [RUNS] [RESIDENTS]``
"""

from __future__ import annotations

import compileall
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

# Both children look for their screen every millisecond. (Pilot's ``pause()`` would
# sleep in steps of 20 ms until the process is idle: the bare app's one Input is there
# at the first look, cxdesk's demo accounts arrive from a worker a moment later, so
# those steps would be timed against cxdesk alone.)
CXDESK_CHILD = """
import asyncio
import os

POLL = 0.001

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
    settings = load_settings(demo=True)
    if os.environ.get("BENCH_PLAIN_STORE") == "1":
        from bench.plainstore import open_plain_store

        app = make_app(settings, store=open_plain_store(settings.store_path))
    else:
        app = make_app(settings)
    async with app.run_test(size=(80, 24)):
        for _ in range(20_000):  # bounded: 20 s at most
            screen = app.screen
            if isinstance(screen, SignInScreen) and screen.query_one("#demo-accounts").display:
                if "DEMO" in str(screen.query_one("#demo-accounts").render()):
                    break
            await asyncio.sleep(POLL)
        else:
            raise SystemExit("sign-in screen never showed")
        print("READY", peak_kib(), flush=True)
        app.exit()

asyncio.run(main())
"""

BARE_CHILD = """
import asyncio

POLL = 0.001

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
    async with app.run_test(size=(80, 24)):
        for _ in range(20_000):
            if app.screen.query(Input):
                break
            await asyncio.sleep(POLL)
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
    residents = int(sys.argv[2]) if len(sys.argv) > 2 else 100_000
    compileall.compile_dir(ROOT / "cxdesk", quiet=1)  # as installed (see the docstring)
    with tempfile.TemporaryDirectory(prefix="cxdesk-bench-") as folder:
        env = {**os.environ, "CXDESK_DATA_DIR": folder, "CXDESK_CONFIG": f"{folder}/none.toml"}
        os.environ.update(CXDESK_DATA_DIR=folder, CXDESK_CONFIG=f"{folder}/none.toml")
        from bench.bench_customers import fill
        from bench.plainstore import plain_copy
        from cxdesk.commands.desk_cmd import open_demo_store

        _, store = open_demo_store("BENCH-1", "CSC")
        fill(store, residents)
        plain_dir = Path(folder) / "plain"
        plain_dir.mkdir()
        plain_copy(store, plain_dir / "desk.sqlite3")
        store.close()
        plain_env = {**env, "CXDESK_DATA_DIR": str(plain_dir), "BENCH_PLAIN_STORE": "1"}
        ours, plain, bare = [], [], []
        for _ in range(runs):  # taking turns, so the machine's other work falls on each alike
            ours.append(run_child(CXDESK_CHILD, env))
            plain.append(run_child(CXDESK_CHILD, plain_env))
            bare.append(run_child(BARE_CHILD, env))
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
    t_plain = statistics.median(t for t, _ in plain)
    m_plain = statistics.median(m for _, m in plain)
    print(f"with {residents:,} residents in the store:{'encrypted':>11}{'plain':>10}{'ratio':>8}")
    print(
        f"{'process start to sign-in (s)':<34}{t_ours:>10.2f}{t_plain:>10.2f}"
        f"{t_ours / t_plain:>8.2f}"
    )
    print(
        f"{'peak resident memory (MiB)':<34}{m_ours:>10.1f}{m_plain:>10.1f}{m_ours / m_plain:>8.2f}"
    )


if __name__ == "__main__":
    main()
