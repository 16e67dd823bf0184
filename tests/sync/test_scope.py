"""Pull scoping: each desk receives what its location's work needs, no more.

A hub does a resident's whole story (registration, a note, an issue, a
payment card and its crisis payment request, a crisis flag, a referral to a
directory team, advice given without consent, a sign-off, a failed sign-in);
then a desk at another hub, a back-office desk and a fresh desk at the same hub
pull. Real API, SQLite and PostgreSQL.
"""

from __future__ import annotations

from datetime import date

import pytest

from cxdesk.events import load_all
from cxdesk.session import DeskSession
from cxdesk.store import crisis_commands as crisis
from cxdesk.store import customer_commands as cc
from cxdesk.store import issue_commands as ic
from cxdesk.store import referral_commands as rc
from cxdesk.store import supervision_commands as sc
from cxdesk.store.rebuild import verify_store
from cxdesk.store.sync_queries import sync_state
from cxdesk.sync import scope
from cxdesk.sync.server import admin
from cxdesk.sync.server.central import CentralItem, record_central
from cxdesk.sync.server.db import write_transaction
from tests import peek

from ..conftest import key_fields_for, keys_for
from ..crisis_helpers import POLICIES
from ..customer_helpers import MARIA, REFERRAL_CHOICES
from ..test_customers_store import add_team
from .test_protocol import events_of

ADV = DeskSession("ADV1", "Alex Advisor", "advisor", "HUB-N")
SUP = DeskSession("SUP1", "Sam Super", "supervisor", "HUB-N")
SHARED = scope.SHARED_KINDS
STAFF = {"SUP1": "supervisor", "ADV1": "advisor", "WEL1": "welfare"}
PLACES = {"HUB-N": "hub", "HUB-S": "hub", "BACK": "back-office"}


def set_up_council(central) -> None:
    """Places, policies and staff, from the central API (ADV1 works at HUB-N only)."""
    for staff_id, role in STAFF.items():
        admin.add_staff(
            central.engine,
            staff_id,
            name=staff_id,
            role=role,
            locations=["HUB-N"],
            key_fields=key_fields_for(staff_id),
        )
    items = [
        CentralItem("LocationDefined", {"location_id": loc, "name": loc, "kind": kind})
        for loc, kind in PLACES.items()
    ]
    items += [CentralItem("PolicySet", policy, "SUP1", "supervisor") for policy in POLICIES]
    with write_transaction(central.engine) as conn:
        record_central(conn, items)


def make_desk(central, name: str, place: str):
    """A desk where everyone is signed in (every event they make is signed)."""
    made = central.desk(name, place)
    for staff_id in STAFF:
        made.store.use_keys(staff_id, keys_for(staff_id))
    return made


async def hub_with_stock(central):
    set_up_council(central)
    north = make_desk(central, "D-N", "HUB-N")
    await north.sync()
    for kind, first, last in (
        ("food_voucher", "FV000101", "FV000120"),
        ("payment_card", "PC000101", "PC000110"),
    ):
        north.store.record(
            "StockReceived",
            {"location": "HUB-N", "kind": kind, "first": first, "last": last},
            actor="SUP1",
            role="supervisor",
        )
    return north


def kinds(store) -> set[str]:
    return {r[0] for r in peek.query(store, "SELECT DISTINCT kind FROM events")}


def _issue(store, kind: str, cid: str, serial: str) -> ic.IssueReceipt:
    check = ic.check_repeat_claims(store, kind, cid)
    return ic.issue_item(
        store,
        actor="ADV1",
        role="advisor",
        location="HUB-N",
        kind=kind,
        customer_id=cid,
        serial_text=serial,
        reason="No money for food",
        check=check,
        amount_text="20" if kind == "payment_card" else "",
    )


def _whole_story(store) -> str:
    """Everything a hub records about one resident; returns the customer id."""
    add_team(store)
    cid = cc.register_customer(store, ADV, dict(MARIA))
    store.record(
        "CustomerNoteAdded",
        {"customer_id": cid, "note": "Prefers mornings."},
        actor="ADV1",
        role="advisor",
    )
    _issue(store, "food_voucher", cid, "FV000101")
    _issue(store, "payment_card", cid, "PC000101")
    crisis.flag_crisis(
        store,
        actor="ADV1",
        role="advisor",
        customer_id=cid,
        signs=["no_food"],
        other_signs="",
        actions="Voucher and a call to welfare",
    )
    rc.raise_referral(store, ADV, cid, {**REFERRAL_CHOICES, "story": "Eviction notice."})
    rc.raise_referral(
        store,
        ADV,
        cid,
        {**REFERRAL_CHOICES, "consent": "refused", "story": "Told us about debts; no consent."},
    )
    sc.sign_off(store, SUP, "HUB-N", date(2026, 1, 5), "All counted.")
    store.record_as_desk("SignInFailed", {"staff_id": "Z9001", "reason": "wrong passcode"})
    return cid


