"""The server accepts a person's event only with their signature, as the roster stood then.

Through the real API on SQLite and PostgreSQL: an attacking desk pushes events
unsigned, signed by the wrong person, with a forged signature, by a removed
person and with a replaced key; each is rejected with its reason, nothing
reaches any other desk, and a legitimate desk keeps syncing.
"""

from __future__ import annotations

import uuid

import pytest

from cxdesk.domain import staff_keys as sk
from cxdesk.domain.approvals import approval_content, sign_approval
from cxdesk.errors import AuthError, ValidationError
from cxdesk.store import customer_commands as cc
from cxdesk.sync.server import admin
from cxdesk.sync.server.central import CentralItem, record_central
from cxdesk.sync.server.db import write_transaction
from tests import peek

from ..conftest import key_fields_for, keys_for
from ..customer_helpers import MARIA
from ..test_customers_store import ADVISOR, FORM

SUPERVISOR = "SUP1"


class Replaying:
    """Stands in for keys: puts a signature taken from another event on each new one."""

    def __init__(self, signature: str) -> None:
        self.signature = signature

    def sign_event_hash(self, event_hash: str) -> str:
        return self.signature


def _roster(central) -> None:
    admin.add_staff(
        central.engine,
        ADVISOR.staff_id,
        name="Alex",
        role="advisor",
        locations=["CSC"],
        key_fields=key_fields_for(ADVISOR.staff_id),
    )
    admin.add_staff(
        central.engine,
        SUPERVISOR,
        name="Sue",
        role="supervisor",
        locations=["CSC"],
        key_fields=key_fields_for(SUPERVISOR),
    )


def _register_as_advisor(desk, keys) -> str:
    """Register a customer in the advisor's name, signing with ``keys`` (None: unsigned)."""
    desk.store.forget_keys()
    if keys is not None:
        desk.store.use_keys(ADVISOR.staff_id, keys)
    return cc.register_customer(desk.store, ADVISOR, MARIA)


def _customers(desk) -> set[str]:
    return {r[0] for r in peek.query(desk.store, "SELECT customer_id FROM customers")}


async def test_forged_events_are_rejected_and_honest_desk_keeps_syncing(central):
    _roster(central)
    honest, rogue = central.desk("D-HONEST"), central.desk("D-ROGUE", signed=False)
    await honest.sync()
    await rogue.sync()
    mine = cc.register_customer(honest.store, ADVISOR, FORM)

    _register_as_advisor(rogue, None)  # unsigned
    _register_as_advisor(rogue, keys_for(SUPERVISOR))  # the wrong person's key
    # A signature that is not over this event: copied from the honest desk's event.
    copied = peek.scalar(
        honest.store, "SELECT signature FROM events WHERE kind = 'CustomerRegistered'"
    )
    _register_as_advisor(rogue, Replaying(copied))
    stolen = keys_for(ADVISOR.staff_id, "a guess at the passcode")
    _register_as_advisor(rogue, stolen)  # a key derived from a wrong passcode
    report = await rogue.sync()
    assert report.counts.accepted == 0 and report.counts.rejected == 4
    reasons = " | ".join(report.counts.reasons)
    assert "unsigned: an event by AB1001 must carry their signature" in reasons
    assert reasons.count("signature is not AB1001's") == 3

    honest_report = await honest.sync()
    assert honest_report.counts.accepted == 1 and honest_report.counts.rejected == 0
    assert _customers(honest) == {mine}  # nothing of the rogue's reached the honest desk
    await rogue.sync()
    assert mine in _customers(rogue)


async def test_removed_or_rekeyed_person_events_rejected_by_feed_position(central):
    _roster(central)
    desk = central.desk("D-A")
    first = cc.register_customer(desk.store, ADVISOR, MARIA)
    await desk.sync()  # accepted while on the roster with that key
    # An administrator gives AB1001 a new passcode: the old key no longer signs.
    new = keys_for(ADVISOR.staff_id, "a brand new passcode here")
    admin.change_staff(central.engine, ADVISOR.staff_id, **new.roster_fields())
    _register_as_advisor(desk, keys_for(ADVISOR.staff_id))  # old key
    report = await desk.sync()
    assert report.counts.rejected == 1
    assert "signature is not AB1001's" in report.counts.reasons[0]
    _register_as_advisor(desk, new)
    assert (await desk.sync()).counts.accepted == 1
    # Removed: even a correctly signed event is refused.
    admin.remove_staff(central.engine, ADVISOR.staff_id)
    _register_as_advisor(desk, new)
    report = await desk.sync()
    assert report.counts.rejected == 1
    assert "removed from the roster" in report.counts.reasons[0]
    assert first in _customers(desk)


async def test_a_push_verified_in_the_pool_uses_the_key_at_each_event_s_place(central):
    """The pool starts with the keys this process saw last (here the old one), then the
    roster's: whatever it started with, each event is judged by the key at its place."""
    from cxdesk.sync.server.signatures import _POOL_FROM

    _roster(central)
    desk = central.desk("D-A")
    for _ in range(_POOL_FROM):
        cc.register_customer(desk.store, ADVISOR, MARIA)
    assert (await desk.sync()).counts.accepted == _POOL_FROM  # the pool saw the old key
    new = keys_for(ADVISOR.staff_id, "a brand new passcode here")
    admin.change_staff(central.engine, ADVISOR.staff_id, **new.roster_fields())
    old_signed = [_register_as_advisor(desk, keys_for(ADVISOR.staff_id)) for _ in range(40)]
    new_signed = [_register_as_advisor(desk, new) for _ in range(40)]
    report = await desk.sync()
    assert report.counts.accepted == 40 and report.counts.rejected == 40
    assert all("signature is not AB1001's" in r for r in report.counts.reasons)
    other = central.desk("D-B")
    await other.sync()
    held = _customers(other)
    assert set(new_signed) <= held and not set(old_signed) & held


