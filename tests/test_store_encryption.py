"""The desk store at rest: encrypted, its key kept away from the data folder, plain stores
migrated in place, a wrong or missing key refused with a sentence."""

from __future__ import annotations

import json
import os
import shutil
import stat

import keyring
import pytest
from keyring.backend import KeyringBackend

from cxdesk.errors import StoreError
from cxdesk.session import DeskSession
from cxdesk.store import cipher, db, keys, open_store
from cxdesk.store import customer_commands as cc
from cxdesk.store.migrations import migrate
from cxdesk.store.rebuild import verify_store
from cxdesk.store.store import Store
from tests import peek
from tests.customer_helpers import MARIA

ADVISOR = DeskSession("AB1001", "Alex Advisor", "advisor", "CSC")
NAMES = (b"Okafor", b"Mere Road", b"EM1 4QT")


def files_of(folder):
    return sorted(p.name for p in folder.iterdir())


def all_bytes(folder) -> bytes:
    return b"".join(p.read_bytes() for p in folder.iterdir() if p.is_file())


def test_store_file_has_no_sqlite_header_and_no_resident(tmp_path):
    folder = tmp_path / "data"
    path = folder / "desk.sqlite3"
    store = open_store(path, device_id="D1", location="CSC")
    cc.register_customer(store, ADVISOR, MARIA)
    # While open, the WAL holds the newest pages: it is encrypted too.
    assert (folder / "desk.sqlite3-wal").exists()
    for name in NAMES:
        assert name not in all_bytes(folder)
    store.close()
    header = path.read_bytes()[:16]
    assert header != cipher.PLAIN_HEADER and not header.startswith(b"SQLite")
    for name in NAMES:
        assert name not in all_bytes(folder)
    again = open_store(path)
    assert peek.scalar(again, "SELECT COUNT(*) FROM customers") == 1
    again.close()


def test_store_keeps_wal_full_sync_and_private_files(tmp_path):
    path = tmp_path / "data" / "desk.sqlite3"
    store = open_store(path, device_id="D1", location="CSC")
    assert peek.scalar(store, "PRAGMA journal_mode") == "wal"
    assert peek.scalar(store, "PRAGMA synchronous") == 2  # FULL
    store.close()
    key_file = keys.key_file_for(path)
    document = json.loads(key_file.read_text())
    device_key = keys.device_key_path(document["key_id"])
    for file in (path, key_file, device_key):
        assert stat.S_IMODE(file.stat().st_mode) == 0o600, file
    # The key that opens the store is not in the data folder, and the key file holds
    # only a wrapped key.
    assert not device_key.resolve().is_relative_to(path.parent.resolve())
    assert [w["guard"] for w in document["wraps"]] == ["file"]
    assert document["wraps"][0]["wrapped"] not in device_key.read_bytes().hex()


def test_a_copied_data_folder_alone_cannot_be_opened(tmp_path, monkeypatch):
    path = tmp_path / "data" / "desk.sqlite3"
    store = open_store(path, device_id="D1", location="CSC")
    cc.register_customer(store, ADVISOR, MARIA)
    store.close()
    stolen = tmp_path / "stolen"
    shutil.copytree(path.parent, stolen)
    keys_elsewhere = tmp_path / "other-machine-keys"
    monkeypatch.setenv("CXDESK_KEY_DIR", str(keys_elsewhere))  # another machine or account
    with pytest.raises(StoreError, match="is not on this device"):
        open_store(stolen / "desk.sqlite3")
    # Refusing to open leaves the copy as it was (no new key made over it).
    assert files_of(stolen) == files_of(path.parent)


def test_wrong_key_fails_cleanly(tmp_path):
    one, two = tmp_path / "one" / "desk.sqlite3", tmp_path / "two" / "desk.sqlite3"
    open_store(one, device_id="D1", location="CSC").close()
    open_store(two, device_id="D2", location="CSC").close()
    # Another store's (valid) key file: the key unwraps, but it is not this store's key.
    shutil.copy(keys.key_file_for(two), keys.key_file_for(one))
    with pytest.raises(StoreError, match="cannot be unlocked with its key") as info:
        open_store(one)
    assert info.value.title == "Store locked"
    assert "enrol this desk again" in info.value.message.lower()


