"""Open Referral UK / HSDS 3.0 import: paged lists, schedules with offsets, dated and
holiday schedules, extensions, short numbers and nested organizations.

The files in ``tests/oruk/`` are written to the HSDS 3.0 shapes (the API's paged
list with ``contents``, ``total_items``, ``page_number``, ``total_pages``; the
``schedule`` object with ``byday``, ``opens_at``/``closes_at``, ``timezone``,
``valid_from``/``valid_to``; ``phone.extension``; organizations holding services).
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from cxdesk.domain.directory import format_uk
from cxdesk.domain.directory_import import import_csv, import_oruk
from cxdesk.domain.hours import OpeningHours, is_open, next_change, status_text
from cxdesk.domain.ukcontact import parse_uk_phone
from cxdesk.store.directory_commands import import_directory
from cxdesk.store.directory_queries import get_entry

HERE = Path(__file__).parent / "oruk"
TODAY = date(2026, 11, 30)
PAGES = [json.loads((HERE / f"services_page_{n}.json").read_text()) for n in (1, 2)]


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


@pytest.fixture(scope="module")
def paged():
    result = import_oruk(PAGES, today=TODAY)
    return result, {entry.name: entry for entry in result.entries}


def test_a_single_hsds_page_and_a_list_of_pages_both_import(paged):
    one_page = import_oruk(HERE / "services_page_1.json", today=TODAY)
    assert [e.name for e in one_page.entries] == [
        "Eastmere Welfare Rights Line",
        "Eastmere Tenancy Support",
    ]
    result, by_name = paged
    assert len(result.entries) == 4
    assert not [p for p in result.problems if p.skipped]
    assert by_name["Eastmere Tenancy Support"].team == "Eastmere Housing Trust"


def test_times_with_z_are_utc_not_uk_local_time(paged):
    hours = paged[1]["Eastmere Welfare Rights Line"].hours
    assert hours.timezone == "UTC"
    # Wednesday 15 July 2026, British Summer Time: 09:00Z-17:00Z is 10:00-18:00 in London.
    assert not is_open(hours, utc(2026, 7, 15, 8, 30))  # 09:30 BST: not yet
    assert is_open(hours, utc(2026, 7, 15, 16, 30))  # 17:30 BST: still open
    assert status_text(hours, utc(2026, 7, 15, 16, 30)) == "Open now · closes 18:00"
    assert not is_open(hours, utc(2026, 7, 15, 17, 30))
    assert "Times above are UTC, as published" in hours.describe()


def test_expired_schedule_is_left_out_with_a_note_and_a_future_one_applies_from_its_date(paged):
    result, by_name = paged
    notes = [str(p) for p in result.problems if not p.skipped]
    assert any("schedule 1 ended on 2026-03-31; left out" in note for note in notes)
    hours = by_name["Eastmere Tenancy Support"].hours
    assert hours.timezone == "UTC+01:00"
    # Monday 30 Nov 2026, GMT: 09:00+01:00 is 08:00 in London.
    assert is_open(hours, utc(2026, 11, 30, 8, 30))
    assert not is_open(hours, utc(2026, 12, 1, 16, 30))  # 17:30+01:00, closed
    # The expired Mon/Wed/Fri 10:00-16:00 schedule must not linger.
    assert not is_open(hours, utc(2026, 11, 30, 16, 30))
    # From Monday 4 Jan 2027: Mon-Thu 08:00-19:00+01:00; Fridays no longer open.
    assert not is_open(hours, utc(2027, 1, 4, 6, 30))
    assert is_open(hours, utc(2027, 1, 4, 7, 30))
    assert not is_open(hours, utc(2027, 1, 8, 12, 0))
    assert next_change(hours, utc(2027, 1, 1, 17, 0)) == utc(2027, 1, 4, 7, 0)
    lines = hours.describe()
    assert any(line.startswith("From Mon 4 Jan 2027") for line in lines)


def test_timezone_field_sets_the_clock_of_times_without_offsets():
    service = _service(
        schedules=[
            {"byday": "MO", "opens_at": "09:00", "closes_at": "10:00", "timezone": 0},
        ]
    )
    hours = import_oruk([service], today=TODAY).entries[0].hours
    assert hours.timezone == "UTC"
    assert is_open(hours, utc(2026, 7, 13, 9, 30))  # 10:30 BST, open on the UTC clock
    no_zone = import_oruk([_service()], today=TODAY).entries[0].hours
    assert no_zone.timezone == "Europe/London"  # UK publishers' habit: local time


def test_holiday_closures_and_special_hours_decide_open_now(paged):
    result, by_name = paged
    hours = by_name["Eastmere Community Larder"].hours
    assert is_open(hours, utc(2026, 12, 24, 10, 0))  # Christmas Eve 09:00-12:00
    assert not is_open(hours, utc(2026, 12, 24, 13, 0))
    assert not is_open(hours, utc(2026, 12, 25, 12, 0))
    assert status_text(hours, utc(2026, 12, 25, 12, 0)) == (
        "Closed today (Christmas closure) · opens Tue 09:00"
    )
    assert next_change(hours, utc(2026, 12, 25, 12, 0)) == utc(2026, 12, 29, 9, 0)
    assert is_open(hours, utc(2026, 12, 29, 10, 0))
    assert any("ended on 2025-12-26" in str(p) for p in result.problems)
    assert "Fri 25 Dec 2026 to Mon 28 Dec 2026: closed (Christmas closure)" in hours.describe()


SATURDAY_MORNING = {"byday": "SA", "opens_at": "10:00", "closes_at": "12:00", "closed": False}


def test_older_uk_holiday_schedules_and_schedules_at_a_location_are_read():
    service = _service(
        schedules=[],
        service_at_locations=[{"id": "sal-1", "schedules": [SATURDAY_MORNING]}],
        holiday_schedules=[
            {
                "closed": False,
                "start_date": "2026-12-31",
                "end_date": "2026-12-31",
                "opens_at": "10:00",
                "closes_at": "11:00",
            },
            {"closed": True, "start_date": "2027-01-02", "end_date": "2027-01-02"},
        ],
    )
    hours = import_oruk([service], today=TODAY).entries[0].hours
    assert is_open(hours, utc(2026, 12, 5, 11, 0))  # Saturday, from the location's schedule
    assert is_open(hours, utc(2026, 12, 31, 10, 30))  # Thursday: special hours
    assert not is_open(hours, utc(2027, 1, 2, 11, 0))  # Saturday closed for the holiday


def test_no_bank_holiday_claim_unless_the_data_makes_one(paged):
    hours = paged[1]["Eastmere Community Larder"].hours
    assert not any("bank holiday" in line.lower() for line in hours.describe())
    # Summer bank holiday, Monday 31 Aug 2026: the feed is silent, so its weekly hours stand.
    assert is_open(hours, utc(2026, 8, 31, 9, 0))
    # Hours typed in cxdesk's own form keep the documented rule.
    typed = OpeningHours.parse("Mon-Fri 09:00-17:00")
    assert not is_open(typed, utc(2026, 8, 31, 9, 0))
    assert "Closed on bank holidays" in typed.describe()


def test_phone_extension_is_kept_and_shown(paged):
    entry = paged[1]["Eastmere Welfare Rights Line"]
    assert (entry.phone, entry.extension) == ("+442079460711", "2")
    assert format_uk(entry.phone, entry.extension) == "020 7946 0711 ext 2"
    csv = import_csv(
        "id,name,phone,hours\nwr,Welfare Rights,020 7946 0711 ext 2,Mon-Fri 09:00-17:00\n"
    )
    assert (csv.entries[0].phone, csv.entries[0].extension) == ("+442079460711", "2")
    column = import_csv("name,phone,hours,extension\nWR,020 7946 0711,unknown,ext. 45\n")
    assert column.entries[0].extension == "45"
    bad = import_oruk([_service(phones=[{"number": "020 7946 0711", "extension": "two"}])])
    assert bad.entries[0].extension is None
    assert "extension 'two' must be 1 to 8 digits" in bad.problems[0].reason


@pytest.mark.parametrize(
    ("typed", "stored", "shown"),
    [
        ("999", "999", "999"),
        ("111", "111", "111"),
        ("116 123", "116123", "116 123"),
        ("0800 1111", "+448001111", "0800 1111"),
        ("0800 068 4141", "+448000684141", "0800 068 4141"),
    ],
)
def test_short_and_freephone_numbers_are_dialable(typed, stored, shown):
    entry = import_oruk([_service(phones=[{"number": typed}])]).entries[0]
    assert entry.phone == stored
    assert format_uk(entry.phone) == shown


def test_samaritans_short_number_and_always_open(paged):
    samaritans = paged[1]["Samaritans"]
    assert samaritans.phone == "116123" and samaritans.hours.always_open
    assert samaritans.hours.describe() == ["Open 24 hours, every day"]


def test_nested_services_take_their_organization_as_the_team():
    result = import_oruk(HERE / "organizations.json", today=TODAY)
    by_name = {e.name: e for e in result.entries}
    assert not result.problems
    safeguarding = by_name["Adult Safeguarding"]
    assert safeguarding.team == "Eastmere Council Adult Social Care"
    assert safeguarding.out_of_hours_phone == "999"
    assert by_name["Carers Breaks"].team == "Eastmere Carers Trust"  # its own block wins
    assert by_name["NHS 111"].team == "NHS 111" and by_name["NHS 111"].phone == "111"
    assert by_name["NHS 111"].hours.always_open


def test_drama_numbers_are_accepted_by_the_importer_and_the_customer_form_alike():
    for typed in ("07700 900123", "01632 960123"):
        entry = import_oruk([_service(phones=[{"number": typed}])]).entries[0]
        assert entry.phone == parse_uk_phone(typed)


def test_a_paged_import_recorded_twice_changes_nothing(admin_store):
    admin = {"actor": "ADMIN1", "role": "admin"}
    first = import_directory(admin_store, PAGES, **admin)
    assert len(first.added) == 4
    again = import_directory(admin_store, PAGES, **admin)
    assert again.unchanged == 4 and not again.added and not again.changed
    stored = get_entry(admin_store, "a3c2e1b0-0001-4d6e-9f00-000000000003")
    assert stored is not None and stored.hours.holidays
    assert not is_open(stored.hours, utc(2026, 12, 25, 12, 0))


def _service(**overrides) -> dict:
    service = {
        "id": "svc-1",
        "name": "Test Service",
        "phones": [{"number": "020 7946 0700"}],
        "schedules": [{"byday": "MO", "opens_at": "09:00", "closes_at": "17:00"}],
    }
    service.update(overrides)
    return service
