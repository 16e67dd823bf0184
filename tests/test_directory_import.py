"""Directory importers: CSV and Open Referral UK, bad rows reported and never fatal."""

from __future__ import annotations

import json
from pathlib import Path

import phonenumbers
import pytest

from cxdesk.domain.directory_import import COLUMNS, import_csv, import_oruk
from cxdesk.domain.hours import OpeningHours

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
HEADER = ",".join(COLUMNS)

# Ofcom's numbers for drama: (E.164 prefix, digits after it).
DRAMA_RANGES = [
    ("+442079460", 3),  # 020 7946 0000-0999
    ("+441134960", 3),  # 0113 496 0000-0999
    ("+441174960", 3),  # 0117 496 0000-0999
    ("+441184960", 3),  # 0118 496 0000-0999
    ("+441214960", 3),  # 0121 496 0000-0999
    ("+441314960", 3),  # 0131 496 0000-0999
    ("+441414960", 3),  # 0141 496 0000-0999
    ("+441514960", 3),  # 0151 496 0000-0999
    ("+441614960", 3),  # 0161 496 0000-0999
    ("+442896496", 3),  # 028 9649 6000-6999
    ("+442920180", 3),  # 029 2018 0000-0999
    ("+441632960", 3),  # 01632 960000-960999
    ("+447700900", 3),  # 07700 900000-900999
    ("+448081570", 3),  # 0808 157 0000-0999
    ("+449098790", 3),  # 0909 879 0000-0999
    ("+443069990", 3),  # 03069 990000-990999
]


def in_drama_range(e164: str) -> bool:
    return any(
        e164.startswith(prefix) and len(e164) == len(prefix) + rest and e164[1:].isdigit()
        for prefix, rest in DRAMA_RANGES
    )


def csv_text(*rows: str) -> str:
    return "\n".join((HEADER, *rows)) + "\n"


GOOD_ROW = (
    "housing-options,Housing Options,Housing,Homelessness advice,homeless; eviction ;;Homeless,"
    "020 7946 0101,Mon-Fri 09:00-17:00,Ring the out of hours team on 020 7946 0190,,"
    '"Have the resident\'s details ready.\nAsk for the duty officer.",yes,ho@eastmere.example'
)


# --- CSV -------------------------------------------------------------------------


def test_good_csv_row_becomes_an_entry():
    result = import_csv(csv_text(GOOD_ROW))
    assert result.problems == []
    [entry] = result.entries
    assert entry.id == "housing-options"
    assert entry.phone == "+442079460101"
    assert entry.hours == OpeningHours.parse("Mon-Fri 09:00-17:00")
    assert entry.keywords == ("homeless", "eviction")  # trimmed, blanks and repeats dropped
    # Left blank, the out-of-hours number is read from the out-of-hours text.
    assert entry.out_of_hours_phone == "+442079460190"
    assert entry.notes == "Have the resident's details ready.\nAsk for the duty officer."
    assert entry.staff_only is True
    assert entry.email == "ho@eastmere.example"
    assert entry.source == "csv"


def test_bad_rows_are_reported_with_row_numbers_and_do_not_stop_good_ones():
    text = csv_text(
        GOOD_ROW,  # row 2
        "bad-phone,Bad Phone,,,,020 7946 012,Mon 09:00-17:00,,,,no,",  # row 3
        "bad-hours,Bad Hours,,,,020 7946 0102,Mnd 09:00-17:00,,,,no,",  # row 4
        "same-time,Same Time,,,,020 7946 0103,Mon 09:00-09:00,,,,no,",  # row 5
        f"long-name,{'N' * 121},,,,020 7946 0104,24/7,,,,no,",  # row 6
        "control,Bell\x07Team,,,,020 7946 0105,24/7,,,,no,",  # row 7
        "flag,Flag,,,,020 7946 0106,24/7,,,,maybe,",  # row 8
        "mail,Mail,,,,020 7946 0107,24/7,,,,no,not-an-email",  # row 9
        "housing-options,Duplicate,,,,020 7946 0108,24/7,,,,no,",  # row 10
        "short,Too Few Cells,,,",  # row 11
        ",,,,,020 7946 0109,24/7,,,,no,",  # row 12: no name
        "no-hours,No Hours,,,,020 7946 0110,,,,,no,",  # row 13
        "good-two,Good Two,,,,0161 496 0111,Sat 10:00-13:00,,,,no,",  # row 14
    )
    result = import_csv(text)
    assert [e.id for e in result.entries] == ["housing-options", "good-two"]
    found = {(p.row, p.field): p.reason for p in result.problems}
    assert "not a valid phone number" in found[(3, "phone")]
    assert "Unknown day 'mnd'" in found[(4, "hours")]
    assert "opens and closes at the same time" in found[(5, "hours")]
    assert "limit is 120" in found[(6, "name")]
    assert "control character (U+0007)" in found[(7, "name")]
    assert "must be yes or no" in found[(8, "staff_only")]
    assert "not an email address" in found[(9, "email")]
    assert "already used on row 2" in found[(10, "id")]
    assert "has 5 values but the header has 12" in found[(11, None)]
    assert "name is required" in found[(12, "name")]
    assert "hours are required" in found[(13, "hours")]
    assert all(p.skipped for p in result.problems)
    assert str(result.problems[0]).startswith("row 3 (bad-phone): ")