async def test_a_desk_elsewhere_receives_none_of_a_residents_story(central):
    north = await hub_with_stock(central)
    cid = _whole_story(north.store)
    await north.sync()
    assert (
        peek.scalar(north.store, "SELECT COUNT(*) FROM event_acks WHERE status = 'rejected'") == 0
    )
    south, back, twin = (
        make_desk(central, "D-S", "HUB-S"),
        make_desk(central, "D-B", "BACK"),
        make_desk(central, "D-N2", "HUB-N"),
    )
    for desk in (south, back, twin):
        await desk.sync()
    recorded = kinds(north.store)
    assert len(recorded) >= 15  # the story above covers most kinds

    # Another hub: only what every desk needs (policies, directory, locations) and the
    # staff who may sign in there (supervisors and welfare sign in anywhere).
    assert kinds(south.store) <= SHARED | {"StaffEnrolled"}
    assert peek.scalar(south.store, "SELECT COUNT(*) FROM customers") == 0
    staff = {r[0] for r in peek.query(south.store, "SELECT staff_id FROM staff")}
    assert "ADV1" not in staff and {"SUP1", "WEL1"} <= staff
    assert peek.scalar(south.store, "SELECT COUNT(*) FROM stock_items") == 0

    # The back office works the crisis payment and the directory team's referral,
    # so it holds that resident, but never the advice given without consent.
    got = kinds(back.store)
    assert {"CrisisPaymentRequested", "ReferralRaised", "CustomerRegistered"} <= got
    assert not got & {"StockReceived", "LogSignedOff", "SignInFailed"}
    advice = "SELECT COUNT(*) FROM events WHERE kind = 'ReferralRaised' AND payload LIKE ?"
    assert peek.scalar(north.store, advice, ('%"advice_only":true%',)) == 1
    assert peek.scalar(back.store, advice, ('%"advice_only":true%',)) == 0
    assert (
        peek.scalar(back.store, "SELECT COUNT(*) FROM customers WHERE customer_id = ?", (cid,)) == 1
    )

    # A second desk at the hub holds exactly what the first does.
    await north.sync()
    assert sorted(events_of(twin.store)) == sorted(events_of(north.store))
    for desk in (north, south, back, twin):
        assert verify_store(desk.store).ok


async def test_every_kind_has_a_rule():
    """Each kind is named by the rule, follows a resident, or stays where it was written."""
    from cxdesk.events.envelope import Event

    named = (
        scope.SHARED_KINDS
        | scope.SIGN_IN_KINDS
        | scope.STAFF_KINDS
        | set(scope.STOCK_PLACES)
        | {"RecordsErased"}
    )
    for name, spec in load_all().items():
        if name in named or "customer_id" in spec.payload.model_fields:
            continue
        # Any other kind (an audit record such as an export) never leaves its location.
        event = Event.model_construct(kind=name, payload={})
        found = scope.targets(event, "HUB-N", lambda _r: None)
        assert found == [scope.Target("HUB-N", False)], name


async def test_a_referral_to_a_hub_brings_the_residents_history(central):
    north = await hub_with_stock(central)
    south = make_desk(central, "D-S", "HUB-S")
    cid = cc.register_customer(north.store, ADV, dict(MARIA))
    other = cc.register_customer(north.store, ADV, {**MARIA, "given_name": "Joe"})
    await north.sync()
    await south.sync()
    assert peek.scalar(south.store, "SELECT COUNT(*) FROM customers") == 0
    cursor_before = sync_state(south.store).cursor
    rc.raise_referral(
        north.store,
        ADV,
        cid,
        {**REFERRAL_CHOICES, "to_team": "HUB-S", "story": "Moving near Southfield."},
    )
    await north.sync()
    await south.sync()
    # The registration (before the south desk's cursor) came with the referral.
    held = {r[0] for r in peek.query(south.store, "SELECT customer_id FROM customers")}
    assert held == {cid} and other not in held
    assert sync_state(south.store).cursor > cursor_before
    assert verify_store(south.store).ok


