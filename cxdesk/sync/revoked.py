"""A revoked desk wipes itself: what it deletes, and the sentence it says.

An administrator revokes a lost laptop's device (``cxdesk admin revoke-device``).
The server then answers that token with 401 ``revoked`` naming the device
(``DeskRevoked``). At that contact the desk destroys its store's key first (so
whatever remains on the disk can no longer be read), then overwrites and
removes the store, its key file, its device token, the letters, slips and
exports it wrote, and any damaged store ``cxdesk admin recover`` set aside.
Only that explicit answer for this very device wipes: a 401 for an unknown
token, a proxy's login page or an outage never does.

Events recorded since the last sync are lost with the store: the device is no
longer trusted to send them. The sentence says how many, so the person at the
desk can tell the administrator.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from pathlib import Path

from cxdesk.store import cipher, keys
from cxdesk.store.printouts import printout_files
from cxdesk.store.sync_queries import unsent_count


@dataclass(frozen=True)
class WipeReport:
    device: str | None
    unsent: int
    removed_files: int

    def sentence(self) -> str:
        lost = (
            f" {self.unsent} record{'s' if self.unsent != 1 else ''} made here since the last "
            "sync could not be sent and are gone; tell the administrator."
            if self.unsent
            else ""
        )
        return (
            f"This desk ({self.device or 'unnamed'}) has been revoked by the council's "
            "administrator, so everything it held has been deleted from this computer."
            f"{lost} To use it again, an administrator enrols it afresh."
        )


def applies_to(error, store) -> bool:
    """Whether a ``DeskRevoked`` answer is about this desk (it must name our device)."""
    return bool(store.device_id) and getattr(error, "device", None) == store.device_id


def _unsent(store) -> int:
    try:
        return unsent_count(store)
    except Exception:  # noqa: BLE001 - counting is a courtesy; the wipe must go ahead
        return 0


def _wipe_set_aside(path: Path) -> int:
    """Damaged stores ``cxdesk admin recover`` kept (``desk.sqlite3.damaged-<time>``, with
    their keys) and its lists of unsent events: they hold residents' data too."""
    kept = [p for p in path.parent.glob(f"{path.name}.damaged-*") if not p.is_symlink()]
    for item in kept:
        if item.name.endswith(keys.KEY_FILE_SUFFIX):
            keys.destroy_data_key(item.with_name(item.name.removesuffix(keys.KEY_FILE_SUFFIX)))
    removed = 0
    for item in kept:
        if item.is_file():
            cipher.shred(item)
            removed += 1
    return removed


def wipe_desk(store, data_dir: Path, token_path: Path) -> WipeReport:
    """Close ``store`` and destroy it and every file this desk wrote; returns what went."""
    device, unsent = store.device_id, _unsent(store)
    path = store.path
    with contextlib.suppress(Exception):
        store.close()
    removed = 0
    if path is not None:
        cipher.wipe_store(path)  # the key first: the rest is unreadable from here on
        removed += 1 + _wipe_set_aside(path)
        folders = {path.parent, Path(data_dir)}
    else:
        folders = {Path(data_dir)}
    if token_path.exists():
        cipher.shred(token_path)
        removed += 1
    for folder in folders:
        for item in list(printout_files(folder)):
            cipher.shred(item)
            removed += 1
        for name in ("letters", "slips", "exports"):
            with contextlib.suppress(OSError):
                (folder / name).rmdir()
    return WipeReport(device, unsent, removed)
