"""Forged events from an enrolled hub desk are rejected with their reason (SQLite and PostgreSQL).

Each case is what an attacker with one stolen hub desk could push with a
correct hash chain: the events are written straight into the hub desk's own
log (as an edited store would hold them) and pushed by its ordinary sync
round through the real API. Every one must come back rejected with a reason,
the honest CSC desk's tables must not change, and both desks keep syncing.
"""

from __future__ import annotations

import time

import pytest

from cxdesk.errors import AuthError
from cxdesk.events.envelope import Event, chain_hash, new_event_id, payload_digest
from cxdesk.store.eventlog import _INSERT_EVENT, _row, chain_head
from cxdesk.store.signin_commands import sign_in
from cxdesk.sync.server.central import CentralItem, record_central
from cxdesk.sync.server.db import write_transaction
from cxdesk.sync.server.trust import MAX_FAILURES_PER_HOUR
from tests import peek

from ..conftest import key_fields_for, keys_for

STAFF = {
    "X5001": ("admin", ["CENTRAL"]),
    "S4001": ("supervisor", ["CSC"]),
    "A1001": ("advisor", ["CSC"]),
    "H2001": ("hub", ["HUB-NORTH"]),
    "W3001": ("welfare", ["CSC"]),
}
CARD_POLICY = {
    "kind": "payment_card",
    "windows": [{"days": 28, "max": 1}],
    "action": "supervisor",
    "card_limit_pence": 5000,
}
VOUCHER_POLICY = {"kind": "food_voucher", "windows": [{"days": 7, "max": 1}], "action": "warn"}
WATCHED = ("staff", "locations", "policies", "stock_moves", "issues", "signin_attempts", "signoffs")
"""The honest desk's tables that a forged event would change if it got through."""


def council(engine) -> None:
    """Two locations, five staff and the repeat-claim policies, as ``cxdesk admin`` makes them."""
    items = [
        CentralItem("LocationDefined", {"location_id": loc, "name": loc, "kind": kind})
        for loc, kind in (("CSC", "csc"), ("HUB-NORTH", "hub"))
    ]
    for staff_id, (role, places) in STAFF.items():
        items.append(
            CentralItem(
                "StaffEnrolled",
                {
                    "staff_id": staff_id,
                    "name": f"Staff {staff_id}",
                    "role": role,
                    "locations": places,
                    **key_fields_for(staff_id),
                },
            )
        )
    items += [
        CentralItem("PolicySet", p, "S4001", "supervisor") for p in (CARD_POLICY, VOUCHER_POLICY)
    ]
    with write_transaction(engine) as conn:
        record_central(conn, items)


def forge(
    store,
    kind: str,
    payload: dict,
    actor: str,
    *,
    location: str | None = None,
    hlc: str | None = None,
) -> Event:
    """An event written straight into a desk's log, chained and signed, never checked.

    It is signed with the named actor's own key, as if the attacker knew their
    passcode: what must stop it is where, when and what, not the signature.
    """
    with store.transaction() as conn:
        seq, prev = chain_head(conn, store.device_id)
        fields = {
            "id": new_event_id(),
            "kind": kind,
            "payload_digest": payload_digest(payload),
            "actor": actor,
            "device": store.device_id,
            "location": location or store.location,
            "device_seq": seq + 1,
            "hlc": hlc or store.clock.now(),
            "prev_hash": prev,
        }
        hash_ = chain_hash(**fields)
        signature = None if actor == "desk" else keys_for(actor).sign_event_hash(hash_)
        event = Event(payload=payload, hash=hash_, signature=signature, **fields)
        conn.execute(_INSERT_EVENT, _row(event))
    return event


def snapshot(store) -> dict[str, list[tuple]]:
    out = {}
    for name in WATCHED:
        try:
            out[name] = sorted(tuple(r) for r in peek.query(store, f'SELECT * FROM "{name}"'))
        except Exception:  # a table another feature may rename: not this test's concern
            continue
    return out


def card(serial: str, value: int, limit: int, approved_by: str | None = None) -> dict:
    return {
        "issue_id": new_event_id(),
        "customer_id": "C-0001",
        "serial": serial,
        "value_pence": value,
        "limit_pence": limit,
        "reason": "no money for the meter",
        "repeat_check": {"action": "none", "checked_at": "2026-11-30T12:00:00Z"},
        "approved_by": approved_by,
    }


@pytest.fixture
async def desks(central):
    council(central.engine)
    csc, hub = central.desk("D-CSC", "CSC"), central.desk("D-HUB", "HUB-NORTH")
    for desk in (csc, hub):
        await desk.sync()
    return csc, hub


