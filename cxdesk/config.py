"""Settings: defaults, then an optional TOML file, then ``CXDESK_*`` environment variables.

Later sources win. The sources are pydantic-settings' own (``init`` for the
values a command passes, the environment, a TOML file named by
``locations.config_file``), so parsing follows the library: an environment
value for a table such as ``keymap`` is JSON. ``describe_settings`` asks the
same sources which of them supplied each value, which is what ``cxdesk
config`` prints for an administrator chasing a misbehaving desk.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import Field
from pydantic import ValidationError as PydanticValidationError
from pydantic_settings import (
    BaseSettings,
    EnvSettingsSource,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    SettingsError,
    TomlConfigSettingsSource,
)

from cxdesk import locations
from cxdesk.errors import CxDeskError

ENV_PREFIX = "CXDESK_"


def _toml_source(settings_cls: type[BaseSettings]) -> TomlConfigSettingsSource:
    """The settings file in force now (``CXDESK_CONFIG`` may move it between calls)."""
    path = locations.config_file()
    try:
        return TomlConfigSettingsSource(settings_cls, toml_file=path)
    except tomllib.TOMLDecodeError as exc:
        raise CxDeskError(f"The settings file {path} is not valid TOML: {exc}") from exc


class Settings(BaseSettings):
    """Everything a desk or the central API can be told."""

    # extra="ignore": other CXDESK_* variables (CXDESK_CONFIG, CXDESK_KEY_STORE...)
    # are read where they are used, and an old settings file keeps working.
    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX, extra="ignore", use_attribute_docstrings=True
    )

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

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # First wins: what a command passes, then the environment, then the file.
        # No .env file and no secrets folder: a desk has neither.
        return (init_settings, env_settings, _toml_source(settings_cls))

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


def load_settings(**overrides: object) -> Settings:
    """Settings in force: defaults < TOML file < environment < explicit overrides."""
    # Any: the values are checked by pydantic here, and reported below if wrong.
    given: dict[str, Any] = {k: v for k, v in overrides.items() if v is not None}
    try:
        return Settings(**given)
    except PydanticValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc'])}: {err['msg']}" for err in exc.errors()
        )
        raise CxDeskError(f"Settings are not valid: {problems}") from exc
    except SettingsError as exc:  # e.g. CXDESK_KEYMAP that is not JSON
        raise CxDeskError(f"Settings are not valid: {exc}") from exc


def describe_settings(**overrides: object) -> list[SettingSource]:
    """Each setting in force and where it came from."""
    settings = load_settings(**overrides)
    path = locations.config_file()
    from_file = _toml_source(Settings)()
    from_env = EnvSettingsSource(Settings)()
    rows = []
    for name in Settings.model_fields:
        if overrides.get(name) is not None:
            source = "command line"
        elif name in from_env:
            source = f"environment {ENV_PREFIX}{name.upper()}"
        elif name in from_file:
            source = f"file {path}"
        else:
            source = "default"
        rows.append(SettingSource(name, getattr(settings, name), source))
    return rows
