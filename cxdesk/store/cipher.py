"""Unlocking the encrypted desk store, and moving a plain store to encryption in place.

``unlock(path)`` is what ``open_store`` calls first. It returns the store's data
key (see ``keys``), making one for a new store, and migrates a store written
by an older cxdesk as plain SQLite on its first start:

1. checkpoint the plain store (everything into the main file) and check it;
2. ``sqlcipher_export`` it into ``desk.sqlite3.encrypting`` under the new key;
3. open that copy with the key and verify it: SQLCipher's page check, SQLite's
   integrity check, the same tables with the same row counts, and the event
   log row for row (a digest of every event's hash, in order);
4. swap the files by renames (``desk.sqlite3`` -> ``.plain``, the copy ->
   ``desk.sqlite3``), then overwrite the plain file, its WAL and shared-memory
   files with zeros, sync and remove them.

Each step leaves something a restart can finish: a leftover ``.encrypting``
copy before the swap is dropped and the migration runs again; a leftover
``.plain`` after the swap is overwritten and removed.

Overwriting defeats undelete and a casual look at the freed blocks; on flash
storage the drive may keep old copies of blocks, which is why DESIGN.md asks
for full-disk encryption as well on laptops.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from sqlcipher3 import dbapi2 as sqlite

from cxdesk.errors import StoreError
from cxdesk.store import keys

PLAIN_HEADER = b"SQLite format 3\x00"
SIDE_FILES = ("-wal", "-shm", "-journal")
_CHUNK = 1 << 20


def _sibling(path: Path, suffix: str) -> Path:
    return path.with_name(path.name + suffix)


def is_plain_sqlite(path: Path) -> bool:
    """Whether ``path`` is an unencrypted SQLite database (it starts with SQLite's header)."""
    try:
        with path.open("rb") as handle:
            return handle.read(len(PLAIN_HEADER)) == PLAIN_HEADER
    except FileNotFoundError:
        return False


def _has_content(path: Path) -> bool:
    try:
        return path.stat().st_size > 0
    except FileNotFoundError:
        return False


def _fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def shred(path: Path) -> None:
    """Overwrite ``path`` with zeros, sync it to disk, then remove it."""
    try:
        size = path.stat().st_size
        fd = os.open(path, os.O_WRONLY)
    except FileNotFoundError:
        return
    try:
        zeros = bytes(_CHUNK)
        written = 0
        while written < size:
            written += os.write(fd, zeros[: min(_CHUNK, size - written)])
        os.fsync(fd)
    finally:
        os.close(fd)
    path.unlink(missing_ok=True)


def shred_store_files(path: Path) -> None:
    """Overwrite and remove a store file and its WAL, shared-memory and journal files."""
    for suffix in ("", *SIDE_FILES):
        shred(_sibling(path, suffix))


# -- the migration ----------------------------------------------------------------
def _events_digest(conn: sqlite.Connection, schema: str = "main") -> str | None:
    has_events = conn.execute(
        f"SELECT 1 FROM {schema}.sqlite_master WHERE type = 'table' AND name = 'events'"
    ).fetchone()
    if not has_events:
        return None
    digest = hashlib.sha256()
    for (hash_,) in conn.execute(f"SELECT hash FROM {schema}.events ORDER BY rowid_"):
        digest.update(hash_.encode() + b"\n")
    return digest.hexdigest()


def _table_counts(conn: sqlite.Connection) -> dict[str, int]:
    names = [
        r[0]
        for r in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        )
    ]
    return {n: conn.execute(f'SELECT COUNT(*) FROM "{n}"').fetchone()[0] for n in names}


def _verify_copy(copy_path: Path, key: keys.DataKey, counts: dict, digest: str | None) -> None:
    conn = sqlite.connect(str(copy_path), isolation_level=None)
    try:
        conn.execute("PRAGMA cipher_log_level = NONE")
        conn.execute(key.sqlcipher_pragma())
        problems = [r[0] for r in conn.execute("PRAGMA cipher_integrity_check")]
        problems += [r[0] for r in conn.execute("PRAGMA integrity_check") if r[0] != "ok"]
        if _table_counts(conn) != counts:
            problems.append("the tables or their row counts differ")
        if _events_digest(conn) != digest:
            problems.append("the event log differs")
    except sqlite.DatabaseError as exc:
        problems = [str(exc)]
    finally:
        conn.close()
    if problems:
        raise StoreError(
            f"Encrypting the desk store {copy_path.with_suffix('')} failed its check "
            f"({'; '.join(problems[:3])}); the plain store was left as it was.",
            title="Store not encrypted",
        )


