"""Settings: defaults < TOML file < CXDESK_ environment < what a command passes."""

from __future__ import annotations

from dataclasses import fields
from pathlib import Path

import pytest

from cxdesk.config import SETTING_NAMES, Settings, describe_settings, explain, load_settings
from cxdesk.errors import CxDeskError


@pytest.fixture
def toml_file(tmp_path, monkeypatch):
    path = tmp_path / "settings.toml"
    monkeypatch.setenv("CXDESK_CONFIG", str(path))
    return path


def sources(**overrides) -> dict[str, str]:
    return {row.name: row.source for row in describe_settings(**overrides)}


def test_each_source_overrides_the_one_before(toml_file, monkeypatch):
    assert load_settings().idle_lock_minutes == 5.0
    assert sources()["idle_lock_minutes"] == "default"
    toml_file.write_text('idle_lock_minutes = 7\nprint_command = "lp -d front"\n')
    settings = load_settings()
    assert settings.idle_lock_minutes == 7.0 and settings.print_command == "lp -d front"
    assert sources()["idle_lock_minutes"] == f"file {toml_file}"
    monkeypatch.setenv("CXDESK_IDLE_LOCK_MINUTES", "9")
    assert load_settings().idle_lock_minutes == 9.0
    assert sources()["idle_lock_minutes"] == "environment CXDESK_IDLE_LOCK_MINUTES"
    assert load_settings(idle_lock_minutes=11).idle_lock_minutes == 11.0
    assert sources(idle_lock_minutes=11)["idle_lock_minutes"] == "command line"
    # A value a command leaves unset (None) does not hide the others.
    assert load_settings(idle_lock_minutes=None).idle_lock_minutes == 9.0
    assert sources()["print_command"] == f"file {toml_file}"


def test_tables_come_from_the_file_or_as_json_from_the_environment(toml_file, monkeypatch):
    toml_file.write_text('[keymap]\nlock = "ctrl+l"\n')
    assert load_settings().keymap == {"lock": "ctrl+l"}
    monkeypatch.setenv("CXDESK_KEYMAP", '{"lock": "f12"}')
    assert load_settings().keymap == {"lock": "f12"}
    monkeypatch.setenv("CXDESK_KEYMAP", "lock=f12")
    with pytest.raises(CxDeskError, match="keymap"):
        load_settings()


def test_data_dir_from_the_environment_names_its_variable(tmp_path, monkeypatch):
    monkeypatch.setenv("CXDESK_DATA_DIR", str(tmp_path / "elsewhere"))
    assert load_settings().store_path == tmp_path / "elsewhere" / "desk.sqlite3"
    assert sources()["data_dir"] == "environment CXDESK_DATA_DIR"


def test_bad_file_and_bad_values_are_named(toml_file, monkeypatch):
    toml_file.write_text("idle_lock_minutes = = 3\n")
    with pytest.raises(CxDeskError, match="not valid TOML"):
        load_settings()
    toml_file.write_text("idle_lock_minutes = 0\n")
    with pytest.raises(CxDeskError, match="idle_lock_minutes"):
        load_settings()
    toml_file.write_text("")
    monkeypatch.setenv("CXDESK_SYNC_INTERVAL_SECONDS", "often")
    with pytest.raises(CxDeskError, match="sync_interval_seconds"):
        load_settings()


def test_other_cxdesk_variables_and_unknown_file_keys_are_left_alone(toml_file, monkeypatch):
    monkeypatch.setenv("CXDESK_KEY_STORE", "file")  # read by the key store, not a setting
    toml_file.write_text("retired_setting = 1\n")
    assert load_settings().demo is False


def test_every_value_is_checked_and_each_bad_one_named_with_its_source(toml_file, monkeypatch):
    toml_file.write_text('demo = "maybe"\nprint_command = ""\n[keymap]\nlock = 12\n')
    monkeypatch.setenv("CXDESK_PRINTOUT_DAYS", "inf")
    with pytest.raises(CxDeskError) as caught:
        load_settings()
    message = caught.value.message
    for name in ("demo", "print_command", "keymap"):
        assert f"{name}: " in message and f"(file {toml_file})" in message
    assert "printout_days: " in message and "(CXDESK_PRINTOUT_DAYS)" in message
    toml_file.write_text("print_command = 7\n")
    with pytest.raises(CxDeskError, match="print_command: should be text"):
        load_settings()
    with pytest.raises(CxDeskError, match="idle_lock_minutes: should be a number"):
        load_settings(print_command="lp", idle_lock_minutes="soon")


def test_values_are_read_as_typed(toml_file, monkeypatch):
    toml_file.write_text('demo = true\nserver_url = "http://hub:8740"\nprintout_days = 7\n')
    settings = load_settings()
    assert settings.demo is True and settings.server_url == "http://hub:8740"
    assert settings.printout_days == 7.0 and isinstance(settings.printout_days, float)
    monkeypatch.setenv("cxdesk_demo", "no")  # any case in the environment
    monkeypatch.setenv("CXDESK_SYNC_INTERVAL_SECONDS", " 2.5 ")
    settings = load_settings(data_dir="~/desk")
    assert settings.demo is False and settings.sync_interval_seconds == 2.5
    assert settings.data_dir == Path("~/desk").expanduser()


def test_a_command_passing_no_such_setting_is_a_bug():
    with pytest.raises(TypeError, match="idle_lock"):
        load_settings(idle_lock=3)


def test_every_setting_is_explained():
    assert set(SETTING_NAMES) == {f.name for f in fields(Settings)}
    for name in SETTING_NAMES:
        assert explain(name).endswith("."), f"{name} has no explanation"
