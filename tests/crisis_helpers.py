"""A small council on a test desk for the stock, issuing and crisis tests."""

from __future__ import annotations

import uuid

from tests.conftest import key_fields_for

PASSCODE = "correct horse battery"
NOT_A_SUPERVISOR = "advisor passcode 1"

POLICIES = [
    {
        "kind": "food_voucher",
        "windows": [{"days": 7, "max": 1}, {"days": 90, "max": 3}],
        "action": "reason",
        "help_line": "Welfare Assistance Team 020 7946 0321",
    },
    {
        "kind": "payment_card",
        "windows": [{"days": 28, "max": 1}],
        "action": "supervisor",
        "card_limit_pence": 5000,
        "help_line": "Welfare Assistance Team 020 7946 0321",
    },
]


def set_up_council(store, *, stock: bool = True) -> None:
    """Locations, staff (SUP1, ADV1, WEL1), policies and stock at CSC and HUB-N."""
    admin = {"actor": "ADMIN1", "role": "admin"}
    for loc, name, kind in (
        ("CSC", "Customer Service Centre", "csc"),
        ("HUB-N", "Northgate Hub", "hub"),
    ):
        store.record("LocationDefined", {"location_id": loc, "name": name, "kind": kind}, **admin)
    for sid, name, role, code in (
        ("SUP1", "Sam Super", "supervisor", PASSCODE),
        ("ADV1", "Alex Advisor", "advisor", NOT_A_SUPERVISOR),
        ("WEL1", "Wendy Welfare", "welfare", PASSCODE),
    ):
        store.record(
            "StaffEnrolled",
            {
                "staff_id": sid,
                "name": name,
                "role": role,
                "locations": ["CSC", "HUB-N"],
                **key_fields_for(sid, code),
            },
            **admin,
        )
    for policy in POLICIES:
        store.record("PolicySet", policy, actor="SUP1", role="supervisor")
    if stock:
        for loc, fv, pc in (
            ("CSC", ("FV000001", "FV000020"), ("PC000001", "PC000010")),
            ("HUB-N", ("FV000101", "FV000120"), ("PC000101", "PC000110")),
        ):
            store.record(
                "StockReceived",
                {"location": loc, "kind": "food_voucher", "first": fv[0], "last": fv[1]},
                actor="SUP1",
                role="supervisor",
            )
            store.record(
                "StockReceived",
                {"location": loc, "kind": "payment_card", "first": pc[0], "last": pc[1]},
                actor="SUP1",
                role="supervisor",
            )


def register(
    store, given="Jo", family="Bloggs", dob="1980-04-02", postcode="N1 1AA", location=None
) -> str:
    cid = str(uuid.uuid4())
    store.record(
        "CustomerRegistered",
        {
            "customer_id": cid,
            "given_name": given,
            "family_name": family,
            "date_of_birth": dob,
            "postcode": postcode,
        },
        actor="ADV1",
        role="advisor",
        location=location,
    )
    return cid