def encrypt_plain_store(path: Path, key: keys.DataKey) -> None:
    """Replace the plain store at ``path`` by an encrypted, verified copy under ``key``."""
    copy_path = _sibling(path, ".encrypting")
    shred_store_files(copy_path)  # a half-made copy from an interrupted start
    plain = sqlite.connect(str(path), isolation_level=None)
    try:
        check = plain.execute("PRAGMA quick_check").fetchone()[0]
        if check != "ok":
            raise StoreError(
                f"The plain desk store {path} is damaged ({check}); it was not encrypted. "
                "Restore it from a backup, or enrol this desk again.",
                title="Store damaged",
            )
        plain.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        counts, digest = _table_counts(plain), _events_digest(plain)
        version = plain.execute("PRAGMA user_version").fetchone()[0]
        os.close(os.open(copy_path, os.O_CREAT | os.O_WRONLY, 0o600))
        plain.execute(
            "ATTACH DATABASE ? AS encrypted KEY ?", (str(copy_path), f"x'{key.key.hex()}'")
        )
        plain.execute("SELECT sqlcipher_export('encrypted')")
        plain.execute(f"PRAGMA encrypted.user_version = {int(version)}")
        plain.execute("DETACH DATABASE encrypted")
    except sqlite.DatabaseError as exc:
        plain.close()
        shred_store_files(copy_path)
        raise StoreError(
            f"The plain desk store {path} could not be encrypted: {exc}",
            title="Store not encrypted",
        ) from exc
    except BaseException:
        plain.close()
        shred_store_files(copy_path)
        raise
    plain.close()  # the last connection: SQLite checkpoints and removes the plain WAL
    try:
        _verify_copy(copy_path, key, counts, digest)
    except BaseException:
        shred_store_files(copy_path)
        raise
    fd = os.open(copy_path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
    old = _sibling(path, ".plain")
    os.replace(path, old)
    for suffix in SIDE_FILES:  # a plain WAL must never be read as the encrypted store's
        shred(_sibling(path, suffix))
    os.replace(copy_path, path)
    _fsync_dir(path.parent)
    shred(old)
    for suffix in SIDE_FILES:
        shred(_sibling(copy_path, suffix))


def _finish_interrupted(path: Path) -> None:
    """Complete or undo a migration a crash or power cut interrupted."""
    old = _sibling(path, ".plain")
    if old.exists():
        if _has_content(path) and not is_plain_sqlite(path):
            shred(old)  # the swap happened: only the overwrite was left to do
        else:
            os.replace(old, path)  # the swap did not happen: start again from the plain file
    copy_path = _sibling(path, ".encrypting")
    if copy_path.exists():
        shred_store_files(copy_path)


def unlock(path: Path) -> keys.DataKey:
    """The data key for the store at ``path``: made if new, migrating a plain store first."""
    _finish_interrupted(path)
    key = keys.load_data_key(path)
    plain_wal_only = not _has_content(path) and _has_content(_sibling(path, "-wal"))
    if is_plain_sqlite(path) or (key is None and plain_wal_only):
        key = key or keys.create_data_key(path)
        encrypt_plain_store(path, key)
        return key
    if key is not None:
        return key
    if _has_content(path):
        raise StoreError(
            f"The desk store {path} is encrypted, but its key file "
            f"{keys.key_file_for(path)} is missing, so it cannot be opened. "
            "Enrol this desk again to get its data back: `cxdesk admin recover` sets the "
            "store aside (kept), asks for a new token and pulls everything from the central API.",
            title="Store locked",
        )
    return keys.create_data_key(path)


def wipe_store(path: Path) -> None:
    """Destroy the store at ``path``: its key first (so nothing left can be read), then files."""
    keys.destroy_data_key(path)
    shred_store_files(path)
    for suffix in (".plain", ".encrypting"):
        shred_store_files(_sibling(path, suffix))