def test_tampered_key_file_fails_cleanly(tmp_path):
    path = tmp_path / "desk.sqlite3"
    open_store(path).close()
    key_file = keys.key_file_for(path)
    document = json.loads(key_file.read_text())
    wrapped = bytearray(keys._unb64(document["wraps"][0]["wrapped"]))
    wrapped[0] ^= 1
    document["wraps"][0]["wrapped"] = keys._b64(bytes(wrapped))
    key_file.write_text(json.dumps(document))
    with pytest.raises(StoreError, match="does not match this device's key"):
        open_store(path)
    key_file.write_text("not json")
    with pytest.raises(StoreError, match="cannot be read"):
        open_store(path)


def test_key_wraps_are_the_same_aes_gcm_with_or_without_the_cpus_aes_instructions(
    tmp_path, monkeypatch
):
    """libsodium seals a key file; ``cryptography`` (the fallback) opens it, and back."""
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM
    from nacl.exceptions import UnavailableError

    kek, nonce, data, aad = os.urandom(32), os.urandom(12), os.urandom(32), b"cxdesk|id|file"
    sealed = keys._seal(kek, nonce, data, aad)
    assert AESGCM(kek).decrypt(nonce, sealed, aad) == data
    assert keys._open(kek, nonce, AESGCM(kek).encrypt(nonce, data, aad), aad) == data

    # A CPU without AES instructions: libsodium refuses, the fallback does the same cipher.
    def unavailable(*_args):
        raise UnavailableError("Construction requires hardware acceleration")

    path = tmp_path / "desk.sqlite3"
    with pytest.MonkeyPatch.context() as no_aes_instructions:
        no_aes_instructions.setattr(keys.sodium, "crypto_aead_aes256gcm_encrypt", unavailable)
        no_aes_instructions.setattr(keys.sodium, "crypto_aead_aes256gcm_decrypt", unavailable)
        open_store(path, device_id="D1", location="CSC").close()
    open_store(path).close()  # made on the fallback, opened by libsodium
    tampered = bytearray(sealed)
    tampered[-1] ^= 1
    for opener in ("libsodium", "fallback"):
        if opener == "fallback":
            monkeypatch.setattr(keys.sodium, "crypto_aead_aes256gcm_decrypt", unavailable)
        with pytest.raises(keys.WrongKey):
            keys._open(kek, nonce, bytes(tampered), aad)
        with pytest.raises(keys.WrongKey):
            keys._open(kek, nonce, sealed, b"another key id")


def test_missing_key_file_is_refused_not_replaced(tmp_path):
    path = tmp_path / "desk.sqlite3"
    open_store(path, device_id="D1", location="CSC").close()
    keys.key_file_for(path).unlink()
    with pytest.raises(StoreError, match="key file .* is missing"):
        open_store(path)
    assert not keys.key_file_for(path).exists()


def test_device_key_inside_the_data_folder_is_refused(tmp_path, monkeypatch):
    monkeypatch.setenv("CXDESK_KEY_DIR", str(tmp_path / "data" / "keys"))
    with pytest.raises(StoreError, match="inside the data folder"):
        open_store(tmp_path / "data" / "desk.sqlite3")


def test_unknown_key_store_setting_is_refused(tmp_path, monkeypatch):
    monkeypatch.setenv("CXDESK_KEY_STORE", "floppy")
    with pytest.raises(StoreError, match="CXDESK_KEY_STORE must be one of"):
        open_store(tmp_path / "desk.sqlite3")


def make_plain_store(path):
    """A store as an older cxdesk wrote it: plain SQLite, with Maria registered."""
    conn = db.connect(path)  # no key: plain
    migrate(conn)
    store = Store(conn, path)
    store.init_desk("D-OLD", "CSC")
    customer_id = cc.register_customer(store, ADVISOR, MARIA)
    return store, customer_id


