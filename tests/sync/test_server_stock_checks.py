"""The central API refuses stock at an unknown location and serials that are not canonical.

The council (locations, policy) is set up as ``cxdesk admin`` does, on the
server; the stock events are recorded straight into the desk's log (as an old
or altered desk could), skipping the desk's own refusals, and pushed through
the real API on SQLite and PostgreSQL.
"""

from __future__ import annotations

from cxdesk.sync.server import admin
from cxdesk.sync.server.central import CentralItem, record_central
from cxdesk.sync.server.db import write_transaction

from ..conftest import key_fields_for

SUP = {"actor": "SUP1", "role": "supervisor"}
VOUCHER_POLICY = {
    "kind": "food_voucher",
    "windows": [{"days": 7, "max": 1}],
    "action": "reason",
    "serial_prefix": "FV",
    "serial_digits": 6,
}


def _receipt(location: str, first: str, last: str) -> dict:
    return {"location": location, "kind": "food_voucher", "first": first, "last": last}


async def test_unknown_location_and_non_canonical_serials_are_rejected(central):
    admin.add_staff(
        central.engine,
        "SUP1",
        name="Sam Sup",
        role="supervisor",
        locations=["HUB-NORTH"],
        key_fields=key_fields_for("SUP1"),
    )
    place = {"location_id": "HUB-NORTH", "name": "Northgate Hub", "kind": "hub"}
    with write_transaction(central.engine) as conn:
        record_central(
            conn,
            [
                CentralItem("LocationDefined", place),
                CentralItem("PolicySet", VOUCHER_POLICY, **SUP),
            ],
        )
    desk = central.desk("D-HUB", "HUB-NORTH")
    await desk.sync()  # the desk learns the council's locations and policy
    desk.store.record("StockReceived", _receipt("HUB-NORTH", "FV500001", "FV500010"), **SUP)
    desk.store.record("StockReceived", _receipt("NOWHERE", "FV600001", "FV600010"), **SUP)
    desk.store.record("StockReceived", _receipt("HUB-NORTH", "FV0500001", "FV0500010"), **SUP)
    desk.store.record("StockReceived", _receipt("HUB-NORTH", "FV1000001", "FV1000002"), **SUP)
    move = {
        "from_location": "HUB-NORTH",
        "to_location": "ELSEWHERE",
        "kind": "food_voucher",
        "first": "FV500001",
        "last": "FV500002",
    }
    desk.store.record("StockTransferred", move, **SUP)
    report = await desk.sync()
    assert report.counts.accepted == 1, report.counts.reasons
    assert report.counts.rejected == 4
    reasons = report.counts.reasons
    assert any("location 'NOWHERE' is not a location the server knows" in r for r in reasons)
    assert any("FV0500001 is not in canonical form: it is FV500001" in r for r in reasons)
    assert any(
        "FV1000001 does not fit: food voucher serials are FV and 6 digits" in r for r in reasons
    )
    assert any("to_location 'ELSEWHERE' is not a location the server knows" in r for r in reasons)