def test_several_faults_in_one_row_are_all_reported():
    result = import_csv(csv_text("two,Two,,,,12,Mon 25:00-26:00,,,,perhaps,"))
    assert result.entries == []
    assert {p.field for p in result.problems} == {"phone", "hours", "staff_only"}
    assert {p.row for p in result.problems} == {2}


def test_rows_are_counted_as_a_spreadsheet_shows_them_despite_multiline_cells():
    text = csv_text(GOOD_ROW, "x,Bad,,,,12345,24/7,,,,no,")
    assert GOOD_ROW.count("\n") == 1  # the good row spans two lines of the file
    [problem] = import_csv(text).problems
    assert problem.row == 3


def test_header_checks():
    missing = import_csv("id,name,team\nx,X,Y\n")
    assert missing.entries == []
    assert "lacks required column(s): phone, hours" in missing.problems[0].reason
    assert missing.problems[0].row == 1
    # Column order is free, optional columns may be left out, unknown ones are a warning.
    loose = import_csv("\ufeffPhone,Name,Hours,Colour\n020 7946 0123,Libraries,24/7,blue\n")
    assert [e.id for e in loose.entries] == ["libraries"]
    [warning] = loose.problems
    assert not warning.skipped and "colour" in warning.reason
    assert import_csv("\n").problems[0].reason.startswith("the header lacks")


def test_ids_are_slugged_from_the_id_or_the_name():
    result = import_csv(
        csv_text(
            " Housing Options! ,Housing Options,,,,020 7946 0101,24/7,,,,no,",
            ",Équipe Logement – Nord,,,,020 7946 0102,24/7,,,,no,",
        )
    )
    assert [e.id for e in result.entries] == ["housing-options", "equipe-logement-nord"]
    assert result.entries[1].name == "Équipe Logement – Nord"


def test_paths_bytes_and_unreadable_files(tmp_path):
    path = tmp_path / "dir.csv"
    path.write_text(csv_text(GOOD_ROW), encoding="utf-8")
    from_path = import_csv(path)
    assert from_path == import_csv(str(path)) == import_csv(path.read_bytes())
    assert len(from_path.entries) == 1
    missing = import_csv(tmp_path / "nope.csv")
    assert missing.entries == [] and "cannot read" in missing.problems[0].reason
    latin1 = import_csv(csv_text("x,Caf\xe9,,,,020 7946 0101,24/7,,,,no,").encode("latin-1"))
    assert "not UTF-8" in latin1.problems[0].reason


def test_importing_the_same_file_twice_gives_identical_entries():
    first = import_csv(FIXTURES / "directory.csv", source="fixture")
    second = import_csv(FIXTURES / "directory.csv", source="fixture")
    assert first.entries == second.entries
    assert [e.fingerprint() for e in first.entries] == [e.fingerprint() for e in second.entries]
    changed = import_csv(csv_text(GOOD_ROW.replace("0101", "0102")))
    assert changed.entries[0].fingerprint() != first.entries[0].fingerprint()


# --- Open Referral UK ------------------------------------------------------------


def test_oruk_sample_imports_with_only_its_deliberate_problems():
    result = import_oruk(FIXTURES / "directory_oruk.json")
    assert len(result.entries) == 9
    skipped = [p for p in result.problems if p.skipped]
    assert [(p.record, p.field) for p in skipped] == [(8, "regular_schedules")]
    # 01632 960123 is an Ofcom drama number: accepted, as the customer form accepts it.
    assert any(e.phone == "+441632960123" for e in result.entries)
    assert "closes_at '25:00' is not a time of day" in skipped[0].reason
    assert skipped[0].ref.endswith("Marshside Men's Shed")
    assert [p for p in result.problems if not p.skipped] == []


