"""The store's data key, and how it is kept so that a copy of the data folder is useless.

Every desk store is encrypted by SQLCipher under its own random 256-bit data
key. The data key never touches the disk in the clear: it is kept in a key file
beside the store (``desk.sqlite3.key``), *wrapped* (AES-256-GCM) under a
key-encryption key that lives somewhere else:

- ``keyring``: the operating system's key store (macOS Keychain, Windows
  Credential Manager, the Secret Service on a Linux desktop), when one is
  really there. It is unlocked by the person's OS login, so a stolen disk image
  without that login reveals nothing.
- ``file``: otherwise (thin-client Linux boxes have no key store; ``keyring``
  then offers only its "fail" backend), a 0600 device key file in the user's
  state folder (``platformdirs``), never inside the data folder. A copy of the
  data folder alone (a backup, a support bundle, a folder synced to a share)
  reveals nothing; a copy of the whole disk does, unless the disk itself is
  encrypted (see DESIGN.md).

Each store has its own key-encryption key, named by a random ``key_id`` in its
key file, so wiping a desk can delete that key too and older copies of the
folder become unreadable. Both are read without anyone typing anything, so the
sync worker and ``cxdesk sync --once`` run unattended.

``CXDESK_KEY_STORE`` (``auto``, ``keyring`` or ``file``) picks the guard for a
new key; ``CXDESK_KEY_DIR`` moves the device key folder (tests use it).
"""

from __future__ import annotations

import base64
import contextlib
import functools
import json
import os
import secrets
import uuid
from dataclasses import dataclass
from pathlib import Path

from nacl import bindings as sodium
from nacl.exceptions import CryptoError, UnavailableError

from cxdesk import locations
from cxdesk.errors import StoreError

KEY_FILE_SUFFIX = ".key"
KEYRING_SERVICE = "cxdesk"
FORMAT = "cxdesk-store-key/1"
KEY_BYTES = 32
GUARDS = ("auto", "keyring", "file")


def key_file_for(store_path: Path) -> Path:
    """The wrapped-key file that belongs to the store at ``store_path``."""
    return store_path.with_name(store_path.name + KEY_FILE_SUFFIX)


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.b64decode(text.encode("ascii"), validate=True)