FORGERIES = {
    "admin enrolled at a desk": (
        "StaffEnrolled",
        lambda: {
            "staff_id": "X6666",
            "name": "Mallory",
            "role": "admin",
            "locations": ["HUB-NORTH"],
            **key_fields_for("X6666"),
        },
        "X5001",
        None,
        "only from the central API",
    ),
    "supervisor's passcode reset": (
        "StaffUpdated",
        lambda: {"staff_id": "S4001", **key_fields_for("S4001", "the attacker's own passcode")},
        "X5001",
        None,
        "only from the central API",
    ),
    "rogue device enrolled": (
        "DeviceEnrolled",
        lambda: {"device_id": "ROGUE", "location": "CSC"},
        "X5001",
        None,
        "only from the central API",
    ),
    "policy relaxed": (
        "PolicySet",
        lambda: {**CARD_POLICY, "card_limit_pence": 100_000, "action": "warn"},
        "S4001",
        None,
        "only from the central API",
    ),
    "stock received at the CSC from a hub": (
        "StockReceived",
        lambda: {
            "location": "CSC",
            "kind": "payment_card",
            "first": "PC900001",
            "last": "PC900010",
        },
        "S4001",
        "CSC",
        "device D-HUB is at HUB-NORTH",
    ),
    "CSC day signed off from a hub": (
        "LogSignedOff",
        lambda: {"location_id": "CSC", "day": "2026-11-29"},
        "S4001",
        "CSC",
        "device D-HUB is at HUB-NORTH",
    ),
    "stock at a place nobody knows": (
        "StockReceived",
        lambda: {
            "location": "NOWHERE",
            "kind": "food_voucher",
            "first": "FV900001",
            "last": "FV900010",
        },
        "S4001",
        None,
        "not a location the server knows",
    ),
    "sign-off of a place nobody knows": (
        "LogSignedOff",
        lambda: {"location_id": "NOWHERE", "day": "2026-11-29"},
        "S4001",
        None,
        "not a location the server knows",
    ),
    "card by a CSC-only advisor at the hub": (
        "CardIssued",
        lambda: card("PC900001", 4000, 5000),
        "A1001",
        None,
        "A1001 does not work at HUB-NORTH",
    ),
    "card of £1,000 with the desk's own limit": (
        "CardIssued",
        lambda: card("PC900002", 100_000, 100_000),
        "H2001",
        None,
        "over the council's limit of £50.00",
    ),
    "failed sign-in of a CSC advisor at a hub": (
        "SignInFailed",
        lambda: {"staff_id": "A1001", "reason": "wrong passcode"},
        "desk",
        None,
        "cannot sign in at HUB-NORTH",
    ),
}


@pytest.mark.parametrize("case", sorted(FORGERIES))
async def test_forged_event_rejected_and_changes_nothing(desks, case):
    csc, hub = desks
    kind, payload, actor, location, reason = FORGERIES[case]
    before = snapshot(csc.store)
    forge(hub.store, kind, payload(), actor, location=location)
    report = await hub.sync()
    assert report.counts.rejected == 1, report.counts.reasons
    assert reason in report.counts.reasons[0]
    await csc.sync()
    assert snapshot(csc.store) == before
    # Both desks carry on: an honest event from each goes through.
    hub.record_failed_signin("H2001")
    csc.record_failed_signin("A1001")
    for desk in (hub, csc, hub):
        report = await desk.sync()
        assert report.counts.rejected == 0
    # H2001 signs in only at the hub, so the CSC desk never holds their attempts (scoping).
    assert (
        peek.scalar(hub.store, "SELECT COUNT(*) FROM signin_attempts WHERE staff_id = 'H2001'") == 1
    )
    assert (
        peek.scalar(csc.store, "SELECT COUNT(*) FROM signin_attempts WHERE staff_id = 'H2001'") == 0
    )


BAD_CLOCKS = {
    "not a clock at all": ("not-a-clock-value-at-all", "malformed"),
    "a day ahead": (None, "ahead of the server's clock"),
    "year 318857": ("9999999999999999-0000-D-HUB", "ahead of the server's clock"),
    "another device's clock": (None, "names device"),
    "before 2020": ("0000000000000001-0000-D-HUB", "before 2020"),
}