async def test_rekey_is_signed_with_the_old_key_and_only_for_oneself(central):
    _roster(central)
    desk = central.desk("D-A", signed=False)
    old = keys_for(ADVISOR.staff_id)
    fresh = sk.derive_staff_keys(
        "test passcode for everyone",
        sk.rekey_salt(old.salt, sk.current_params()),
        sk.current_params(),
    )
    # Someone else re-keying AB1001 (with their own valid signature): refused.
    desk.store.record(
        "StaffRekeyed",
        {"staff_id": ADVISOR.staff_id, **fresh.roster_fields()},
        actor=SUPERVISOR,
        role="supervisor",
        keys=keys_for(SUPERVISOR),
    )
    # AB1001 re-keying with a signature by the new key only: not proof of the passcode.
    desk.store.record(
        "StaffRekeyed",
        {"staff_id": ADVISOR.staff_id, **fresh.roster_fields()},
        actor=ADVISOR.staff_id,
        role="advisor",
        keys=fresh,
    )
    # The real thing: signed with the old key; then the new key signs.
    desk.store.record(
        "StaffRekeyed",
        {"staff_id": ADVISOR.staff_id, **fresh.roster_fields()},
        actor=ADVISOR.staff_id,
        role="advisor",
        keys=old,
    )
    _register_as_advisor(desk, fresh)
    _register_as_advisor(desk, old)  # the old key no longer signs
    report = await desk.sync()
    statuses = list(report.counts.reasons)
    assert report.counts.accepted == 2 and report.counts.rejected == 3, statuses
    assert "SUP1 may not re-key AB1001" in statuses[0]
    assert "signature is not AB1001's" in statuses[1]
    assert "signature is not AB1001's" in statuses[2]


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"key_params": "m=8,t=1,p=1"}, "weaker than"),
        ({"key_salt": None}, "public_key, key_salt and key_params together"),
    ],
)
def test_roster_keys_must_be_whole_and_strong(central, change, reason):
    fields = {k: v for k, v in (key_fields_for("A9") | change).items() if v is not None}
    with pytest.raises(ValidationError, match=reason):
        admin.change_staff(central.engine, "ADMIN1", **fields)


def _voucher(approver: str | None, signer: str | None, **changes) -> dict:
    """A repeat-claim voucher payload approved by ``approver``, signed by ``signer``'s key;
    ``changes`` are made after the signature."""
    payload = {
        "issue_id": str(uuid.uuid4()),
        "customer_id": "c-1",
        "serial": "FV000001",
        "value_pence": 500,
        "reason": "no food",
        "override_reason": "lost the first",
        "repeat_check": {
            "matches": [],
            "breached": ["7 days"],
            "action": "supervisor",
            "checked_at": "2026-11-30T10:00:00Z",
        },
        "approved_by": approver,
    }
    if signer:
        content = approval_content("VoucherIssued", payload)
        payload["approval"] = sign_approval(keys_for(signer), approver, "", content).payload()
    return payload | changes


async def test_supervisor_approval_is_verified_against_what_was_issued(central):
    _roster(central)
    with write_transaction(central.engine) as conn:
        record_central(
            conn,
            [
                CentralItem(
                    "LocationDefined",
                    {"location_id": "CSC", "name": "Customer Service Centre", "kind": "csc"},
                )
            ],
        )
    desk = central.desk("D-A")
    cases = [
        (_voucher(SUPERVISOR, SUPERVISOR), None),
        (_voucher(SUPERVISOR, SUPERVISOR, reason="something else"), "does not match this issue"),
        (_voucher(SUPERVISOR, SUPERVISOR, customer_id="c-2"), "does not match this issue"),
        (_voucher(SUPERVISOR, ADVISOR.staff_id), "does not match this issue"),
        (_voucher(ADVISOR.staff_id, ADVISOR.staff_id), "is not a supervisor"),
    ]
    for payload, _ in cases:
        desk.store.record("VoucherIssued", payload, actor=ADVISOR.staff_id, role="advisor")
    report = await desk.sync()
    expected = [reason for _, reason in cases if reason]
    assert report.counts.accepted == 1 and report.counts.rejected == len(expected)
    for reason, got in zip(expected, report.counts.reasons, strict=True):
        assert reason in got, got


async def test_a_desk_cannot_claim_someone_signed_in(central):
    """A success clears the lock-out count: only the person, with their key, records one."""
    _roster(central)
    desk = central.desk("D-A", signed=False)
    with pytest.raises(AuthError, match="A desk may not record SignInSucceeded"):
        desk.store.record_as_desk("SignInSucceeded", {"staff_id": ADVISOR.staff_id})
    desk.store.record(
        "SignInSucceeded",
        {"staff_id": ADVISOR.staff_id},
        actor=SUPERVISOR,
        role="supervisor",
        keys=keys_for(SUPERVISOR),
    )
    desk.store.record(
        "SignInSucceeded",
        {"staff_id": ADVISOR.staff_id},
        actor=ADVISOR.staff_id,
        role="advisor",
        keys=keys_for(ADVISOR.staff_id),
    )
    report = await desk.sync()
    assert report.counts.accepted == 1 and report.counts.rejected == 1
    assert "SUP1 may not record SignInSucceeded for AB1001" in report.counts.reasons[0]
