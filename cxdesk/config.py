"""Settings: defaults, then an optional TOML file, then ``CXDESK_*`` environment variables.

Later sources win, and what a command passes (``load_settings(name=value)``)
wins over all. A plain reader, with no settings library, because it runs on the
way to the sign-in screen: each setting is a ``Setting`` below (its kind, its
bounds, its explanation), and one pass reads the three sources, checks every
value and names every bad one in a single ``CxDeskError``. An environment value
for a table such as ``keymap`` is JSON; other variables are read as typed in a
file (``7``, ``true``, ``lp -d front``). Names are not case-sensitive in the
environment. ``describe_settings`` reports which source supplied each value,
which is what ``cxdesk config`` prints for an administrator chasing a
misbehaving desk.

Other ``CXDESK_*`` variables (``CXDESK_CONFIG``, ``CXDESK_KEY_STORE`` ...) are
read where they are used, and keys a file has that are not settings are left
alone, so an old settings file keeps working.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from cxdesk import locations
from cxdesk.errors import CxDeskError

ENV_PREFIX = "CXDESK_"


class _Bad(ValueError):
    """One setting's value is wrong; the message says what it should be."""


def _number(low: float, high: float) -> Callable[[object], float]:
    """A number greater than ``low`` and at most ``high`` (typed as 7, 7.5 or "7")."""

    def check(value: object) -> float:
        if isinstance(value, bool):
            raise _Bad("should be a number, not true or false")
        if isinstance(value, str):
            try:
                value = float(value.strip())
            except ValueError:
                raise _Bad(f"should be a number, not {value!r}") from None
        if not isinstance(value, int | float):
            raise _Bad(f"should be a number, not {value!r}")
        number = float(value)
        if not (math.isfinite(number) and low < number <= high):
            raise _Bad(f"should be greater than {low:g} and at most {high:g}, not {number:g}")
        return number

    return check


def _text(*, longest: int | None = None, optional: bool = False) -> Callable[[object], Any]:
    def check(value: object) -> str | None:
        if value is None and optional:
            return None
        if not isinstance(value, str):
            raise _Bad(f"should be text, not {value!r}")
        if longest is not None and not 1 <= len(value) <= longest:
            raise _Bad(f"should be 1 to {longest} characters long, not {len(value)}")
        return value

    return check


_TRUE = frozenset({"1", "true", "t", "yes", "y", "on"})
_FALSE = frozenset({"0", "false", "f", "no", "n", "off"})


def _flag(value: object) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float) and value in (0, 1):
        return bool(value)
    if isinstance(value, str) and value.strip().lower() in _TRUE | _FALSE:
        return value.strip().lower() in _TRUE
    raise _Bad(f"should be true or false, not {value!r}")


def _folder(value: object) -> Path:
    if isinstance(value, Path):
        return value.expanduser()
    if isinstance(value, str) and value.strip():
        return Path(value).expanduser()
    raise _Bad(f"should be a folder, not {value!r}")


def _key_table(value: object) -> dict[str, str]:
    """Binding ids to keys: a table in the file, JSON in the environment."""
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except json.JSONDecodeError:
            raise _Bad(
                'should be a table; in the environment as JSON, e.g. {"lock": "ctrl+l"}'
            ) from None
    if not isinstance(value, Mapping) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in value.items()
    ):
        raise _Bad('should be a table of binding ids to keys, e.g. {"lock": "ctrl+l"}')
    return dict(value)


def _setting(check: Callable[[object], Any], doc: str, **kwargs: Any) -> Any:
    """A dataclass field with its check and its explanation (shown by ``cxdesk config``)."""
    return field(metadata={"check": check, "doc": doc}, **kwargs)