def test_oruk_fields_map_onto_entries():
    by_name = {e.name: e for e in import_oruk(FIXTURES / "directory_oruk.json").entries}
    food = by_name["Northgate Food Bank"]
    assert food.id == "6f1c2a9e-4b0d-4c55-9a57-0b8f0e1d2c01"
    assert food.team == "Eastmere Food Bank Network"
    assert food.phone == "+442079460661"
    assert str(food.hours) == "Tue, Thu 10:00-14:00; Sat 10:00-12:00"
    assert food.keywords == ("Food banks", "Emergency food")
    assert food.notes == "Website: https://foodbank.eastmere.example/northgate"
    assert food.source == "oruk" and not food.staff_only
    # weekday numbers are ISO: 3 is Wednesday.
    assert str(by_name["Southfield Community Pantry"].hours) == "Wed, Fri 09:30-12:00"
    assert by_name["Eastmere Carers Centre"].phone == "+442079460664"  # from contacts[].phones
    assert by_name["Eastmere Carers Centre"].keywords == ("Carers", "Respite")
    assert by_name["Eastmere Listening Line"].hours.always_open  # 00:00-23:59 every day
    money = by_name["Money Advice Drop-in"]
    assert money.id == "1024"
    assert money.out_of_hours_phone == "+443069990666"
    assert money.out_of_hours.startswith("Out of hours urgent line")
    assert not by_name["Westbrook Youth Football"].hours.known
    assert str(by_name["Eastmere Refugee Welcome"].hours) == "Wed 10:00-15:30"


def service(n: int, **extra) -> dict:
    record = {
        "id": f"svc-{n}",
        "name": f"Service {n}",
        "phones": [{"number": f"020 7946 0{n:03d}"}],
        "regular_schedules": [{"byday": "MO", "opens_at": "09:00", "closes_at": "17:00"}],
    }
    record.update(extra)
    return record


def test_oruk_page_shapes():
    services = [service(1), service(2)]
    expected = ["svc-1", "svc-2"]
    assert [e.id for e in import_oruk(services).entries] == expected
    assert [e.id for e in import_oruk({"services": services}).entries] == expected
    assert [e.id for e in import_oruk(json.dumps({"content": services})).entries] == expected
    pages = [{"content": [service(1)]}, {"content": [service(2)]}]
    assert [e.id for e in import_oruk(pages).entries] == expected
    assert "no services found" in import_oruk({"page": 1}).problems[0].reason
    assert "not JSON" in import_oruk("{ nope").problems[0].reason


def test_oruk_bad_records_are_reported_by_position_and_never_stop_the_rest():
    result = import_oruk(
        [
            "not an object",
            service(2, id=""),
            service(3, name="   "),
            service(4, phones=[], email="nope"),
            service(
                5, regular_schedules=[{"weekday": 0, "opens_at": "09:00", "closes_at": "10:00"}]
            ),
            service(
                6, regular_schedules=[{"byday": "1MO", "opens_at": "09:00", "closes_at": "10:00"}]
            ),
            service(7, regular_schedules=[{"opens_at": "09:00", "closes_at": "10:00"}]),
            service(
                8, regular_schedules=[{"byday": "MO", "opens_at": "10:00", "closes_at": "10:00"}]
            ),
            service(9),
            service(10, id="svc-9"),
        ]
    )
    assert [e.id for e in result.entries] == ["svc-9"]
    reasons = {p.record: p.reason for p in result.problems}
    assert reasons[1] == "is not a JSON object"
    assert reasons[2] == "has no id"
    assert reasons[3] == "name is required"
    assert reasons[4] == "has no phone number"
    # A skipped record's lesser faults are not reported as "imported anyway".
    assert [p.reason for p in result.problems if p.record == 4] == ["has no phone number"]
    assert all(p.skipped for p in result.problems)
    assert "weekday 0 is not 1-7" in reasons[5]
    assert "byday '1MO' is not a weekly day code" in reasons[6]
    assert "says no day" in reasons[7]
    assert "opens and closes at the same time" in reasons[8]
    assert "already used by record 9" in reasons[10]


def test_oruk_lesser_faults_are_warnings():
    long_text = "word " * 100
    result = import_oruk(
        [
            service(
                1,
                email="nope",
                description=long_text,
                regular_schedules=[
                    {"byday": "MO", "opens_at": "09:00", "closes_at": "17:00"},
                    {"freq": "MONTHLY", "byday": "1SA", "opens_at": "10:00", "closes_at": "12:00"},
                ],
            )
        ]
    )
    [entry] = result.entries
    assert entry.email is None
    assert len(entry.service) <= 300 and entry.service.endswith("word…")
    assert str(entry.hours) == "Mon 09:00-17:00"
    assert sorted(p.reason for p in result.problems) == [
        "email 'nope' is not an email address; left out",
        "schedule 2 is monthly, not weekly; left out",
    ]
    assert all(not p.skipped for p in result.problems)


