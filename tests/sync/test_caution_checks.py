"""The cautionary register through the real API: a second supervisor, and markers reach desks."""

from __future__ import annotations

from datetime import date

from cxdesk.session import DeskSession
from cxdesk.store import caution_commands as cmd
from cxdesk.store import caution_queries as q
from cxdesk.store import customer_commands as cc
from cxdesk.store.rebuild import verify_store
from cxdesk.sync.server import admin
from tests.customer_helpers import MARIA

from ..conftest import key_fields_for

S1 = DeskSession("SUP1", "Pat", "supervisor", "CSC")
S2 = DeskSession("SUP2", "Sol", "supervisor", "CSC")
ADVISOR = DeskSession("AB1001", "Alex", "advisor", "CSC")
TODAY = date(2026, 11, 30)


def enrol(central):
    for who, role in (("AB1001", "advisor"), ("SUP1", "supervisor"), ("SUP2", "supervisor")):
        admin.add_staff(
            central.engine,
            who,
            name=who,
            role=role,
            locations=["CSC"],
            key_fields=key_fields_for(who),
        )


def propose(store, cid):
    return cmd.propose_marker(
        store,
        S1,
        customer_id=cid,
        category="weapons",
        precaution="Meet in the screened room",
        detail="Carried a knife on 2 Nov.",
        today=TODAY,
    )


async def test_a_marker_goes_live_only_with_a_second_supervisors_approval(central):
    enrol(central)
    a, b = central.desk("D-A"), central.desk("D-B")
    cid = cc.register_customer(a.store, ADVISOR, MARIA, today=TODAY)
    marker = propose(a.store, cid)
    # The desk refuses a self-approval; a changed desk records it anyway.
    a.store.record(
        "CautionApproved",
        {"marker_id": marker, "customer_id": cid},
        actor="SUP1",
        role="supervisor",
    )
    # An advisor claiming to be a supervisor, and a step naming another person.
    a.store.record(
        "CautionApproved",
        {"marker_id": marker, "customer_id": cid},
        actor="AB1001",
        role="supervisor",
    )
    a.store.record(
        "CautionApproved",
        {"marker_id": marker, "customer_id": "01234567-89ab-7def-8123-456789abcdef"},
        actor="SUP2",
        role="supervisor",
    )
    result = await a.sync()
    reasons = result.counts.reasons
    assert result.counts.rejected == 3, reasons
    assert any("second supervisor" in r for r in reasons)
    assert any("advisor may not record" in r for r in reasons)
    assert any("differs from the marker's proposal" in r for r in reasons)
    assert q.get_marker(a.store, marker).status == "proposed"
    # The second supervisor approves at another desk at the same location.
    await b.sync()
    cmd.approve_marker(b.store, S2, marker)
    result = await b.sync()
    assert result.counts.accepted == 1 and result.counts.rejected == 0
    await a.sync()
    for desk in (a, b):
        [line] = q.markers_for(desk.store, customer_id=cid, role="advisor", today=TODAY)
        assert line.precaution == "Meet in the screened room"
        assert verify_store(desk.store).ok
    # Approved once only: a second approval is refused by the server too.
    b.store.record(
        "CautionApproved",
        {"marker_id": marker, "customer_id": cid},
        actor="SUP1",
        role="supervisor",
    )
    result = await b.sync()
    assert result.counts.rejected == 1 and "already approved" in result.counts.reasons[0]


async def test_address_marker_reaches_a_desk_elsewhere_a_person_marker_does_not(central):
    enrol(central)
    central.define_location("HUB-N")
    a, hub = central.desk("D-A"), central.desk("D-HUB", "HUB-N")
    cid = cc.register_customer(a.store, ADVISOR, MARIA, today=TODAY)
    person = propose(a.store, cid)
    place = cmd.propose_marker(
        a.store,
        S1,
        address="Flat 3, 12 Mere Road",
        postcode="EM1 4QT",
        category="animals",
        precaution="Dog on site; phone first",
        detail="Bitten on a visit.",
        today=TODAY,
    )
    b = central.desk("D-B")
    await a.sync()
    await b.sync()
    cmd.approve_marker(b.store, S2, person)
    cmd.approve_marker(b.store, S2, place)
    await b.sync()
    await hub.sync()
    # The hub never met Maria: it holds the address marker only, ready for whoever
    # registers there at that address, offline.
    assert q.get_marker(hub.store, person) is None
    assert q.get_marker(hub.store, place).status == "live"
    [line] = q.markers_for(
        hub.store,
        customer_id=None,
        address="Flat 3, 12 Mere Road",
        postcode="em1 4qt",
        role="hub",
        today=TODAY,
    )
    assert line.on == "address"
