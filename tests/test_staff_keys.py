"""Signing keys from passcodes: derivation, desk sign-in offline, re-keying, signed events."""

from __future__ import annotations

import pytest

from cxdesk.domain import staff_keys as sk
from cxdesk.errors import AuthError, ValidationError
from cxdesk.store import open_store
from cxdesk.store.signin_commands import sign_in
from tests import peek

from .conftest import key_fields_for, keys_for


def test_derivation_is_deterministic_and_salted():
    params = sk.current_params()
    a = sk.derive_staff_keys("kettle on at the hub", "00" * 16, params)
    again = sk.derive_staff_keys("kettle on at the hub", "00" * 16, params)
    other_salt = sk.derive_staff_keys("kettle on at the hub", "01" * 16, params)
    other_code = sk.derive_staff_keys("kettle on at the hub!", "00" * 16, params)
    assert a.public_key == again.public_key
    assert len({a.public_key, other_salt.public_key, other_code.public_key}) == 3
    assert len(a.public_key) == sk.PUBLIC_KEY_HEX
    assert "signing_key" not in repr(a)  # the private key never reaches a log line


def test_secrets_for_other_purposes_are_stable_and_separate():
    keys = keys_for("S-A")
    again = sk.derive_staff_keys("test passcode for everyone", keys.salt, keys.params)
    wrap = keys.secret_for(b"cxdesk-store-key-v1")
    assert wrap == again.secret_for(b"cxdesk-store-key-v1") and len(wrap) == 32
    assert wrap != keys.secret_for(b"something else")
    assert wrap != keys_for("S-B").secret_for(b"cxdesk-store-key-v1")


def test_unicode_forms_of_the_same_passcode_give_the_same_key():
    params = sk.current_params()
    composed = sk.derive_staff_keys("caf\u00e9 at the hub", "aa" * 16, params)
    decomposed = sk.derive_staff_keys("cafe\u0301 at the hub", "aa" * 16, params)
    assert composed.public_key == decomposed.public_key


def test_signatures_verify_only_for_their_key_and_message():
    a, b = keys_for("S-A"), keys_for("S-B")
    sig = a.sign_event_hash("ab" * 32)
    assert sk.verify_event_signature(a.public_key, "ab" * 32, sig)
    assert not sk.verify_event_signature(b.public_key, "ab" * 32, sig)
    assert not sk.verify_event_signature(a.public_key, "ac" * 32, sig)
    # An event signature is no approval signature (distinct prefixes).
    assert not sk.verify_signature(a.public_key, sk.APPROVAL_PREFIX + b"ab" * 32, sig)
    for bad in (None, "", "zz", "00" * 64):
        assert not sk.verify_event_signature(a.public_key, "ab" * 32, bad)
    assert not sk.verify_event_signature("not hex", "ab" * 32, sig)


def test_production_parameters_are_owasp_and_weaker_ones_are_refused():
    assert sk.PRODUCTION_PARAMS.text() == "m=47104,t=1,p=1"
    assert sk.params_problem(sk.current_params()) is None
    assert "weaker" in sk.params_problem(sk.KeyParams(8, 1, 1))
    assert "out of range" in sk.params_problem(sk.KeyParams(10_000_000, 1, 1))
    assert sk.KeyParams.parse("m=47104,t=1,p=1") == sk.PRODUCTION_PARAMS
    for bad in ("", "m=1", "m=x,t=1,p=1", "m=1,t=1,p=1,q=2"):
        with pytest.raises(ValidationError):
            sk.KeyParams.parse(bad)


def test_hostile_roster_parameters_are_refused_not_run():
    with pytest.raises(ValidationError):
        sk.derive_staff_keys("x" * 12, "00" * 16, sk.KeyParams(10_000_000, 1, 1))
    with pytest.raises(ValidationError):
        sk.derive_staff_keys("x" * 12, "not hex", sk.current_params())


