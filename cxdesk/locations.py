"""Where cxdesk keeps its files: the one seam tests and demos patch.

Everything lives under one data folder so that ``CXDESK_DATA_DIR`` can move the
whole store and state somewhere else (tests and demos must never touch a
person's real data folder). The settings file is looked for in the user's
config folder unless ``CXDESK_CONFIG`` names another.
"""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

APP_NAME = "cxdesk"


def data_dir() -> Path:
    """The folder holding the desk store, its token and logs."""
    override = os.environ.get("CXDESK_DATA_DIR")
    if override:
        return Path(override).expanduser()
    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))


def key_dir() -> Path:
    """Where device keys that unlock desk stores are kept: never inside the data folder.

    The user's state folder, so that a copy of the data folder (a backup, a
    support bundle) does not carry the key that opens it.
    """
    override = os.environ.get("CXDESK_KEY_DIR")
    if override:
        return Path(override).expanduser()
    return Path(platformdirs.user_state_dir(APP_NAME, appauthor=False)) / "keys"


def config_file() -> Path:
    """The optional TOML settings file."""
    override = os.environ.get("CXDESK_CONFIG")
    if override:
        return Path(override).expanduser()
    return Path(platformdirs.user_config_dir(APP_NAME, appauthor=False)) / "cxdesk.toml"


def fixtures_dir() -> Path:
    """The fictional council shipped with the source tree (demo and tests)."""
    override = os.environ.get("CXDESK_FIXTURES_DIR")
    if override:
        return Path(override)
    return Path(__file__).resolve().parent.parent / "fixtures"
