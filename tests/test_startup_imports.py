"""The desk starts like a bare app: the sign-in path imports nothing it does not need.

Each check runs in a fresh interpreter (``sys.modules`` of the test process
holds everything the suite has imported). The child starts the desk app on an
enrolled desk (a server URL and a token, so the sync worker starts too), waits
for the sign-in screen, and prints which modules of a forbidden list it holds:
at the first frame none of the areas' screens, their queries or their heavy
tables; at any time nothing that belongs to the central API.
"""

from __future__ import annotations

import json
import os
import pkgutil
import subprocess
import sys

import cxdesk.events
from cxdesk.config import load_settings
from cxdesk.store import open_store

# Never in a desk process: the central API's framework, server and models; and
# ``cryptography`` (~9 MiB of its own OpenSSL): the desk's ciphers and signatures are
# libsodium's, ``cryptography`` only stands in for AES-GCM on a CPU without AES instructions.
SERVER_SIDE = [
    "cryptography",
    "fastapi",
    "uvicorn",
    "starlette",
    "sqlmodel",
    "sqlalchemy",
    "alembic",
    "psycopg",
    "cxdesk.sync.server",
    "cxdesk.sync.demo",
]
# Not before sign-in: what the areas bring (loaded when an area first opens), what the
# sync worker brings (after the first frame, in a thread), and what a person's first
# key press starts importing (the passcode check and the first event's model).
AREAS = [
    "argon2",  # derives a person's keys at sign-in, not before
    # The settings are a plain reader; the event model and every payload model are
    # pydantic, made when the first event is (cxdesk.events.event, .payload).
    "pydantic",
    "pydantic_core",
    "pydantic_settings",
    "uuid6",  # new event ids; it imports importlib.metadata, and that the email package
    "importlib.metadata",
    "email.utils",  # the server's Date header (deskclock.measure)
    "orjson",
    # The passcode check and its rules (and London's time zone): the sign-in screen
    # itself reads only the desk's place and whether it is a demo store.
    "cxdesk.store.signin_commands",
    "cxdesk.domain.signin_policy",
    "cxdesk.domain.staff_keys",  # a person's signing keys come with their sign-in
    "nacl.signing",
    "cxdesk.domain.validation",
    "zoneinfo",
    "httpx",
    "cxdesk.sync.client",
    "cxdesk.sync.protocol",
    "cxdesk.sync.worker",
    "cxdesk.sync.round",
    "holidays",
    "phonenumbers",
    "rapidfuzz",
    "zxcvbn",
    "cxdesk.screens.lookup",
    "cxdesk.screens.customer_search",
    "cxdesk.screens.referral_queues",
    "cxdesk.screens.crisis_queue",
    "cxdesk.screens.stock",
    "cxdesk.screens.issue_log",
    "cxdesk.screens.sync_status",
    "cxdesk.screens.help",
    "cxdesk.store.customer_queries",
    "cxdesk.store.directory_queries",
    "cxdesk.store.issue_log_queries",
    "cxdesk.screens.cautions",
    "cxdesk.store.caution_queries",
    # The projections declare the store's migrations; a current store is known to be
    # current from store/schema_versions.py alone, so they load with the first event.
    "cxdesk.store.projections.customers",
    "cxdesk.store.projections.issuing",
    "cxdesk.store.projections.referrals",
    "cxdesk.store.projections.stock",
    # The event catalogue (every kind's pydantic model) and the customer match keys:
    # built when the first event is recorded or checked, not when the store opens.
    "cxdesk.domain.claim_keys",
    "cxdesk.domain.directory",
    "cxdesk.domain.contact_reasons",
    *(
        f"cxdesk.events.{info.name}"
        for info in pkgutil.iter_modules(cxdesk.events.__path__)
        if info.name != "envelope"
    ),
]

CHILD = """
import asyncio, json, sys

FORBIDDEN = json.loads(sys.argv[1])
ENROLLED = sys.argv[2] == "enrolled"

def held(names):
    return sorted(n for n in names if n in sys.modules)

import cxdesk.cli  # the way `cxdesk run` starts: every command registered
from cxdesk.app import make_app
from cxdesk.config import load_settings
from cxdesk.screens.signin import SignInScreen

seen = {}
mount_sign_in = SignInScreen.on_mount

def on_mount(screen):
    # What the process holds when the sign-in screen is ready to draw.
    seen.setdefault("first_frame", held(FORBIDDEN["areas"] + FORBIDDEN["server"]))
    mount_sign_in(screen)

SignInScreen.on_mount = on_mount

async def wait_until(pilot, ready, what):
    for _ in range(1200):  # a timeout for a loaded machine, not a time being measured
        if ready():
            return
        await pilot.pause(0.05)
    raise SystemExit(f"{what} never happened")

async def main():
    app = make_app(load_settings())
    async with app.run_test(size=(80, 24)) as pilot:
        screen = lambda: app.screen if isinstance(app.screen, SignInScreen) else None
        place = lambda: str(screen().query_one("#signin-place").render()) if screen() else ""
        await wait_until(pilot, lambda: place().startswith("at "), "the sign-in screen's load")
        if ENROLLED:
            await wait_until(pilot, lambda: app.sync is not None, "the sync worker's start")
            await pilot.pause()
            seen["signed_out_with_sync"] = held(FORBIDDEN["server"])
        else:
            for _ in range(5):
                await pilot.pause(0.05)
            seen["signed_out"] = held(FORBIDDEN["areas"] + FORBIDDEN["server"])
            # The first key starts importing what signing in needs, while the person types.
            await pilot.press("A")
            needed = [
                "argon2.low_level",
                "cxdesk.events.event",
                "cxdesk.events.issuing",
                "cxdesk.store.signin_commands",
            ]
            await wait_until(pilot, lambda: held(needed) == needed, "the sign-in imports")
        app.exit()

asyncio.run(main())
print(json.dumps(seen))
"""


def run_desk(settings, enrolled: bool) -> dict[str, list[str]]:
    """What a fresh desk process held at each point (see ``CHILD``)."""
    env = dict(os.environ)
    if enrolled:
        # Enrolled with a central API that is not there (port 9, discard): the worker starts.
        settings.token_path.write_text("t" * 43)
        env["CXDESK_SERVER_URL"] = "http://127.0.0.1:9"
    forbidden = {"areas": AREAS, "server": SERVER_SIDE}
    done = subprocess.run(
        [sys.executable, "-c", CHILD, json.dumps(forbidden), "enrolled" if enrolled else "-"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_sign_in_path_imports_nothing_forbidden(tmp_path):
    settings = load_settings()
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    open_store(settings.store_path, device_id="D-TEST", location="CSC").close()
    # Not enrolled: nothing forbidden once the sign-in screen has loaded either (asking
    # whether the desk is enrolled brings no sync module).
    seen = run_desk(settings, enrolled=False)
    assert seen["first_frame"] == []
    assert seen["signed_out"] == []
    seen = run_desk(settings, enrolled=True)
    assert seen["first_frame"] == []
    assert seen["signed_out_with_sync"] == []


def test_an_area_still_opens_its_screen():
    """The lazy factories build the same screens the areas always had."""
    from cxdesk.app import CxDeskApp
    from cxdesk.screens.lookup import LookupScreen

    factory = CxDeskApp.MODES["lookup"]
    assert callable(factory)
    assert isinstance(factory(), LookupScreen)
