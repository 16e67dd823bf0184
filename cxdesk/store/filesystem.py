"""Refuse to put the store where SQLite's WAL cannot keep it safe.

WAL needs shared memory between processes on one machine; on NFS, SMB or CIFS
(where thin-client roaming profiles often live) it can corrupt the store, and an
issued voucher must never be lost. We find the filesystem type of the folder
from the kernel's mount table and refuse network ones with a message that says
which setting moves the store. The central API's embedded SQLite database is
refused on the same grounds (``cxdesk serve``), with its own advice.
"""

from __future__ import annotations

import os
from pathlib import Path

from cxdesk.errors import StoreError

NETWORK_FILESYSTEMS = frozenset(
    {"nfs", "nfs4", "cifs", "smb", "smb2", "smb3", "smbfs", "ncpfs", "afs", "9p", "fuse.sshfs"}
)

MOUNTS_FILE = Path("/proc/mounts")
"""The kernel's mount table (a seam for tests, which cannot mount a network drive)."""

DESK_ADVICE = "Set CXDESK_DATA_DIR (or data_dir in the settings file) to a local folder."


def _unescape(field: str) -> str:
    # /proc/mounts escapes space, tab, newline and backslash as octal.
    for code, char in (("\\040", " "), ("\\011", "\t"), ("\\012", "\n"), ("\\134", "\\")):
        field = field.replace(code, char)
    return field


def filesystem_type(folder: Path, mounts_text: str | None = None) -> str | None:
    """The type of the filesystem holding ``folder``, or None if it cannot be told."""
    if mounts_text is None:
        try:
            mounts_text = MOUNTS_FILE.read_text()
        except OSError:
            return None
    target = os.path.realpath(folder)
    best, best_type = "", None
    for line in mounts_text.splitlines():
        parts = line.split()
        if len(parts) < 3:
            continue
        mount_point, fs_type = _unescape(parts[1]), parts[2]
        inside = target == mount_point or target.startswith(mount_point.rstrip("/") + "/")
        if inside and len(mount_point) >= len(best):
            best, best_type = mount_point, fs_type
    return best_type


def refuse_network_filesystem(
    folder: Path,
    mounts_text: str | None = None,
    *,
    what: str = "The desk store folder",
    advice: str = DESK_ADVICE,
) -> None:
    """Raise ``StoreError`` naming ``what`` and ``advice`` if ``folder`` is on a network drive."""
    fs_type = filesystem_type(folder, mounts_text)
    if fs_type and (fs_type in NETWORK_FILESYSTEMS or fs_type.startswith("nfs")):
        raise StoreError(
            f"{what} {folder} is on a network drive ({fs_type}). "
            "SQLite's write-ahead log is not safe there and records could be lost. "
            f"{advice}",
            title="Database on a network drive",
        )