@pytest.mark.parametrize("case", sorted(BAD_CLOCKS))
async def test_bad_clock_rejected_and_desks_keep_syncing(desks, case):
    csc, hub = desks
    hlc, reason = BAD_CLOCKS[case]
    if case == "a day ahead":
        hlc = f"{time.time_ns() // 1_000_000 + 86_400_000:016d}-0000-D-HUB"
    elif case == "another device's clock":
        hlc = hub.store.clock.now().replace("D-HUB", "D-CSC")
    before = snapshot(csc.store)
    forge(hub.store, "SignInFailed", {"staff_id": "S4001", "reason": "wrong"}, "desk", hlc=hlc)
    report = await hub.sync()
    assert report.counts.rejected == 1 and reason in report.counts.reasons[0]
    await csc.sync()
    assert snapshot(csc.store) == before
    csc.record_failed_signin("A1001")
    for desk in (csc, hub):
        assert (await desk.sync()).counts.rejected == 0


async def test_failed_sign_ins_are_bounded_per_person_and_desk(desks):
    csc, hub = desks
    for _ in range(MAX_FAILURES_PER_HOUR + 3):
        hub.record_failed_signin("S4001")
    report = await hub.sync()
    assert (report.counts.accepted, report.counts.rejected) == (MAX_FAILURES_PER_HOUR, 3)
    assert "within an hour" in report.counts.reasons[0]
    await csc.sync()
    seen = "SELECT COUNT(*) FROM signin_attempts WHERE staff_id = 'S4001'"
    assert peek.scalar(csc.store, seen) == MAX_FAILURES_PER_HOUR
    # Another desk's own count is its own: the CSC may still record failures for S4001.
    csc.record_failed_signin("S4001")
    assert (await csc.sync()).counts.rejected == 0


async def test_a_staff_id_the_desk_does_not_hold_stays_a_local_record(desks):
    """H2001 works only at the hub; typed at the CSC desk, nobody's passcode was tried.

    The desk records what was typed and the server accepts it, so F8 has nothing
    to reject; it stays at the CSC, so it counts towards no lock-out at the hub.
    """
    csc, hub = desks
    with pytest.raises(AuthError, match="not recognised"):
        sign_in(csc.store, "H2001", "any passcode at all")
    report = await csc.sync()
    assert (report.counts.accepted, report.counts.rejected) == (1, 0), report.counts.reasons
    await hub.sync()
    attempts = "SELECT COUNT(*) FROM signin_attempts WHERE staff_id = 'H2001'"
    assert peek.scalar(csc.store, attempts) == 1
    assert peek.scalar(hub.store, attempts) == 0
    # A guessed passcode is still checked: the same person "wrong passcode" at the CSC is not.
    csc.record_failed_signin("H2001", reason="wrong passcode")
    report = await csc.sync()
    assert report.counts.rejected == 1
    assert "cannot sign in at CSC" in report.counts.reasons[0]


async def test_legitimate_work_is_accepted(desks):
    """The checks must not stop honest work: a hub card within the server's limit, stock."""
    csc, hub = desks
    forge(
        hub.store,
        "StockReceived",
        {"location": "HUB-NORTH", "kind": "payment_card", "first": "PC900001", "last": "PC900010"},
        "S4001",
    )
    forge(hub.store, "CardIssued", card("PC900001", 5000, 5000), "H2001")
    forge(hub.store, "SignInFailed", {"staff_id": "NOBODY1", "reason": "unknown"}, "desk")
    report = await hub.sync()
    assert (report.counts.accepted, report.counts.rejected) == (3, 0), report.counts.reasons


async def test_set_policy_reaches_desks_latest_wins(desks, server_url):
    """``cxdesk admin set-policy`` twice: every desk applies the later one, not the first."""
    from click.testing import CliRunner

    from cxdesk.cli import cli

    csc, hub = desks
    runner = CliRunner()
    for action in ("reason", "supervisor"):
        args = [
            "admin",
            "set-policy",
            "food_voucher",
            "--window",
            "7:2",
            "--action",
            action,
            "--db",
            server_url,
        ]
        result = runner.invoke(cli, args)
        assert result.exit_code == 0, result.output
        for desk in (csc, hub):
            await desk.sync()
            found = peek.query(
                desk.store, "SELECT action, windows FROM policies WHERE kind = ?", ("food_voucher",)
            )
            assert found[0]["action"] == action


def test_central_events_refuse_update_and_delete(central):
    """The feed is append-only in the database itself, on SQLite and PostgreSQL."""
    from sqlalchemy import text
    from sqlalchemy.exc import DBAPIError

    for statement in ("UPDATE events SET actor = 'X5001'", "DELETE FROM events"):
        with (
            pytest.raises(DBAPIError, match="append-only"),
            write_transaction(central.engine) as conn,
        ):
            conn.execute(text(statement))
    with central.engine.connect() as conn:
        assert conn.execute(text("SELECT COUNT(*) FROM events")).scalar() > 0
