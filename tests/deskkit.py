"""Helpers for desk app tests: a store with a roster and the fixture directory, a fake clock."""

from __future__ import annotations

import re
from contextlib import asynccontextmanager
from dataclasses import replace
from pathlib import Path

from cxdesk import locations
from cxdesk.app import CxDeskApp
from cxdesk.config import load_settings
from cxdesk.domain.staff_keys import StaffKeys
from cxdesk.seed.staff import demo_key_fields
from cxdesk.session import DeskSession
from cxdesk.store.directory_commands import import_directory
from tests import peek
from tests.conftest import keys_for

PASSCODES = {
    "A1001": "amber kettle forty",
    "A1002": "blue heron morning",
    "H2001": "cedar lantern walk",
    "S3001": "dusk orchard piano",
    "GONE1": "ember fossil quartz",
}
STAFF = [
    ("A1001", "Sam Advisor", "advisor", ["CSC"]),
    ("A1002", "Pat Second", "advisor", ["CSC"]),
    ("H2001", "Hana Hub", "hub", ["HUB-NORTH"]),
    ("S3001", "Sue Supervisor", "supervisor", ["HUB-NORTH"]),
    ("GONE1", "Gus Gone", "advisor", ["CSC"]),
]


def build_desk(store, *, with_directory: bool = True):
    """Locations, staff (GONE1 removed) and, unless told not to, the fixture directory."""
    admin = dict(actor="ADMIN1", role="admin")
    for loc, name, kind in (
        ("CSC", "Customer Service Centre", "csc"),
        ("HUB-NORTH", "North Hub", "hub"),
    ):
        store.record("LocationDefined", {"location_id": loc, "name": name, "kind": kind}, **admin)
    for staff_id, name, role, places in STAFF:
        payload = {
            "staff_id": staff_id,
            "name": name,
            "role": role,
            "locations": places,
            **demo_key_fields(staff_id, PASSCODES[staff_id]),
        }
        store.record("StaffEnrolled", payload, **admin)
    store.record("StaffRemoved", {"staff_id": "GONE1"}, **admin)
    if with_directory:
        import_directory(store, locations.fixtures_dir() / "directory.csv", **admin)
    return store


def give_keys(store, staff_id: str) -> None:
    """Hand the store ``staff_id``'s signing keys, as signing in would (for tests that set
    ``app.session`` directly instead of typing at the sign-in screen)."""
    store.use_keys(staff_id, roster_keys(store, staff_id))


def roster_keys(store, staff_id: str) -> StaffKeys:
    """``staff_id``'s keys from their passcode in ``PASSCODES``, checked against the roster."""
    from cxdesk.store.signin_commands import keys_if_passcode_matches

    [row] = peek.query(store, "SELECT * FROM staff WHERE staff_id = ?", (staff_id,))
    keys = keys_if_passcode_matches(row, PASSCODES[staff_id])
    assert keys is not None
    return keys


class FakeClock:
    """A monotonic clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


def make_test_app(store, clock=None, **settings) -> CxDeskApp:
    """The real desk app on a test store, nobody signed in yet (a fake clock unless given)."""
    return CxDeskApp(load_settings(**settings), store, clock=clock or FakeClock())


async def start_session(pilot, session: DeskSession) -> None:
    """Sign ``session`` in through the app's own call, as a checked passcode does.

    Without keys on the session, the person's keys come from ``PASSCODES`` (this
    module's roster) or else the test passcode of ``tests.conftest.keys_for``.
    """
    if session.keys is None:
        store = pilot.app.desk.store
        if session.staff_id in PASSCODES:
            keys = roster_keys(store, session.staff_id)
        else:
            keys = keys_for(session.staff_id)
        session = replace(session, keys=keys)
    await pilot.app.start_session(session)
    await settle(pilot)


@asynccontextmanager
async def run_desk(store, session: DeskSession | None = None, *, size=(80, 24), **settings):
    """Run the real desk app on ``store`` with ``session`` signed in (in the home area):
    the one way screen tests build a desk. Yields the Pilot; ``settings`` as for
    ``load_settings`` (``data_dir=...``)."""
    app = make_test_app(store, **settings)
    async with app.run_test(size=size) as pilot:
        if session is not None:
            await start_session(pilot, session)
        yield pilot


def screen_text(app) -> str:
    """Everything on the terminal now, as plain text."""
    return "\n".join(strip.text for strip in app.screen._compositor.render_strips())


def shows(app, phrase: str) -> bool:
    """Whether ``phrase`` is on screen, allowing it to wrap over lines."""
    return phrase in " ".join(screen_text(app).split())


async def settle(pilot) -> None:
    """Let workers finish and the screen catch up (twice: a worker's message may start another)."""
    from contextlib import suppress

    from textual.worker import WorkerCancelled

    for _ in range(3):
        # An exclusive worker replaced by a newer one is cancelled: the newer one is waited for.
        with suppress(WorkerCancelled):
            await pilot.app.workers.wait_for_complete()
        await pilot.pause()


async def sign_in(pilot, staff_id: str, passcode: str | None = None) -> None:
    """Fill in the sign-in form on screen and press Enter (typing is tested separately)."""
    from textual.widgets import Input

    screen = pilot.app.screen
    screen.query_one("#staff-id", Input).value = staff_id
    passcode_input = screen.query_one("#passcode", Input)
    passcode_input.value = passcode if passcode is not None else PASSCODES[staff_id.upper()]
    passcode_input.focus()
    await pilot.press("enter")
    await settle(pilot)


def fixtures_with_staff(tmp_path: Path) -> Path:
    """A fixtures folder with a small staff.json (for the demo account list)."""
    import json
    import shutil

    folder = tmp_path / "fixtures"
    folder.mkdir()
    shutil.copy(locations.fixtures_dir() / "directory.csv", folder / "directory.csv")
    staff = [
        {"staff_id": s, "name": n, "role": r, "locations": p, "passcode": PASSCODES[s]}
        for s, n, r, p in STAFF
    ]
    (folder / "staff.json").write_text(json.dumps(staff), encoding="utf-8")
    return folder


KEY_NAME = re.compile(r"enter|tab|shift\+tab|escape|backspace|down|up|f\d{1,2}|ctrl\+\w")


async def type_at_once(pilot, *items: str) -> None:
    """Send keys the way a scanner or an SSH line does: all queued before any is handled.

    Each item is a key name ("enter", "shift+tab", "f12") or text typed character by character.
    """
    from textual import events
    from textual.keys import _character_to_key

    driver = pilot.app._driver
    for item in items:
        if KEY_NAME.fullmatch(item):
            char = {"enter": "\r", "tab": "\t", "escape": "\x1b"}.get(item)
            driver.send_message(events.Key(item, char))
            continue
        for char in item:
            key = char if char.isalnum() else _character_to_key(char)
            driver.send_message(events.Key(key, char))
    await settle(pilot)
