"""Seed a few demo issues so the supervisor's log and the crisis queue have something
to show (ORDER 60, after customers): vouchers at two locations, a repeat claim
overridden with a reason, and a payment card with its open crisis payment request.

Ids are derived from fixed names (uuid5) so seeding twice gives the same ids;
times are the moment of seeding, as they would be at a real desk.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

from cxdesk.domain.sla import due_at, to_iso
from cxdesk.seed import SeedEvent
from cxdesk.seed.customers import frontline_at, load_fixture
from cxdesk.seed.policies import supervisor

ORDER = 60
_NS = uuid.UUID("6f1d2c1e-3b7a-4c55-9d1e-2a6c0f5b9e01")


def _id(name: str) -> str:
    return str(uuid.uuid5(_NS, name))


def _check(now: datetime, matches: list[dict], breached: list[str], action: str) -> dict:
    return {
        "matches": matches,
        "breached": breached,
        "action": action,
        "checked_at": to_iso(now),
        "knowledge_as_of": None,
    }


def _first_serial(fixtures_dir: Path, location: str, kind: str, offset: int) -> str:
    for item in json.loads((fixtures_dir / "stock.json").read_text())["stock"]:
        if item["location"] == location and item["kind"] == kind:
            prefix, number = item["first"][:2], int(item["first"][2:])
            return f"{prefix}{number + offset:0{len(item['first']) - 2}d}"
    raise ValueError(f"no {kind} stock at {location} in stock.json")


def events(fixtures_dir: Path) -> Iterator[SeedEvent]:
    sup = supervisor(fixtures_dir)
    people = load_fixture(fixtures_dir).get("customers", [])
    if sup is None or len(people) < 2 or not (fixtures_dir / "stock.json").exists():
        return
    now = datetime.now(UTC)
    first, second = people[0], people[1]
    csc, csc_role = frontline_at(fixtures_dir, "CSC")
    hub, hub_role = frontline_at(fixtures_dir, "HUB-NORTH")
    v1 = _id("demo voucher 1")
    yield SeedEvent(
        "VoucherIssued",
        {
            "issue_id": v1,
            "customer_id": first["customer_id"],
            "serial": _first_serial(fixtures_dir, "CSC", "food_voucher", 0),
            "reason": "No food in the house until payday",
            "repeat_check": _check(now, [], [], "none"),
        },
        actor=csc,
        role=csc_role,
        location="CSC",
    )
    match = {
        "issue_id": v1,
        "kind": "food_voucher",
        "customer_id": first["customer_id"],
        "location": "CSC",
        "issued_at": to_iso(now),
        "how": "same record",
    }
    yield SeedEvent(
        "VoucherIssued",
        {
            "issue_id": _id("demo voucher 2"),
            "customer_id": first["customer_id"],
            "serial": _first_serial(fixtures_dir, "HUB-NORTH", "food_voucher", 0),
            "reason": "Voucher from the CSC was stolen on the bus",
            "repeat_check": _check(
                now, [match], ["at most 1 food voucher in 7 days: 1 already"], "reason"
            ),
            "override_reason": "Crime reference seen; children at home with no food",
        },
        actor=hub,
        role=hub_role,
        location="HUB-NORTH",
    )
    yield SeedEvent(
        "VoucherIssued",
        {
            "issue_id": _id("demo voucher 3"),
            "customer_id": second["customer_id"],
            "serial": _first_serial(fixtures_dir, "HUB-NORTH", "food_voucher", 1),
            "reason": "Benefit sanction, no money for food",
            "repeat_check": _check(now, [], [], "none"),
        },
        actor=hub,
        role=hub_role,
        location="HUB-NORTH",
    )
    card, serial = _id("demo card 1"), _first_serial(fixtures_dir, "CSC", "payment_card", 0)
    yield SeedEvent(
        "CardIssued",
        {
            "issue_id": card,
            "customer_id": second["customer_id"],
            "serial": serial,
            "value_pence": 3000,
            "limit_pence": 5000,
            "reason": "Electricity meter empty, baby at home",
            "repeat_check": _check(now, [], [], "none"),
        },
        actor=csc,
        role=csc_role,
        location="CSC",
    )
    yield SeedEvent(
        "CrisisPaymentRequested",
        {
            "request_id": _id("demo request 1"),
            "issue_id": card,
            "customer_id": second["customer_id"],
            "serial": serial,
            "amount_pence": 3000,
            "requested_at": to_iso(now),
            "due_at": to_iso(due_at(now)),
        },
        actor=csc,
        role=csc_role,
        location="CSC",
    )
