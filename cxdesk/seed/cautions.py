"""Seed the cautionary register (ORDER 62, after customers): a marker on a person, one on
an address, one whose review is overdue, and a protected address, so a supervisor sees
the register working on first start.

Each marker is proposed by the first supervisor in ``staff.json`` and approved by the
second (a marker is live only with two). Ids come from fixed names (uuid5), so seeding
twice gives the same ids; dates count from the day of seeding.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

from cxdesk.domain.cautions import address_key, default_review_date
from cxdesk.seed import SeedEvent
from cxdesk.seed.customers import load_fixture

ORDER = 62
_NS = uuid.UUID("b0c5e2d4-7f1a-4e36-9a0b-5c7d3e2f1a90")


def _supervisors(fixtures_dir: Path) -> list[str]:
    path = fixtures_dir / "staff.json"
    if not path.exists():
        return []
    data = json.loads(path.read_text(encoding="utf-8"))
    staff = data.get("staff", []) if isinstance(data, dict) else data
    return [p["staff_id"] for p in staff if p.get("role") == "supervisor"]


def _person(people: list[dict], given: str, family: str) -> dict | None:
    return next((p for p in people if (p["given_name"], p["family_name"]) == (given, family)), None)


def events(fixtures_dir: Path) -> Iterator[SeedEvent]:
    sups, people = _supervisors(fixtures_dir), load_fixture(fixtures_dir).get("customers", [])
    found = [
        _person(people, *name)
        for name in (
            ("Tomasz", "Nowak"),
            ("Amy", "Patel"),
            ("Daniel", "Evans"),
            ("Grace", "O'Brien"),
        )
    ]
    people_found = [person for person in found if person is not None]
    if len(sups) < 2 or len(people_found) < len(found):
        return
    proposer, approver = sups[0], sups[1]
    nowak, patel, evans, obrien = people_found
    today = date.today()
    markers = [
        (
            "person",
            {
                "customer_id": nowak["customer_id"],
                "category": "verbal",
                "precaution": "Two staff at the counter; no home visits",
                "detail": "Shouted abuse at an advisor and followed them to the car park.",
                "evidence_ref": "INC-2026-0412",
                "review_due": default_review_date(today).isoformat(),
            },
        ),
        (
            "address",
            {
                "address_key": address_key(patel["address"], patel["postcode"]),
                "address": f"{patel['address']}, {patel['postcode']}",
                "category": "animals",
                "precaution": "Large dog: phone before visiting",
                "detail": "A housing officer was bitten at the gate on a visit.",
                "evidence_ref": "INC-2026-0388",
                "review_due": default_review_date(today).isoformat(),
            },
        ),
        (
            "overdue",
            {
                "customer_id": evans["customer_id"],
                "category": "lone_worker",
                "precaution": "Meet at the hub, never alone",
                "detail": "Made threats to a lone visitor last year.",
                "evidence_ref": "INC-2025-0107",
                "review_due": (today - timedelta(days=10)).isoformat(),
            },
        ),
    ]
    for name, fields in markers:
        marker_id = str(uuid.uuid5(_NS, name))
        subject = {k: fields[k] for k in ("customer_id", "address_key") if k in fields}
        yield SeedEvent(
            "CautionProposed", {"marker_id": marker_id, **fields}, actor=proposer, role="supervisor"
        )
        yield SeedEvent(
            "CautionApproved",
            {"marker_id": marker_id, **subject},
            actor=approver,
            role="supervisor",
        )
    yield SeedEvent(
        "ProtectedAddressSet",
        {
            "customer_id": obrien["customer_id"],
            "route": "phone",
            "reason": "Fleeing domestic abuse: address known only to the housing team",
        },
        actor=proposer,
        role="supervisor",
    )
