"""The central API refuses a wrap-up whose reasons are not on the council's list,
one naming a contact already wrapped, one dated outside a day of its own clock, and a
reasons list pushed from a desk; on SQLite and PostgreSQL through the real API."""

from __future__ import annotations

import json
from pathlib import Path

from cxdesk.domain import deskclock
from cxdesk.domain.contacts import DAY_MS, utc_text
from cxdesk.events.envelope import new_event_id
from cxdesk.store import contact_commands as cmd
from cxdesk.sync.server import admin
from cxdesk.sync.server.central import CentralItem, record_central
from cxdesk.sync.server.db import write_transaction

from ..conftest import key_fields_for

ADV = {"actor": "ADV1", "role": "advisor"}
FIXTURE = Path(__file__).parents[2] / "fixtures" / "contact_reasons.json"


def _wrap(reasons, at_ms=None, contact_id=None):
    return {
        "contact_id": contact_id or new_event_id(),
        "customer_id": None,
        "reasons": reasons,
        "channel": "face",
        "outcome": "advice",
        "referral_id": None,
        "at": utc_text(at_ms or deskclock.now_ms()),
    }


async def test_wrap_up_reasons_must_be_on_the_servers_list(central):
    admin.add_staff(
        central.engine,
        "ADV1",
        name="Ade Advisor",
        role="advisor",
        locations=["CSC"],
        key_fields=key_fields_for("ADV1"),
    )
    desk = central.desk("D-CSC", "CSC")
    desk.store.record("ContactWrapped", _wrap(["libraries"]), **ADV)
    reasons = json.loads(FIXTURE.read_text())["reasons"]
    first = await desk.sync()  # no list on the server yet: refused, not guessed at
    assert first.counts.rejected == 1
    assert "no list of contact reasons" in first.counts.reasons[0]
    with write_transaction(central.engine) as conn:
        record_central(
            conn,
            [
                CentralItem(
                    "ContactReasonsSet", {"reasons": reasons}, actor="SUP1", role="supervisor"
                )
            ],
        )
    await desk.sync()  # the desk learns the list
    good = cmd.wrap_contact(
        desk.store, **ADV, customer_id=None, reasons=["libraries"], channel="face", outcome="advice"
    )
    # An altered desk skips its own check: the server checks against its own list.
    desk.store.record("ContactWrapped", _wrap(["libraries", "free-beer"]), **ADV)
    desk.store.record(
        "ContactWrapped", {**_wrap(["libraries"]), "contact_id": good.payload["contact_id"]}, **ADV
    )
    desk.store.record(
        "ContactWrapped", _wrap(["libraries"], deskclock.now_ms() - 3 * DAY_MS), **ADV
    )
    desk.store.record("ContactWrapped", _wrap(["libraries"], deskclock.now_ms() + DAY_MS), **ADV)
    forged = {"reasons": [{"code": "free-beer", "label": "Free beer"}]}
    desk.store.record("ContactReasonsSet", forged, actor="ADV1", role="supervisor")
    report = await desk.sync()
    assert report.counts.accepted == 1, report.counts.reasons
    reasons_seen = " | ".join(report.counts.reasons)
    assert "'free-beer' is not on the council's list" in reasons_seen
    assert f"contact {good.payload['contact_id']} is already wrapped up" in reasons_seen
    assert "more than a day before it was recorded" in reasons_seen
    assert "after the event was recorded" in reasons_seen
    assert "ContactReasonsSet is accepted only from the central API" in reasons_seen


def test_an_anonymous_contact_stays_where_it_happened_and_a_named_one_follows_the_resident():
    from cxdesk.events.envelope import Event
    from cxdesk.sync.scope import Target, grants, targets

    def event(customer_id):
        payload = {**_wrap(["libraries"]), "customer_id": customer_id}
        return Event.model_construct(
            id="e1",
            kind="ContactWrapped",
            payload=payload,
            actor="ADV1",
            device="D1",
            location="HUB-NORTH",
        )

    def none(_referral_id):
        return None

    assert targets(event(None), "HUB-NORTH", none) == [Target("HUB-NORTH", False)]
    assert list(grants(event(None), "HUB-NORTH", lambda _: True)) == []
    person = "0190b7a4-0000-7000-8000-000000000001"
    assert targets(event(person), "HUB-NORTH", none) == [Target(f"c:{person}", True)]