def write_private(path: Path, data: bytes, *, replace: bool = True) -> None:
    """Write ``data`` to ``path`` atomically, readable by this user only (0600).

    With ``replace=False`` an existing file wins (``FileExistsError``): two
    processes making a new store's key at once must not end with two keys.
    """
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    fd = os.open(tmp, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        if replace:
            os.replace(tmp, path)
        else:
            try:
                os.link(tmp, path)  # fails if the file exists; never overwrites
            except FileExistsError:
                raise
            except OSError:  # no hard links on this filesystem (FAT): check, then move
                if path.exists():
                    raise FileExistsError(path) from None
                os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    dir_fd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


# -- where the key-encryption key lives ---------------------------------------------
@functools.cache
def _real_keyring():
    """The OS key store's ``keyring`` backend, or None when only "fail"/"null" is there.

    Cached: finding the backend scans the installed plugins, and tests open
    hundreds of stores.
    """
    import keyring
    from keyring.backends import fail, null

    backend = keyring.get_keyring()
    if isinstance(backend, fail.Keyring | null.Keyring):
        return None
    try:
        priority = backend.priority
    except Exception:  # noqa: BLE001 - a backend that cannot say is not usable
        return None
    if priority <= 0:
        return None
    return backend


OS_KEY_STORES = (
    "keyring.backends.macOS",
    "keyring.backends.Windows",
    "keyring.backends.SecretService",
    "keyring.backends.libsecret",
    "keyring.backends.kwallet",
)
"""Backends that are the operating system's own key store, locked by the OS login and
readable without a prompt. ``auto`` takes only these: a third-party backend may keep
secrets in a plain file, or ask for a password and so stop unattended sync."""


def _is_os_key_store(backend) -> bool:
    chained = getattr(backend, "backends", None)
    first = chained[0] if isinstance(chained, list) and chained else backend
    return type(first).__module__.startswith(OS_KEY_STORES)


def chosen_guard() -> str:
    """The guard a new data key is wrapped under: ``keyring`` or ``file``."""
    wanted = os.environ.get("CXDESK_KEY_STORE", "auto").strip().lower() or "auto"
    if wanted not in GUARDS:
        raise StoreError(
            f"CXDESK_KEY_STORE must be one of {', '.join(GUARDS)}, not {wanted!r}.",
            title="Key store setting",
        )
    if wanted == "auto":
        backend = _real_keyring()
        return "keyring" if backend is not None and _is_os_key_store(backend) else "file"
    if wanted == "keyring" and _real_keyring() is None:
        raise StoreError(
            "CXDESK_KEY_STORE=keyring, but this machine has no OS key store "
            "(keyring offers only its fail backend). Use CXDESK_KEY_STORE=file.",
            title="No OS key store",
        )
    return wanted


def device_key_path(key_id: str) -> Path:
    return locations.key_dir() / f"{key_id}.key"


def _check_outside(store_path: Path, key_path: Path) -> None:
    # A device key inside the data folder would travel with every copy of it.
    folder = store_path.resolve().parent
    if key_path.resolve().is_relative_to(folder):
        raise StoreError(
            f"The device key folder {key_path.parent} is inside the data folder {folder}; "
            "a copy of the data folder would carry its own key. Set CXDESK_KEY_DIR elsewhere.",
            title="Key kept with the data",
        )


@contextlib.contextmanager
def _os_key_store(doing: str):
    """Turn the OS key store's failures (locked, no session bus) into a sentence."""
    import keyring.errors

    try:
        yield
    except keyring.errors.KeyringError as exc:
        raise StoreError(
            f"The OS key store could not {doing} ({type(exc).__name__}: {exc}). Unlock it by "
            "signing in to the desktop; a desk that syncs with nobody signed in to the OS "
            "should use CXDESK_KEY_STORE=file.",
            title="OS key store unavailable",
        ) from exc


def _new_kek(guard: str, key_id: str, store_path: Path) -> bytes:
    kek = secrets.token_bytes(KEY_BYTES)
    if guard == "keyring":
        backend = _real_keyring()
        if backend is None:
            raise StoreError(
                "CXDESK_KEY_STORE=keyring but this machine has no OS key store.",
                title="OS key store unavailable",
            )
        with _os_key_store("keep the store's key"):
            backend.set_password(KEYRING_SERVICE, key_id, _b64(kek))
    else:
        path = device_key_path(key_id)
        _check_outside(store_path, path)
        write_private(path, kek)
    return kek


def _load_kek(guard: str, key_id: str, store_path: Path) -> bytes | None:
    if guard == "keyring":
        backend = _real_keyring()
        with _os_key_store("give the store's key"):
            text = backend.get_password(KEYRING_SERVICE, key_id) if backend else None
        return _unb64(text) if text else None
    path = device_key_path(key_id)
    _check_outside(store_path, path)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return None
    if len(data) != KEY_BYTES:
        raise StoreError(f"The device key {path} is damaged (wrong length).")
    if path.stat().st_mode & 0o077:
        os.chmod(path, 0o600)  # someone loosened it; a key is this user's alone
    return data


def _forget_kek(guard: str, key_id: str) -> None:
    if guard == "keyring":
        backend = _real_keyring()
        if backend is not None:
            import keyring.errors

            with (
                _os_key_store("forget the store's key"),
                contextlib.suppress(keyring.errors.PasswordDeleteError),
            ):
                backend.delete_password(KEYRING_SERVICE, key_id)
    else:
        device_key_path(key_id).unlink(missing_ok=True)


# -- the key file ---------------------------------------------------------------------
@dataclass(frozen=True)
class DataKey:
    """A store's data key and the id its key-encryption key is filed under."""

    key: bytes
    key_id: str

    def sqlcipher_pragma(self) -> str:
        """The raw-key form of ``PRAGMA key``: no passphrase KDF, so opening is instant."""
        return f"PRAGMA key = \"x'{self.key.hex()}'\""


class WrongKey(Exception):
    """A wrap did not open: another key, another key id or guard, or altered bytes."""


def _seal(kek: bytes, nonce: bytes, data: bytes, aad: bytes) -> bytes:
    """AES-256-GCM, ciphertext then 16-byte tag: libsodium's and ``cryptography``'s alike."""
    try:
        return sodium.crypto_aead_aes256gcm_encrypt(data, aad, nonce, kek)
    except UnavailableError:
        return _fallback_aesgcm()(kek).encrypt(nonce, data, aad)


def _open(kek: bytes, nonce: bytes, sealed: bytes, aad: bytes) -> bytes:
    try:
        return sodium.crypto_aead_aes256gcm_decrypt(sealed, aad, nonce, kek)
    except UnavailableError:
        pass
    except (CryptoError, TypeError) as exc:  # TypeError: a nonce or key of the wrong length
        raise WrongKey from exc
    from cryptography.exceptions import InvalidTag

    try:
        return _fallback_aesgcm()(kek).decrypt(nonce, sealed, aad)
    except (InvalidTag, ValueError) as exc:
        raise WrongKey from exc


def _fallback_aesgcm():
    # libsodium's AES-GCM needs the CPU's AES instructions; without them ``cryptography``
    # does the same cipher. Imported only then: it adds ~9 MiB to a desk at start.
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    return AESGCM


def _aad(key_id: str, guard: str) -> bytes:
    # Binds each wrap to its key id and guard: a wrap moved between files will not open.
    return f"{FORMAT}|{key_id}|{guard}".encode()


def create_data_key(store_path: Path) -> DataKey:
    """A new random data key for ``store_path``, wrapped and written to its key file."""
    guard = chosen_guard()
    key_id = str(uuid.uuid4())
    data_key = secrets.token_bytes(KEY_BYTES)
    kek = _new_kek(guard, key_id, store_path)
    nonce = secrets.token_bytes(12)
    wrapped = _seal(kek, nonce, data_key, _aad(key_id, guard))
    document = {
        "format": FORMAT,
        "key_id": key_id,
        "cipher": "sqlcipher4 raw key",
        "wraps": [{"guard": guard, "nonce": _b64(nonce), "wrapped": _b64(wrapped)}],
    }
    try:
        write_private(
            key_file_for(store_path), json.dumps(document, indent=1).encode(), replace=False
        )
    except FileExistsError:
        _forget_kek(guard, key_id)  # another process made the store's key first: use it
        found = load_data_key(store_path)
        assert found is not None
        return found
    return DataKey(data_key, key_id)


def _read_document(key_file: Path) -> dict:
    try:
        document = json.loads(key_file.read_text(encoding="utf-8"))
        if document.get("format") != FORMAT or not isinstance(document.get("wraps"), list):
            raise ValueError("not a cxdesk store key")
        str(uuid.UUID(document["key_id"]))
        return document
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise StoreError(
            f"The store's key file {key_file} cannot be read ({exc}).", title="Store key damaged"
        ) from exc


def load_data_key(store_path: Path) -> DataKey | None:
    """The data key from the store's key file (None if there is no key file)."""
    key_file = key_file_for(store_path)
    if not key_file.exists():
        return None
    document = _read_document(key_file)
    key_id = document["key_id"]
    guards_tried = []
    for wrap in document["wraps"]:
        guard = wrap.get("guard")
        if guard not in ("keyring", "file"):
            continue  # a wrap this desk cannot open here (e.g. a person's passcode)
        guards_tried.append(guard)
        kek = _load_kek(guard, key_id, store_path)
        if kek is None:
            continue
        try:
            key = _open(kek, _unb64(wrap["nonce"]), _unb64(wrap["wrapped"]), _aad(key_id, guard))
        except (WrongKey, ValueError, KeyError) as exc:
            raise StoreError(
                f"The store's key file {key_file} does not match this device's key; "
                "the store cannot be unlocked here.",
                title="Store locked",
            ) from exc
        return DataKey(key, key_id)
    where = " or ".join(
        "the OS key store" if g == "keyring" else f"{device_key_path(key_id)}" for g in guards_tried
    )
    raise StoreError(
        f"The key that unlocks the desk store {store_path} is not on this device "
        f"(looked in {where or 'nothing usable'}). A desk store copied from elsewhere cannot "
        "be opened; enrol this desk again to get its data from the central API.",
        title="Store locked",
    )


def destroy_data_key(store_path: Path) -> None:
    """Forget the store's key for good: its key-encryption key, then its key file."""
    key_file = key_file_for(store_path)
    if not key_file.exists():
        return
    try:
        document = _read_document(key_file)
    except StoreError:
        document = None
    if document is not None:
        for wrap in document["wraps"]:
            if wrap.get("guard") in ("keyring", "file"):
                # A locked key store must not stop the wipe: the key file goes regardless.
                with contextlib.suppress(StoreError, OSError):
                    _forget_kek(wrap["guard"], document["key_id"])
    key_file.unlink(missing_ok=True)


def describe_key(store_path: Path) -> str:
    """Where the key that unlocks the store is kept, in words (``cxdesk config``)."""
    key_file = key_file_for(store_path)
    if not key_file.exists():
        return f"none yet (made at first start; device keys go in {locations.key_dir()})"
    try:
        document = _read_document(key_file)
    except StoreError as exc:
        return exc.message
    places = [
        "the OS key store"
        if w.get("guard") == "keyring"
        else f"the device key {device_key_path(document['key_id'])}"
        for w in document["wraps"]
        if w.get("guard") in ("keyring", "file")
    ]
    return f"{key_file}, wrapped under {' and '.join(places) or 'nothing this desk can open'}"
