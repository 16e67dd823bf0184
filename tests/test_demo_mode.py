"""Demo mode only on a store made by ``cxdesk demo``; the demo roster never joins a real one."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from cxdesk.cli import cli
from cxdesk.errors import CxDeskError
from cxdesk.store import open_store
from cxdesk.store.demo_mark import is_demo_store, mark_demo_store
from cxdesk.sync.server import admin
from cxdesk.sync.server.app import open_database

from .conftest import key_fields_for


def _real_desk(folder):
    store = open_store(folder / "desk.sqlite3", device_id="D-REAL", location="CSC")
    store.record_as_desk("SignInFailed", {"staff_id": "Z1", "reason": "wrong passcode"})
    return store


def test_demo_setting_on_a_real_desk_is_refused(tmp_path, monkeypatch):
    folder = tmp_path / "data"
    folder.mkdir()
    _real_desk(folder).close()
    monkeypatch.setenv("CXDESK_DATA_DIR", str(folder))
    monkeypatch.setenv("CXDESK_DEMO", "true")
    result = CliRunner().invoke(cli, ["run"])
    assert result.exit_code != 0
    assert "only works on a store made by `cxdesk demo`" in result.output
    # `cxdesk demo` pointed at the same store refuses it too.
    result = CliRunner().invoke(cli, ["demo", "--desk", "D-REAL", "--location", "CSC"])
    assert result.exit_code != 0 and "not made by `cxdesk demo`" in result.output


def test_a_store_is_a_demo_store_only_when_marked(tmp_path):
    store = _real_desk(tmp_path)
    assert not is_demo_store(store)
    mark_demo_store(store)
    assert is_demo_store(store)
    store.close()


def test_seed_demo_refuses_a_database_with_staff(tmp_path):
    engine = open_database(f"sqlite:///{tmp_path / 'central.sqlite3'}")
    admin.add_staff(
        engine,
        "S9001",
        name="Real Supervisor",
        role="supervisor",
        locations=["CSC"],
        key_fields=key_fields_for("S9001"),
    )
    with pytest.raises(CxDeskError, match="already has staff"):
        admin.seed_server(engine)
    assert {d["id"] for d in admin.devices(engine)} == {"central"}
    engine.dispose()
