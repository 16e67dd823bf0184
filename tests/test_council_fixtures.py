"""The fictional council's locations and staff roster are complete and well-formed."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from cxdesk.domain.hours import OpeningHours
from cxdesk.domain.ukcontact import parse_uk_postcode

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"


def load(name: str, key: str) -> list[dict]:
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))[key]


LOCATIONS = load("locations.json", "locations")
STAFF = load("staff.json", "staff")


def test_one_customer_service_centre_and_at_least_five_hubs():
    kinds = Counter(place["kind"] for place in LOCATIONS)
    assert kinds["csc"] == 1 and kinds["hub"] >= 5
    ids = [place["location_id"] for place in LOCATIONS]
    assert "CSC" in ids and len(set(ids)) == len(ids)
    assert all(i == "CSC" or i.startswith(("HUB-", "BACK-")) for i in ids)


@pytest.mark.parametrize("place", LOCATIONS, ids=lambda p: p["location_id"])
def test_location_is_well_formed(place):
    assert place["name"] and place["address"]
    assert place["kind"] in ("csc", "hub", "back-office")
    # Fictional (EM is not a postcode area) but in the shape the desk accepts.
    assert parse_uk_postcode(place["postcode"]) == place["postcode"]
    assert place["postcode"].startswith("EM")
    assert OpeningHours.parse(place["hours"]).known


def test_roster_has_every_role_in_the_right_places():
    roles = Counter(person["role"] for person in STAFF)
    assert roles["advisor"] >= 4 and roles["welfare"] >= 3
    assert roles["supervisor"] >= 2 and roles["admin"] >= 1
    advisors_at_csc = [p for p in STAFF if p["role"] == "advisor" and "CSC" in p["locations"]]
    assert len(advisors_at_csc) >= 4
    hubs = [p["location_id"] for p in LOCATIONS if p["kind"] == "hub"]
    for hub in hubs:
        staffed = [p for p in STAFF if p["role"] == "hub" and hub in p["locations"]]
        assert 1 <= len(staffed) <= 2, hub
    supervised = {loc for p in STAFF if p["role"] == "supervisor" for loc in p["locations"]}
    assert "CSC" in supervised and set(hubs) <= supervised


def test_staff_records_are_well_formed():
    known = {place["location_id"] for place in LOCATIONS}
    ids = [person["staff_id"] for person in STAFF]
    assert len(set(ids)) == len(ids)
    passcodes = [person["passcode"] for person in STAFF]
    assert len(set(passcodes)) == len(passcodes)
    for person in STAFF:
        assert person["staff_id"][0].isalpha() and person["staff_id"][1:].isdigit()
        assert person["name"].strip()
        assert person["locations"] and set(person["locations"]) <= known
        assert len(person["passcode"]) >= 10 and "demo" in person["passcode"]
