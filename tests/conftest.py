"""Shared fixtures: every test runs with its own data folder, never the user's."""

from __future__ import annotations

import functools
import hashlib
import os
import shutil
import tempfile
from pathlib import Path

import pytest

from cxdesk.domain import staff_keys
from cxdesk.store import open_store

# Deriving a key at production cost takes ~70 ms; the suite makes thousands.
# Only the test suite can switch to cheap parameters (a function call, no setting).
staff_keys.use_test_params()

TEST_PASSCODE = "test passcode for everyone"

RAM_FOLDER = Path("/dev/shm")
RAM_NEEDED = 2 * 1024**3
"""Free bytes a RAM folder must have to hold the tests' folders (they use a few hundred MB)."""


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config):
    """Test folders (``tmp_path``, ``tempfile``, the servers' and desks' subprocesses) on a
    RAM disk when the machine has one, unless ``--basetemp`` says where.

    A store commits with ``synchronous=FULL``, so every commit waits for an fsync: on a
    disk that is most of what creating a store (30 migration steps) or recording an event
    costs, and none of it is what a test checks. A killed process loses exactly what it
    would lose on a disk (its writes are in the page cache either way). The folder goes
    at the end of the run; pass ``--basetemp`` to keep a run's folders.
    """
    if config.option.basetemp is not None or hasattr(config, "workerinput"):
        return  # given, or an xdist worker (its basetemp comes from the controller's)
    try:
        free = os.statvfs(RAM_FOLDER)
        if free.f_bavail * free.f_frsize < RAM_NEEDED or not os.access(RAM_FOLDER, os.W_OK):
            return
        folder = tempfile.mkdtemp(prefix="cxdesk-tests-", dir=RAM_FOLDER)
    except OSError:
        return
    config.add_cleanup(lambda: shutil.rmtree(folder, ignore_errors=True))
    config.option.basetemp = os.path.join(folder, "basetemp")
    os.environ["TMPDIR"] = tempfile.tempdir = folder  # workers and subprocesses inherit it


@functools.cache
def keys_for(staff_id: str, passcode: str = TEST_PASSCODE) -> staff_keys.StaffKeys:
    """A person's keys for tests: their own salt (so each person's key differs), cheap params."""
    salt = hashlib.sha256(staff_id.encode()).hexdigest()[:32]
    return staff_keys.derive_staff_keys(passcode, salt, staff_keys.current_params())


def key_fields_for(staff_id: str, passcode: str = TEST_PASSCODE) -> dict[str, str]:
    """The roster fields (public key, salt, parameters) of ``keys_for``."""
    return keys_for(staff_id, passcode).roster_fields()


@pytest.fixture(autouse=True)
def isolated_dirs(tmp_path, monkeypatch):
    """Keep every test away from the real data and config folders."""
    monkeypatch.setenv("CXDESK_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("CXDESK_CONFIG", str(tmp_path / "cxdesk.toml"))
    # Store keys in a device key folder beside (never inside) the test's folders, and
    # never in the OS key store of the machine running the tests.
    monkeypatch.setenv("CXDESK_KEY_DIR", str(tmp_path.parent / f"{tmp_path.name}-keys"))
    monkeypatch.setenv("CXDESK_KEY_STORE", "file")
    for name in ("CXDESK_SERVER_URL", "CXDESK_IDLE_LOCK_MINUTES", "CXDESK_DEMO"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture(autouse=True)
def steady_cursor(request, monkeypatch):
    """Snapshots never catch a cursor mid-blink: a focused field always shows its cursor.

    The blink is a 0.5 s timer, so on a loaded machine a picture could be taken
    in either phase.
    """
    if "snap_compare" not in request.fixturenames:
        return
    from textual.widgets import Input, TextArea

    monkeypatch.setattr(Input, "_toggle_cursor", lambda self: None)
    monkeypatch.setattr(TextArea, "_toggle_cursor_blink_visible", lambda self: None)


@pytest.fixture
def store(tmp_path):
    """A fresh desk store for desk D-TEST at the CSC."""
    s = open_store(tmp_path / "desk.sqlite3", device_id="D-TEST", location="CSC")
    yield s
    s.close()


@pytest.fixture
def admin_store(store):
    """A desk store with an admin on the roster, able to record admin events."""
    store.record(
        "StaffEnrolled",
        {
            "staff_id": "ADMIN1",
            "name": "Ada Admin",
            "role": "admin",
            "locations": ["CSC"],
            **key_fields_for("ADMIN1"),
        },
        actor="ADMIN1",
        role="admin",
    )
    return store