@dataclass(frozen=True)
class Settings:
    """Everything a desk or the central API can be told."""

    data_dir: Path = _setting(
        _folder,
        "Folder holding the desk store and its device token (must be a local disk).",
        default_factory=locations.data_dir,
    )
    idle_lock_minutes: float = _setting(
        _number(0, 240),
        "Minutes without a key press before the screen locks on a shared terminal.",
        default=5.0,
    )
    server_url: str | None = _setting(
        _text(optional=True),
        "The central API, e.g. http://127.0.0.1:8740; unset means work offline only.",
        default=None,
    )
    sync_interval_seconds: float = _setting(
        _number(0, 3600), "How often the desk syncs when nothing new happened locally.", default=5.0
    )
    crisis_unsynced_alert_minutes: float = _setting(
        _number(0, 1440),
        "A crisis flag not on the server after this long is shouted about.",
        default=5.0,
    )
    printout_days: float = _setting(
        _number(0, 3650),
        "Letters, slips and exports saved for printing are deleted at start after this many days.",
        default=30.0,
    )
    print_command: str = _setting(
        _text(longest=200),
        "The command that prints a letter or slip (the text arrives on its standard input), "
        'e.g. "lp -d frontdesk"; with no printer the file is saved for printing instead.',
        default="lp",
    )
    demo: bool = _setting(
        _flag, "A demo store: the sign-in screen lists the demo staff and passcodes.", default=False
    )
    keymap: dict[str, str] = _setting(
        _key_table,
        'Binding id to key overrides, e.g. {"copy-number": "ctrl+y"}.',
        default_factory=dict,
    )

    @property
    def store_path(self) -> Path:
        return self.data_dir / "desk.sqlite3"

    @property
    def token_path(self) -> Path:
        return self.data_dir / "device-token"


SETTING_NAMES = tuple(f.name for f in fields(Settings))


def explain(name: str) -> str:
    """The one-line explanation of setting ``name``."""
    return next(f.metadata["doc"] for f in fields(Settings) if f.name == name)


@dataclass(frozen=True)
class SettingSource:
    name: str
    value: object
    source: str


def _from_file(path: Path) -> dict[str, object]:
    """The settings file's own values (none if there is no file)."""
    try:
        with path.open("rb") as file:
            import tomllib  # here: most desks have no settings file to parse

            return tomllib.load(file)
    except FileNotFoundError:
        return {}
    except ValueError as exc:  # tomllib.TOMLDecodeError
        raise CxDeskError(f"The settings file {path} is not valid TOML: {exc}") from exc
    except OSError as exc:
        raise CxDeskError(f"The settings file {path} cannot be read: {exc}") from exc


def _from_environment() -> dict[str, str]:
    """``CXDESK_<NAME>`` for each setting, the name in any case."""
    prefix = ENV_PREFIX.lower()
    found = {key.lower(): value for key, value in os.environ.items()}
    return {name: found[prefix + name] for name in SETTING_NAMES if prefix + name in found}


def _gather(overrides: Mapping[str, object]) -> tuple[Settings, dict[str, str]]:
    """The settings in force and, for each one given, the source that gave it."""
    unknown = sorted(set(overrides) - set(SETTING_NAMES))
    if unknown:
        raise TypeError(f"not settings: {', '.join(unknown)}")
    path = locations.config_file()
    layers = (
        ("command line", {k: v for k, v in overrides.items() if v is not None}),
        ("environment", _from_environment()),
        (f"file {path}", _from_file(path)),
    )
    values: dict[str, object] = {}
    sources: dict[str, str] = {}
    problems: list[str] = []
    for setting in fields(Settings):
        name = setting.name
        for source, given in layers:  # first wins
            if name in given:
                try:
                    values[name] = setting.metadata["check"](given[name])
                except _Bad as exc:
                    where = f"{ENV_PREFIX}{name.upper()}" if source == "environment" else source
                    problems.append(f"{name}: {exc} ({where})")
                if source == "environment":
                    source = f"environment {ENV_PREFIX}{name.upper()}"
                sources[name] = source
                break
    if problems:
        raise CxDeskError(f"Settings are not valid: {'; '.join(problems)}")
    return Settings(**values), sources  # pyright: ignore[reportArgumentType]


def load_settings(**overrides: object) -> Settings:
    """Settings in force: defaults < TOML file < environment < explicit overrides.

    An override of None leaves the setting to the other sources (a command's
    option left unset). A bad value anywhere is a ``CxDeskError`` naming each
    setting that is wrong, what it should be and where it came from.
    """
    return _gather(overrides)[0]


def describe_settings(**overrides: object) -> list[SettingSource]:
    """Each setting in force and where it came from."""
    settings, sources = _gather(overrides)
    return [
        SettingSource(name, getattr(settings, name), sources.get(name, "default"))
        for name in SETTING_NAMES
    ]
