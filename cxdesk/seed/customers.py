"""Seed the demo council's customers from ``fixtures/customers.json``.

Every fixture customer goes through the same checks as the registration form
(``clean_customer``), so a fixture that the desk would refuse stops the seed.
Customer ids are fixed in the file, so the desk and the central API seed the
same people. Each is registered by a frontline person on the roster fixture
who works at the location named in the file.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

from cxdesk.domain.customers import clean_customer
from cxdesk.events import FRONTLINE
from cxdesk.seed import SeedEvent

ORDER = 50


def load_fixture(fixtures_dir: Path) -> dict:
    path = fixtures_dir / "customers.json"
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}


def frontline_at(
    fixtures_dir: Path, location: str, roles: frozenset[str] = FRONTLINE
) -> tuple[str, str]:
    """(staff id, role) of the first person in ``roles`` on the roster fixture at ``location``."""
    path = fixtures_dir / "staff.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    people = data.get("staff", []) if isinstance(data, dict) else data
    fallback = None
    for person in people:
        role, places = person.get("role"), person.get("locations") or []
        if role not in roles:
            continue
        if location in places:
            return person["staff_id"], role
        fallback = fallback or (person["staff_id"], role)
    if fallback is None:
        raise ValueError(f"{path} has no frontline staff to register the demo customers")
    return fallback


def events(fixtures_dir: Path) -> Iterator[SeedEvent]:
    if not (fixtures_dir / "staff.json").exists():
        return  # no roster to register them, as with the other seeds' missing files
    for item in load_fixture(fixtures_dir).get("customers", []):
        clean, errors = clean_customer({k: v for k, v in item.items() if v is not None})
        if errors:
            raise ValueError(f"fixture customer {item['customer_id']}: {errors}")
        actor, role = frontline_at(fixtures_dir, item["registered_at"])
        yield SeedEvent(
            "CustomerRegistered",
            {"customer_id": item["customer_id"], **clean},
            actor=actor,
            role=role,
            location=item["registered_at"],
        )
