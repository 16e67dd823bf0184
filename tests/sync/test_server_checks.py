"""Per-kind server checks: two desks act on one referral offline; the server keeps one story."""

from __future__ import annotations

from cxdesk.store import customer_commands as cc
from cxdesk.store import referral_commands as rc
from cxdesk.store import referral_queries as rq
from cxdesk.store.rebuild import verify_store
from cxdesk.sync.server import admin

from ..conftest import key_fields_for
from ..test_customers_store import ADVISOR, FORM, HOUSING, REFERRAL, add_team


async def test_referral_accepted_and_declined_offline(central):
    for who, role, where in (
        ("AB1001", "advisor", "CSC"),
        ("HO2001", "advisor", "CIVIC-BACK"),
        ("SUP1", "supervisor", "CSC"),
    ):
        admin.add_staff(
            central.engine,
            who,
            name=who,
            role=role,
            locations=[where],
            key_fields=key_fields_for(who),
        )
    central.define_location("CIVIC-BACK", "back-office")  # it works the team's queue
    a, b = central.desk("D-A"), central.desk("D-B", "CIVIC-BACK")
    add_team(a.store)
    cid = cc.register_customer(a.store, ADVISOR, FORM)
    rid = rc.raise_referral(a.store, ADVISOR, cid, REFERRAL)
    await a.sync()
    await b.sync()
    # Both desks act while offline: one declines, the other accepts.
    rc.decline(b.store, HOUSING, rid, "Not ours.")
    rc.accept(a.store, ADVISOR, rid, "housing-options")
    first = await b.sync()
    second = await a.sync()
    assert first.counts.accepted == 1
    assert second.counts.rejected == 1 and "cannot be" in second.counts.reasons[0]
    await b.sync()
    assert rq.get_referral(a.store, rid).status == "declined"
    assert rq.get_referral(b.store, rid).status == "declined"
    assert verify_store(a.store).ok and verify_store(b.store).ok
