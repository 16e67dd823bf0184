"""Files the desk writes for printing or export, and how long they are kept.

Letters (``letters/``), slips (``slips/``) and supervisor exports (``exports/``)
are written beside the store only when someone asks (a key on the screen that
shows them), each readable by this user only (0600), because they carry a
resident's name and details outside the encrypted store. They exist to be
printed or handed on, not kept: each start of the desk app overwrites and
deletes those older than ``Settings.printout_days`` (30 by default), and a
revoked desk deletes them all (``cxdesk.sync.revoked``).
"""

from __future__ import annotations

import os
import time
from pathlib import Path

from cxdesk.domain.safe_text import safe_text
from cxdesk.store.cipher import shred

FOLDERS = ("letters", "slips", "exports")
DAY_SECONDS = 86_400


def write_private_text(path: Path, text: str, *, encoding: str = "utf-8") -> Path:
    """Write ``text`` to ``path`` readable by this user only (a folder made 0700).

    The text is made safe to show first (``safe_text``): a letter or slip is
    printed, or read with ``cat``, and a name in it must not drive the terminal.
    """
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding=encoding) as handle:
        handle.write(safe_text(text, multiline=True))
    os.chmod(path, 0o600)  # an older file of that name may have been looser
    return path


def printout_files(folder: Path):
    """Every plain file in the printout folders under ``folder`` (never following links)."""
    for name in FOLDERS:
        sub = folder / name
        if sub.is_dir() and not sub.is_symlink():
            for item in sub.iterdir():
                if item.is_file() and not item.is_symlink():
                    yield item


def delete_old_printouts(folder: Path, days: float, *, now: float | None = None) -> int:
    """Overwrite and delete printouts under ``folder`` last written over ``days`` ago."""
    cutoff = (time.time() if now is None else now) - days * DAY_SECONDS
    removed = 0
    for item in list(printout_files(folder)):
        try:
            old = item.stat().st_mtime < cutoff
        except FileNotFoundError:
            continue
        if old:
            shred(item)
            removed += 1
    return removed
