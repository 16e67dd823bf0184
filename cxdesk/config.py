"""Settings: defaults, then an optional TOML file, then ``CXDESK_*`` environment variables.

Later sources win. ``describe_settings`` reports where each value in force came
from, which is what ``cxdesk config`` prints for an administrator chasing a
misbehaving desk.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass
from pathlib import Path

from pydantic import BaseModel, Field
from pydantic import ValidationError as PydanticValidationError

from cxdesk import locations
from cxdesk.errors import CxDeskError

ENV_PREFIX = "CXDESK_"


class Settings(BaseModel):
    """Everything a desk or the central API can be told."""

    data_dir: Path = Field(default_factory=locations.data_dir)
    """Folder holding the desk store and its device token (must be a local disk)."""

    idle_lock_minutes: float = Field(default=5.0, gt=0, le=240)
    """Minutes without a key press before the screen locks on a shared terminal."""

    server_url: str | None = None
    """The central API, e.g. http://127.0.0.1:8740; unset means work offline only."""

    sync_interval_seconds: float = Field(default=5.0, gt=0, le=3600)
    """How often the desk syncs when nothing new happened locally."""

    crisis_unsynced_alert_minutes: float = Field(default=5.0, gt=0, le=1440)
    """A crisis flag not on the server after this long is shouted about."""

    printout_days: float = Field(default=30, gt=0, le=3650)
    """Letters, slips and exports saved for printing are deleted at start after this many days."""

    print_command: str = Field(default="lp", min_length=1, max_length=200)
    """The command that prints a letter or slip (the text arrives on its standard input),
    e.g. "lp -d frontdesk"; with no printer the file is saved for printing instead."""

    demo: bool = False
    """A demo store: the sign-in screen lists the demo staff and passcodes."""

    keymap: dict[str, str] = Field(default_factory=dict)
    """Binding id to key overrides, e.g. {"copy-number": "ctrl+y"}."""

    @property
    def store_path(self) -> Path:
        return self.data_dir / "desk.sqlite3"

    @property
    def token_path(self) -> Path:
        return self.data_dir / "device-token"


@dataclass(frozen=True)
class SettingSource:
    name: str
    value: object
    source: str


def _read_toml(path: Path) -> dict:
    if not path.exists():
        return {}
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except tomllib.TOMLDecodeError as exc:
        raise CxDeskError(f"The settings file {path} is not valid TOML: {exc}") from exc


def _env_values() -> dict[str, str]:
    found = {}
    for name in Settings.model_fields:
        key = ENV_PREFIX + name.upper()
        if key in os.environ:
            found[name] = os.environ[key]
    return found


def load_settings(**overrides: object) -> Settings:
    """Settings in force: defaults < TOML file < environment < explicit overrides."""
    values: dict[str, object] = {}
    values.update(_read_toml(locations.config_file()))
    values.update(_env_values())
    values.update({k: v for k, v in overrides.items() if v is not None})
    try:
        return Settings(**values)
    except PydanticValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc'])}: {err['msg']}" for err in exc.errors()
        )
        raise CxDeskError(f"Settings are not valid: {problems}") from exc


def describe_settings(**overrides: object) -> list[SettingSource]:
    """Each setting in force and where it came from."""
    settings = load_settings(**overrides)
    path = locations.config_file()
    from_file = _read_toml(path)
    from_env = _env_values()
    rows = []
    for name in Settings.model_fields:
        if overrides.get(name) is not None:
            source = "command line"
        elif name in from_env:
            source = f"environment {ENV_PREFIX}{name.upper()}"
        elif name in from_file:
            source = f"file {path}"
        elif name == "data_dir" and os.environ.get("CXDESK_DATA_DIR"):
            source = "environment CXDESK_DATA_DIR"
        else:
            source = "default"
        rows.append(SettingSource(name, getattr(settings, name), source))
    return rows
