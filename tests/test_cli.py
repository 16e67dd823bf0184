"""The ``cxdesk`` command line: version, help, lookup, config and the directory import."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from cxdesk import __version__, locations
from cxdesk.cli import cli
from cxdesk.config import load_settings
from cxdesk.domain.staff_keys import verify_event_signature
from cxdesk.store import open_store
from tests import peek

from .deskkit import PASSCODES, build_desk


@pytest.fixture
def runner():
    return CliRunner()


@pytest.fixture
def desk_store():
    """This desk's configured store (CXDESK_DATA_DIR), with roster and directory."""
    store = open_store(load_settings().store_path, device_id="D-CLI", location="CSC")
    build_desk(store)
    store.close()


def test_version_and_help(runner):
    result = runner.invoke(cli, ["--version"])
    assert result.exit_code == 0 and __version__ in result.output
    result = runner.invoke(cli, ["--help"])
    assert result.exit_code == 0
    for command in ("run", "demo", "lookup", "admin", "config"):
        assert f"  {command} " in result.output
    admin = runner.invoke(cli, ["admin", "--help"])
    assert "import-directory" in admin.output and "verify" in admin.output


def test_lookup_json_and_plain(runner, desk_store):
    result = runner.invoke(cli, ["lookup", "housng", "--json", "--limit", "3"])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.output)
    assert len(rows) <= 3
    assert rows[0]["name"] == "Housing Options"
    assert rows[0]["number"] == "020 7946 0101"
    assert rows[0]["staff_only"] is True
    assert isinstance(rows[0]["open_now"], bool) and rows[0]["status"]
    plain = runner.invoke(cli, ["lookup", "council", "tax"])
    assert plain.exit_code == 0
    first = plain.output.splitlines()[0]
    assert "Council Tax" in first and "020 7946" in first
    nothing = runner.invoke(cli, ["lookup", "zzqx"])
    assert nothing.exit_code == 1 and "Nothing matches" in nothing.output


def test_lookup_on_empty_or_missing_store(runner):
    missing = runner.invoke(cli, ["lookup", "housing"])
    assert missing.exit_code == 1 and "no desk store" in missing.output
    open_store(load_settings().store_path, device_id="D-CLI", location="CSC").close()
    empty = runner.invoke(cli, ["lookup", "housing"])
    assert empty.exit_code == 1 and "directory on this desk is empty" in empty.output


def test_config_shows_sources(runner, monkeypatch):
    monkeypatch.setenv("CXDESK_IDLE_LOCK_MINUTES", "3")
    result = runner.invoke(cli, ["config"])
    assert result.exit_code == 0
    assert "idle_lock_minutes = 3.0  (environment CXDESK_IDLE_LOCK_MINUTES)" in result.output
    assert "(default)" in result.output


def test_import_directory_reports_bad_rows(runner, tmp_path):
    store = open_store(load_settings().store_path, device_id="D-CLI", location="CSC")
    build_desk(store, with_directory=False)
    store.close()
    bad = tmp_path / "teams.csv"
    bad.write_text(
        "id,name,phone,hours\n"
        "ok-team,OK Team,020 7946 0500,Mon-Fri 09:00-17:00\n"
        "bad-phone,Bad Phone,12345,Mon-Fri 09:00-17:00\n",
        encoding="utf-8",
    )
    result = runner.invoke(cli, ["admin", "import-directory", str(bad), "--as", "ADMIN1"])
    # ADMIN1 is not on this roster: refused, nothing imported.
    assert result.exit_code == 1 and "not on this desk's staff list" in result.output
    # A wrong passcode: refused, counted towards the lock-out, nothing imported.
    as_s3001 = ["admin", "import-directory", str(bad), "--as", "S3001"]
    result = runner.invoke(cli, as_s3001, input="not the passcode at all\n")
    assert result.exit_code == 1 and "do not match" in result.output
    assert "not the passcode" not in result.output
    result = runner.invoke(cli, as_s3001, input=PASSCODES["S3001"] + "\n")
    assert result.exit_code == 0, result.output
    assert "added: 1" in result.output
    assert "problems: 1" in result.output
    assert "row 3" in result.output
    again = runner.invoke(cli, as_s3001, input=PASSCODES["S3001"] + "\n")
    assert "added: 0" in again.output and "unchanged: 1" in again.output
    all_bad = tmp_path / "bad.csv"
    all_bad.write_text("id,name,phone,hours\nx,X,12345,Mon 09:00-17:00\n", encoding="utf-8")
    result = runner.invoke(
        cli,
        ["admin", "import-directory", str(all_bad), "--as", "S3001"],
        input=PASSCODES["S3001"] + "\n",
    )
    assert result.exit_code == 1
    store = open_store(load_settings().store_path)
    try:
        [failed] = peek.query(store, "SELECT payload FROM events WHERE kind = 'SignInFailed'")
        assert "directory import" in failed["payload"]
        [(key,)] = peek.query(store, "SELECT public_key FROM staff WHERE staff_id = 'S3001'")
        signed = peek.query(
            store, "SELECT hash, signature FROM events WHERE kind = 'DirectoryEntryUpdated'"
        )
        assert signed and all(verify_event_signature(key, h, sig) for h, sig in signed)
    finally:
        store.close()


def test_import_oruk_by_extension(runner):
    store = open_store(load_settings().store_path, device_id="D-CLI", location="CSC")
    build_desk(store, with_directory=False)
    store.close()
    oruk = locations.fixtures_dir() / "directory_oruk.json"
    result = runner.invoke(
        cli,
        ["admin", "import-directory", str(oruk), "--as", "S3001"],
        input=PASSCODES["S3001"] + "\n",
    )
    assert result.exit_code == 0, result.output
    added = int(result.output.split("added: ")[1].split()[0])
    assert added > 0


def test_run_without_desk_says_how_to_set_up(runner):
    result = runner.invoke(cli, ["run"])
    assert result.exit_code == 1
    assert "cxdesk demo" in result.output