def test_oruk_repeat_import_is_identical():
    path = FIXTURES / "directory_oruk.json"
    assert import_oruk(path) == import_oruk(path)
    assert import_oruk(path) == import_oruk(path.read_text(encoding="utf-8"))


# --- the fixture files -----------------------------------------------------------


def test_fixture_directory_imports_cleanly_and_covers_the_council():
    result = import_csv(FIXTURES / "directory.csv", source="fixture")
    assert result.problems == []
    entries = {e.id: e for e in result.entries}
    assert len(entries) >= 45
    for needed in (
        "housing-options",
        "homelessness-out-of-hours",
        "council-tax",
        "benefits",
        "welfare-assistance-team",
        "adult-social-care",
        "mash",
        "environmental-health",
        "waste-recycling",
        "highways",
        "domestic-abuse-support",
        "food-banks",
        "citizens-advice",
        "mental-health-crisis",
        "anti-social-behaviour",
        "noise-nuisance",
        "pest-control",
        "blue-badge",
        "parking",
        "registrars",
        "electoral-services",
        "libraries",
        "adult-learning",
        "disabled-facilities-grants",
        "occupational-therapy",
        "safeguarding-adults",
        "emergency-planning",
        "council-housing-repairs",
        "tenancy-sustainment",
        "debt-advice",
        "warm-homes",
        "school-admissions",
        "free-school-meals",
        "send",
        "youth-services",
        "private-sector-housing",
        "licensing",
        "planning",
        "building-control",
        "trading-standards",
        "public-health",
        "community-safety",
        "interpreting-service",
    ):
        assert needed in entries, needed
    hours = [e.hours for e in entries.values()]
    assert any(h.always_open for h in hours)
    assert any(end < start for h in hours for start, end in (h.intervals(4) + h.intervals(0)))
    assert any(h.sat or h.sun for h in hours)
    assert any(h.open_bank_holidays for h in hours)
    staff_only = [e.staff_only for e in entries.values()]
    assert any(staff_only) and not all(staff_only)
    for entry in entries.values():
        written = _numbers_in(entry.out_of_hours)
        assert (entry.out_of_hours_phone in written) if written else True, entry.id


def _numbers_in(text: str) -> list[str]:
    """Numbers written in free text (out-of-hours advice, notes)."""
    matcher = phonenumbers.PhoneNumberMatcher(text, "GB")
    return [
        phonenumbers.format_number(m.number, phonenumbers.PhoneNumberFormat.E164) for m in matcher
    ]


def test_every_fixture_number_is_valid_and_a_drama_number():
    entries = import_csv(FIXTURES / "directory.csv").entries
    numbers = set()
    for entry in entries:
        numbers.add(entry.phone)
        if entry.out_of_hours_phone:
            numbers.add(entry.out_of_hours_phone)
        numbers.update(_numbers_in(f"{entry.out_of_hours}\n{entry.notes}\n{entry.service}"))
    assert len(numbers) >= 45
    for number in sorted(numbers):
        assert in_drama_range(number), number
        assert phonenumbers.is_valid_number(phonenumbers.parse(number)), number


def test_oruk_sample_numbers_are_drama_numbers_and_only_the_deliberate_one_is_invalid():
    raw = json.loads((FIXTURES / "directory_oruk.json").read_text(encoding="utf-8"))
    numbers = [
        phonenumbers.format_number(phonenumbers.parse(p["number"], "GB"), 0)
        for record in raw["content"]
        for holder in [record, *record.get("contacts", [])]
        for p in holder.get("phones", [])
    ]
    assert len(numbers) >= 9
    assert all(in_drama_range(n) for n in numbers), numbers
    invalid = [n for n in numbers if not phonenumbers.is_valid_number(phonenumbers.parse(n))]
    assert invalid == ["+441632960123"]


@pytest.mark.parametrize("number", ["+442079460000", "+442079460999", "+447700900123"])
def test_drama_range_check_accepts_drama_numbers(number):
    assert in_drama_range(number)


@pytest.mark.parametrize("number", ["+442079461000", "+442079450123", "+4420794601234"])
def test_drama_range_check_refuses_others(number):
    assert not in_drama_range(number)