async def test_paging_through_a_scoped_feed_never_skips_or_repeats(central, monkeypatch):
    """Small pages over a feed mostly hidden from the desk: the same share as one big page."""
    from cxdesk.sync.server import scope
    from cxdesk.sync.server.db import read_transaction
    from cxdesk.sync.server.feed import pull_page_json
    from cxdesk.sync.server.scope import device_audiences

    north = await hub_with_stock(central)
    south = make_desk(central, "D-S", "HUB-S")
    south_ids = []
    for i in range(6):
        cc.register_customer(north.store, ADV, {**MARIA, "given_name": f"Ann{'a' * i}"})
        cid = cc.register_customer(north.store, ADV, {**MARIA, "given_name": f"Bea{'a' * i}"})
        rc.raise_referral(
            north.store, ADV, cid, {**REFERRAL_CHOICES, "to_team": "HUB-S", "story": "Moving."}
        )
        south_ids.append(cid)
    await north.sync()
    import json

    def page_ids(limit: int) -> list[str]:
        seen, after = [], 0
        with read_transaction(central.engine) as conn:
            aud = device_audiences(conn, "HUB-S")
            while True:
                raw, _ = pull_page_json(conn, after, limit, audiences=aud)
                page = json.loads(raw)
                seen += [e["id"] for e in page["events"]]
                if page["next"] >= page["head"]:
                    return seen
                assert page["next"] > after
                after = page["next"]

    whole = page_ids(1000)
    for limit in (1, 2, 3, 7):
        paged = page_ids(limit)
        assert len(paged) == len(set(paged)) and sorted(paged) == sorted(whole), limit
        # Looked for in narrow windows (see scope._direct_places): the very same pages.
        for window in (1, 2, 5):
            monkeypatch.setattr(scope, "FIRST_WINDOW", window)
            assert page_ids(limit) == paged, (limit, window)
        monkeypatch.undo()
    await south.sync()
    held = {r[0] for r in peek.query(south.store, "SELECT customer_id FROM customers")}
    assert held == set(south_ids)


async def test_the_claims_index_finds_a_repeat_claim_made_elsewhere_offline(central):
    """Hub S holds none of hub N's residents, yet its repeat check (offline) sees N's issue."""
    north = await hub_with_stock(central)
    south = make_desk(central, "D-S", "HUB-S")
    maria = cc.register_customer(north.store, ADV, dict(MARIA))
    _issue(north.store, "food_voucher", maria, "FV000101")
    joe = cc.register_customer(north.store, ADV, {**MARIA, "given_name": "Joe"})
    voided = _issue(north.store, "food_voucher", joe, "FV000102")
    ic.void_issue(
        north.store,
        actor="ADV1",
        role="advisor",
        issue_id=voided.issue_id,
        reason="Wrong person",
        item="back_to_stock",
    )
    await north.sync()
    await south.sync()
    assert peek.scalar(south.store, "SELECT COUNT(*) FROM customers") == 0
    # Only keys travel: no name, address, phone or story in the index.
    row = [tuple(r) for r in peek.query(south.store, "SELECT * FROM claims_index")]
    assert len(row) == 2 and "Maria" not in repr(row) and "Mere Road" not in repr(row)
    # Offline now: Maria comes to the south hub, typed a little differently.
    south_adv = DeskSession("SUP1", "Sam Super", "supervisor", "HUB-S")
    again = cc.register_customer(south.store, south_adv, {**MARIA, "family_name": "Okafore"})
    check = ic.check_repeat_claims(south.store, "food_voucher", again)
    assert [(m.how, m.issue.location) for m in check.matches] == [("likely match", "HUB-N")]
    assert check.breached and check.action == "reason"
    # Joe's voucher was voided: it does not count against him.
    joe_south = cc.register_customer(south.store, south_adv, {**MARIA, "given_name": "Joe"})
    assert ic.check_repeat_claims(south.store, "food_voucher", joe_south).matches == []
    assert verify_store(south.store).ok


async def test_a_resident_held_elsewhere_is_found_by_asking_the_central_api(central):
    """The south hub asks for Maria (registered at the north hub): recorded as a view, and
    her record then arrives with the next pull; a wrong date of birth finds nobody."""
    from cxdesk.errors import CxDeskError
    from cxdesk.sync.protocol import CentralSearch

    north = await hub_with_stock(central)
    south = make_desk(central, "D-S", "HUB-S")
    maria = cc.register_customer(north.store, ADV, dict(MARIA))
    await north.sync()
    await south.sync()
    ask = {
        "given_name": "maria",
        "family_name": "OKAFOR",
        "date_of_birth": "1984-02-11",
        "postcode": "EM1 4QT",
        "reason": "At the desk asking about her voucher",
    }
    wrong = await south.client.search_central(
        CentralSearch(**{**ask, "date_of_birth": "1990-01-01"})
    )
    assert wrong.matches == []
    answer = await south.client.search_central(CentralSearch(**ask))
    assert [m.customer_id for m in answer.matches] == [maria]
    await south.sync()
    held = [
        tuple(r) for r in peek.query(south.store, "SELECT customer_id, given_name FROM customers")
    ]
    assert held == [(maria, "Maria")]
    viewed = peek.scalar(
        south.store,
        "SELECT COUNT(*) FROM events WHERE kind = 'CustomerRecordViewed' AND payload LIKE ?",
        ("%At the desk asking%",),
    )
    assert viewed == 1 and verify_store(south.store).ok
    # Bad input is a 4xx with a reason, never a 500.
    with pytest.raises(CxDeskError):
        await south.client.search_central(CentralSearch.model_construct(**{**ask, "reason": ""}))
