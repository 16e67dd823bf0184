"""Shared fixtures: every test runs with its own data folder, never the user's."""

from __future__ import annotations

import pytest

from cxdesk.store import open_store

TEST_HASH = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$3Eb8nZ1m3Qq3ZCwVv8bZ2A"


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
            "passcode_hash": TEST_HASH,
        },
        actor="ADMIN1",
        role="admin",
    )
    return store