def test_plain_store_is_migrated_in_place(tmp_path):
    folder = tmp_path / "data"
    path = folder / "desk.sqlite3"
    plain, customer_id = make_plain_store(path)
    hashes = [r[0] for r in plain.conn.execute("SELECT hash FROM events ORDER BY rowid_")]
    plain.close()
    assert cipher.is_plain_sqlite(path) and b"Okafor" in path.read_bytes()

    store = open_store(path)
    assert [r[0] for r in peek.query(store, "SELECT hash FROM events ORDER BY rowid_")] == hashes
    assert store.device_id == "D-OLD"
    assert peek.scalar(
        store, "SELECT family_name FROM customers WHERE customer_id = ?", (customer_id,)
    )
    assert verify_store(store).ok
    store.close()
    assert files_of(folder) == ["desk.sqlite3", "desk.sqlite3.key"]
    assert not cipher.is_plain_sqlite(path)
    for name in NAMES:
        assert name not in all_bytes(folder)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_migration_interrupted_after_the_swap_is_finished(tmp_path):
    path = tmp_path / "desk.sqlite3"
    plain, _ = make_plain_store(path)
    plain.close()
    open_store(path).close()
    # A power cut after the renames, before the plain file was overwritten.
    leftover = path.with_name("desk.sqlite3.plain")
    make_plain_store(tmp_path / "old.sqlite3")[0].close()
    os.replace(tmp_path / "old.sqlite3", leftover)
    store = open_store(path)
    assert store.device_id == "D-OLD"
    store.close()
    assert not leftover.exists()


def test_migration_interrupted_before_the_swap_starts_again(tmp_path):
    path = tmp_path / "desk.sqlite3"
    plain, customer_id = make_plain_store(path)
    plain.close()
    # A half-written encrypted copy from a start that never finished.
    half = path.with_name("desk.sqlite3.encrypting")
    half.write_bytes(os.urandom(4096))
    store = open_store(path)
    assert peek.scalar(store, "SELECT COUNT(*) FROM customers") == 1
    store.close()
    assert not half.exists() and not cipher.is_plain_sqlite(path)


def test_migration_refuses_a_damaged_plain_store_and_keeps_it(tmp_path):
    path = tmp_path / "desk.sqlite3"
    plain, _ = make_plain_store(path)
    plain.close()
    data = bytearray(path.read_bytes())
    data[4096 : 4096 * 3] = os.urandom(4096 * 2)  # scribble over two table pages
    path.write_bytes(bytes(data))
    with pytest.raises(StoreError):
        open_store(path)
    assert cipher.is_plain_sqlite(path)  # nothing destroyed
    assert not path.with_name("desk.sqlite3.encrypting").exists()


def test_verify_works_on_the_encrypted_store(store):
    cc.register_customer(store, ADVISOR, MARIA)
    report = verify_store(store)
    assert report.ok and report.events >= 1


def test_wipe_destroys_key_and_files(tmp_path):
    path = tmp_path / "data" / "desk.sqlite3"
    store = open_store(path, device_id="D1", location="CSC")
    key_id = store.data_key.key_id
    store.close()
    cipher.wipe_store(path)
    assert files_of(path.parent) == []
    assert not keys.device_key_path(key_id).exists()


class MemoryKeyring(KeyringBackend):
    """An OS key store stand-in: keyring's own backend interface, kept in memory."""

    priority = 5

    def __init__(self) -> None:
        super().__init__()
        self.secrets: dict[tuple[str, str], str] = {}

    def get_password(self, service, username):
        return self.secrets.get((service, username))

    def set_password(self, service, username, password):
        self.secrets[(service, username)] = password

    def delete_password(self, service, username):
        self.secrets.pop((service, username), None)


@pytest.fixture
def os_key_store(monkeypatch):
    # Stands in for the OS's own key store (the test cannot unlock a real one).
    monkeypatch.setattr(keys, "OS_KEY_STORES", (*keys.OS_KEY_STORES, __name__))
    previous = keyring.get_keyring()
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    keys._real_keyring.cache_clear()
    monkeypatch.setenv("CXDESK_KEY_STORE", "auto")
    yield backend
    keyring.set_keyring(previous)
    keys._real_keyring.cache_clear()