def _desk(tmp_path, **enrol):
    store = open_store(tmp_path / "desk.sqlite3", device_id="D-K", location="CSC")
    fields = enrol or key_fields_for("A7001")
    store.record(
        "StaffEnrolled",
        {"staff_id": "A7001", "name": "Kim Key", "role": "advisor", "locations": ["CSC"], **fields},
        actor="ADMIN1",
        role="admin",
    )
    return store


def test_desk_signs_in_offline_by_deriving_the_key(tmp_path):
    store = _desk(tmp_path)  # no server anywhere: everything is on the desk
    session = sign_in(store, "A7001", "test passcode for everyone")
    assert session.keys.public_key == key_fields_for("A7001")["public_key"]
    with pytest.raises(AuthError, match="Wrong passcode"):
        sign_in(store, "A7001", "test passcode for someone")
    assert peek.scalar(store, "SELECT COUNT(*) FROM events WHERE kind = 'SignInSucceeded'") == 1
    store.close()


def test_events_by_a_signed_in_person_carry_their_signature(tmp_path):
    store = _desk(tmp_path)
    session = sign_in(store, "A7001", "test passcode for everyone")
    store.use_keys("A7001", session.keys)
    event = store.record("StaffRemoved", {"staff_id": "NOBODY"}, actor="A7001", role="admin")
    assert sk.verify_event_signature(session.keys.public_key, event.hash, event.signature)
    stored = peek.scalar(store, "SELECT signature FROM events WHERE id = ?", (event.id,))
    assert stored == event.signature
    desk_event = store.record_as_desk("SignInFailed", {"staff_id": "X", "reason": "r"})
    assert desk_event.signature is None
    store.forget_keys("A7001")
    unsigned = store.record("StaffRemoved", {"staff_id": "NOBODY"}, actor="A7001", role="admin")
    assert unsigned.signature is None  # a bare store records it; the server will reject it
    store.require_signatures = True  # as the desk app sets it
    with pytest.raises(AuthError, match="not signed in"):
        store.record("StaffRemoved", {"staff_id": "NOBODY"}, actor="A7001", role="admin")
    store.close()


def test_roster_entry_without_a_key_cannot_sign_in(tmp_path):
    store = open_store(tmp_path / "desk.sqlite3", device_id="D-K", location="CSC")
    weak = sk.derive_staff_keys("test passcode for everyone", "00" * 16, sk.KeyParams(8, 1, 1))
    store.record(
        "StaffEnrolled",
        {
            "staff_id": "A7001",
            "name": "Kim",
            "role": "advisor",
            "locations": ["CSC"],
            **weak.roster_fields() | {"public_key": "00" * 32},
        },
        actor="ADMIN1",
        role="admin",
    )
    with pytest.raises(AuthError, match="Wrong passcode"):
        sign_in(store, "A7001", "test passcode for everyone")
    store.close()


def test_sign_in_rekeys_when_parameters_changed(tmp_path):
    old = sk.derive_staff_keys("test passcode for everyone", "00" * 16, sk.KeyParams(8, 1, 1))
    store = _desk(tmp_path, **old.roster_fields())
    session = sign_in(store, "A7001", "test passcode for everyone")
    assert session.keys.params == sk.current_params()
    assert session.keys.public_key != old.public_key
    [rekey] = peek.query(
        store, "SELECT payload, signature, hash FROM events WHERE kind = 'StaffRekeyed'"
    )
    # Signed with the old key: only someone knowing the passcode can re-key.
    assert sk.verify_event_signature(old.public_key, rekey["hash"], rekey["signature"])
    row = peek.query(store, "SELECT public_key, key_params FROM staff WHERE staff_id = 'A7001'")[0]
    assert tuple(row) == (session.keys.public_key, sk.current_params().text())
    # Another desk re-keying the same person derives the very same key.
    again = sk.derive_staff_keys(
        "test passcode for everyone",
        sk.rekey_salt("00" * 16, sk.current_params()),
        sk.current_params(),
    )
    assert again.public_key == session.keys.public_key
    # Next time: no re-key.
    sign_in(store, "A7001", "test passcode for everyone")
    assert peek.scalar(store, "SELECT COUNT(*) FROM events WHERE kind = 'StaffRekeyed'") == 1
    store.close()
