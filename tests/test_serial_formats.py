"""Serials are canonical in their kind's policy format, and stock locations must be known.

``FV000123`` and ``FV0000123`` are one item, as are the ranges ``FV500001..`` and
``FV0500001..``; a serial the format cannot hold, or another kind's, is refused
with the format in the message; a receipt at a location nobody defined is refused.
"""

from __future__ import annotations

import pytest

from cxdesk.domain.serials import SerialFormat, canonical_serial
from cxdesk.domain.stock import PREFIX_NAMES, serial_format
from cxdesk.errors import ValidationError
from cxdesk.events import validate_payload
from cxdesk.store import issue_commands as ic
from cxdesk.store import stock_commands as sc
from cxdesk.store import stock_queries as sq
from tests.crisis_helpers import set_up_council

SUP = {"actor": "SUP1", "role": "supervisor"}
FV6 = SerialFormat("FV", 6, "food voucher")


@pytest.mark.parametrize(
    ("typed", "canonical"),
    [
        ("FV000123", "FV000123"),
        ("FV0000123", "FV000123"),
        ("fv-0000000123", "FV000123"),
        ("FV 500 001", "FV500001"),
        ("FV0500001", "FV500001"),
    ],
)
def test_leading_zeros_never_make_a_second_item(typed, canonical):
    assert canonical_serial(typed, FV6) == canonical


def test_what_does_not_fit_is_refused_with_the_format():
    with pytest.raises(ValidationError) as too_long:
        canonical_serial("FV1000001", FV6)
    assert "FV and 6 digits, for example FV000123" in too_long.value.message
    with pytest.raises(ValidationError) as wrong_kind:
        canonical_serial("PC000123", FV6, kinds=PREFIX_NAMES)
    assert wrong_kind.value.message == (
        "PC000123 looks like a payment card serial (PC…), but food voucher serials are FV "
        "and 6 digits, for example FV000123."
    )


def test_the_policy_sets_the_format():
    assert serial_format("food_voucher") == FV6
    eight = serial_format("payment_card", {"serial_prefix": "PCX", "serial_digits": 8})
    assert canonical_serial("PCX000042", eight) == "PCX00000042"
    old = {"kind": "food_voucher", "windows": [{"days": 7, "max": 1}], "action": "warn"}
    # A policy recorded before formats existed keeps its exact payload (and digest).
    assert validate_payload("PolicySet", old) == {
        **old,
        "card_limit_pence": None,
        "help_line": "",
        "note": "",
    }


def test_receipts_transfers_write_offs_and_issues_are_canonical(admin_store):
    store = admin_store
    set_up_council(store)  # FV000001..FV000020 at the CSC
    with pytest.raises(ValidationError, match="Already in the stock records: FV000001"):
        sc.receive_stock(
            store, **SUP, location="CSC", kind="food_voucher", first="FV0000001", last="FV0000005"
        )
    sc.receive_stock(
        store, **SUP, location="CSC", kind="food_voucher", first="FV0500001", last="FV0500010"
    )
    assert sq.known_serials(store, ["FV500001", "FV500010"]) == ["FV500001", "FV500010"]
    with pytest.raises(ValidationError, match="Already in the stock records"):
        sc.receive_stock(
            store, **SUP, location="CSC", kind="food_voucher", first="FV500001", last="FV500002"
        )
    sc.transfer_stock(
        store,
        **SUP,
        from_location="CSC",
        to_location="HUB-N",
        kind="food_voucher",
        first="FV0500001",
        last="FV0500002",
    )
    assert sq.serial_state(store, "FV500001").location == "HUB-N"
    sc.write_off(
        store,
        **SUP,
        location="CSC",
        kind="food_voucher",
        serials_text="FV0500003",
        condition="lost",
        reason="dropped",
    )
    assert sq.serial_state(store, "FV500003").status == "lost"
    assert ic.check_serial(store, "food_voucher", "FV0000004", "CSC") == "FV000004"
    with pytest.raises(ValidationError, match="FV and 6 digits"):
        ic.check_serial(store, "food_voucher", "FV1000004", "CSC")


def test_stock_at_an_unknown_location_is_refused_on_the_desk(admin_store):
    store = admin_store
    set_up_council(store)
    with pytest.raises(ValidationError, match="NOWHERE is not a known location"):
        sc.receive_stock(
            store, **SUP, location="NOWHERE", kind="food_voucher", first="FV700001", last="FV700002"
        )
    with pytest.raises(ValidationError, match="ELSEWHERE is not a known location"):
        sc.transfer_stock(
            store,
            **SUP,
            from_location="CSC",
            to_location="ELSEWHERE",
            kind="food_voucher",
            first="FV000001",
            last="FV000002",
        )
    with pytest.raises(ValidationError, match="NOWHERE is not a known location"):
        sc.record_count(store, **SUP, location="NOWHERE", kind="food_voucher", counted_text="3")
    assert sq.known_serials(store, ["FV700001"]) == []