def test_key_is_wrapped_under_the_os_key_store_when_there_is_one(tmp_path, os_key_store):
    path = tmp_path / "data" / "desk.sqlite3"
    store = open_store(path, device_id="D1", location="CSC")
    key_id = store.data_key.key_id
    store.close()
    document = json.loads(keys.key_file_for(path).read_text())
    assert [w["guard"] for w in document["wraps"]] == ["keyring"]
    assert (keys.KEYRING_SERVICE, key_id) in os_key_store.secrets
    assert not keys.device_key_path(key_id).exists()
    open_store(path).close()
    cipher.wipe_store(path)
    assert os_key_store.secrets == {}


def test_without_an_os_key_store_auto_uses_the_device_key_file(tmp_path, monkeypatch):
    from keyring.backends import fail

    previous = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())
    keys._real_keyring.cache_clear()
    monkeypatch.setenv("CXDESK_KEY_STORE", "auto")
    try:
        assert keys.chosen_guard() == "file"
        monkeypatch.setenv("CXDESK_KEY_STORE", "keyring")
        with pytest.raises(StoreError, match="no OS key store"):
            keys.chosen_guard()
    finally:
        keyring.set_keyring(previous)
        keys._real_keyring.cache_clear()


def test_memory_store_needs_no_key():
    store = open_store(":memory:", device_id="D1", location="CSC")
    assert store.data_key is None
    store.close()


def test_a_locked_os_key_store_fails_with_a_sentence(tmp_path, os_key_store):
    import keyring.errors

    path = tmp_path / "data" / "desk.sqlite3"
    open_store(path, device_id="D1", location="CSC").close()

    def locked(service, username):
        raise keyring.errors.KeyringLocked("collection is locked")

    os_key_store.get_password = locked
    with pytest.raises(StoreError, match="OS key store could not give") as info:
        open_store(path)
    assert "CXDESK_KEY_STORE=file" in info.value.message
    os_key_store.delete_password = locked
    cipher.wipe_store(path)  # a locked key store does not stop a wipe
    assert files_of(path.parent) == []


def test_two_processes_making_a_key_at_once_end_with_one(tmp_path):
    path = tmp_path / "desk.sqlite3"
    first = keys.create_data_key(path)
    second = keys.create_data_key(path)  # lost the race: the key file already exists
    assert second == first
    key_dir = keys.device_key_path(first.key_id).parent
    assert sorted(p.name for p in key_dir.glob("*.key")) == [f"{first.key_id}.key"]


async def test_sqlcipher_failures_reach_the_sync_round_as_store_errors(store):
    # The store raises SQLCipher's error classes, not the standard library's; the sync
    # round's "the store failed" path must still turn them into a sentence.
    from cxdesk.sync.round import _store

    def broken():
        store.conn.execute("SELECT * FROM no_such_table")

    with pytest.raises(StoreError, match="could not record the server's answer"):
        await _store(broken)


def test_auto_takes_only_the_os_key_store_not_any_keyring_backend(tmp_path, monkeypatch):
    # A third-party backend (a plain file, or one that asks for a password) is not the
    # OS key store: auto keeps to the device key file; asking for keyring explicitly works.
    previous = keyring.get_keyring()
    keyring.set_keyring(MemoryKeyring())
    keys._real_keyring.cache_clear()
    monkeypatch.setenv("CXDESK_KEY_STORE", "auto")
    try:
        assert keys.chosen_guard() == "file"
        monkeypatch.setenv("CXDESK_KEY_STORE", "keyring")
        assert keys.chosen_guard() == "keyring"
    finally:
        keyring.set_keyring(previous)
        keys._real_keyring.cache_clear()


def test_config_says_where_the_store_key_is(monkeypatch):
    from click.testing import CliRunner

    from cxdesk.cli import cli
    from cxdesk.config import load_settings

    runner = CliRunner()
    assert "store key: none yet" in runner.invoke(cli, ["config"]).output
    path = load_settings().store_path
    store = open_store(path)
    key_id = store.data_key.key_id
    store.close()
    shown = runner.invoke(cli, ["config"]).output
    assert f"store key: {keys.key_file_for(path)}, wrapped under the device key" in shown
    assert str(keys.device_key_path(key_id)) in shown
