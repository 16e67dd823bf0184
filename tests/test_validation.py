"""Tests for cxdesk.domain.validation: what is accepted, what it becomes, and what people are told.

Phone numbers are Ofcom drama numbers (020 7946 0xxx, 07700 900xxx, ...), which
reach nobody.
"""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cxdesk.domain.validation import (
    clean_text,
    format_phone_national,
    format_pounds,
    format_serial,
    optional,
    parse_amount_pence,
    parse_date,
    parse_date_of_birth,
    parse_email,
    parse_location_id,
    parse_serial,
    parse_staff_id,
    parse_uk_phone,
    parse_uk_postcode,
    postcode_district,
    serial_number_part,
    split_serial,
)
from cxdesk.errors import ValidationError

KINDS = {"FV": "food voucher", "PC": "payment card"}


def refused(func, *args, **kwargs) -> ValidationError:
    with pytest.raises(ValidationError) as info:
        func(*args, **kwargs)
    return info.value


# --- clean_text --------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "kwargs", "expected"),
    [
        ("  Zoë Ní Bhriain  ", {}, "Zoë Ní Bhriain"),
        ("Łukasz", {}, "Łukasz"),
        ("O'Brien-Smith", {}, "O'Brien-Smith"),
        ("Zoe\u0308", {"max_len": 3}, "Zoë"),  # decomposed ë becomes one character
        ("x" * 40, {}, "x" * 40),  # exactly at the limit
        ("", {"required": False}, ""),
        (None, {"required": False}, ""),
        ("line one\r\nline two\rthree", {"multiline": True}, "line one\nline two\nthree"),
        ("a\tb", {"multiline": True}, "a\tb"),
        ("para\u2029next", {"multiline": True}, "para\nnext"),
        ("\n  trailing blank lines \n\n", {"multiline": True}, "trailing blank lines"),
        ("السلام", {}, "السلام"),
    ],
)
def test_clean_text_accepts(raw, kwargs, expected):
    options = {"field": "first_name", "max_len": 40} | kwargs
    result = clean_text(raw, **options)
    assert result == expected


@pytest.mark.parametrize(
    ("raw", "kwargs", "message_part"),
    [
        ("", {}, "First name cannot be left blank"),
        ("   ", {}, "cannot be left blank"),
        (None, {}, "cannot be left blank"),
        ("x" * 41, {}, "41 characters, and the limit is 40"),
        ("Zo\x00e", {}, "U+0000"),
        ("bell\x07", {}, "U+0007"),
        ("esc\x1b[31m", {}, "U+001B"),
        ("del\x7f", {}, "U+007F"),
        ("evil\u202eexe.txt", {}, "U+202E"),  # right-to-left override
        ("isolate\u2066x", {}, "U+2066"),
        ("lone\ud800surrogate", {}, "U+D800"),
        ("a\tb", {}, "contains a tab"),
        ("two\nlines", {}, "contains a line break"),
        ("two\rlines", {}, "contains a line break"),
        ("line\u2028sep", {}, "contains a line break"),
        ("ok\x0bvertical tab", {"multiline": True}, "U+000B"),
        ("x" * 41, {"multiline": True}, "too long"),
    ],
)
def test_clean_text_refuses(raw, kwargs, message_part):
    options = {"field": "first_name", "max_len": 40} | kwargs
    error = refused(clean_text, raw, **options)
    assert message_part in error.message
    assert error.field == "first_name"


def test_clean_text_uses_label_when_given():
    error = refused(clean_text, "", field="addr1", max_len=10, label="Address line 1")
    assert error.message == "Address line 1 cannot be left blank."


def test_clean_text_counts_characters_after_normalising():
    decomposed = "e\u0301" * 5  # five é typed as e + combining accent: 10 code points
    assert clean_text(decomposed, field="name", max_len=5) == "é" * 5


# --- postcodes ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("sw1a1aa", "SW1A 1AA"),
        ("SW1A 1AA", "SW1A 1AA"),
        ("  sw1a   1aa ", "SW1A 1AA"),
        ("m11ae", "M1 1AE"),  # A9
        ("B33 8TH", "B33 8TH"),  # A99
        ("cr26xh", "CR2 6XH"),  # AA9
        ("DN55 1PT", "DN55 1PT"),  # AA99
        ("w1a0ax", "W1A 0AX"),  # A9A
        ("ec1a 1bb", "EC1A 1BB"),  # AA9A
        ("gir0aa", "GIR 0AA"),
        ("ls1 4ap", "LS1 4AP"),
    ],
)
def test_postcode_accepts_and_normalises(raw, expected):
    assert parse_uk_postcode(raw) == expected


@pytest.mark.parametrize(
    ("raw", "message_part"),
    [
        ("", "Please enter a postcode"),
        ("SW1A", "only the first half"),
        ("sw1a", "only the first half"),
        ("S1 1A", "too short"),
        ("S1", "only the first half"),
        ("SW1A 1AAA", "too long"),
        ("SW1A-1AA", "only letters and numbers"),
        ("SW1A 1ÅA", "only letters and numbers"),
        ("SW1A OAA", "letter O for a zero"),
        ("QW1 1AA", "not a valid UK postcode"),  # Q never starts a postcode
        ("AI1 1AA", "not a valid UK postcode"),  # I never second
        ("SW1A 1CA", "not a valid UK postcode"),  # C never in the inward code
        ("12345", "not a valid UK postcode"),
        ("SW1A 11A", "not a valid UK postcode"),
    ],
)
def test_postcode_refuses(raw, message_part):
    error = refused(parse_uk_postcode, raw)
    assert message_part in error.message
    assert error.field == "postcode"


@pytest.mark.parametrize(
    ("raw", "district"),
    [("SW1A 1AA", "SW1A"), ("m11ae", "M1"), ("dn551pt", "DN55"), ("GIR 0AA", "GIR")],
)
def test_postcode_district(raw, district):
    assert postcode_district(raw) == district


# --- phone numbers -----------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("020 7946 0018", "+442079460018"),
        ("02079460018", "+442079460018"),
        ("+44 20 7946 0018", "+442079460018"),
        ("+44 (0)20 7946 0018", "+442079460018"),
        ("0044 20 7946 0999", "+442079460999"),
        ("020-7946-0123", "+442079460123"),
        ("07700 900123", "+447700900123"),
        ("+447700900000", "+447700900000"),
        ("07700 900999", "+447700900999"),
        ("0113 496 0000", "+441134960000"),
        ("0115 496 0123", "+441154960123"),
        ("01632 960001", "+441632960001"),
        ("0808 157 0000", "+448081570000"),
    ],
)
def test_phone_accepts_and_gives_e164(raw, expected):
    assert parse_uk_phone(raw) == expected


@pytest.mark.parametrize(
    ("raw", "message_part"),
    [
        ("", "Please enter a phone number"),
        ("999", "That phone number is too short"),
        ("0207946", "That phone number is too short"),
        ("07700 9001234", "That phone number is too long"),
        ("+44 20 7946 0018 0018", "too long"),
        ("020 7946 001", "looks too short"),  # one digit missing
        ("07700 901000", "not a valid UK number"),  # next to the drama range, not in it
        ("+33 1 23 45 67 89", "not a UK number"),
        ("0800 FLOWERS", "only digits"),
        ("020 7946 0018 ext 2", "only digits"),
        ("020+7946+0018", "only digits"),
    ],
)
def test_phone_refuses(raw, message_part):
    error = refused(parse_uk_phone, raw)
    assert message_part in error.message
    assert error.field == "phone"


@pytest.mark.parametrize(
    ("e164", "shown"),
    [
        ("+442079460018", "020 7946 0018"),
        ("+447700900123", "07700 900123"),
        ("+33123456789", "+33 1 23 45 67 89"),
        ("not a number", "not a number"),
    ],
)
def test_format_phone_national(e164, shown):
    assert format_phone_national(e164) == shown


# --- dates -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("31/01/1980", date(1980, 1, 31)),
        ("1/2/1980", date(1980, 2, 1)),  # UK order: 1 February
        ("01.02.1980", date(1980, 2, 1)),
        ("01-02-1980", date(1980, 2, 1)),
        ("01 02 1980", date(1980, 2, 1)),
        ("1980-02-01", date(1980, 2, 1)),
        ("29/02/2024", date(2024, 2, 29)),
        ("29/02/2000", date(2000, 2, 29)),  # divisible by 400: a leap year
        (" 2024-02-29 ", date(2024, 2, 29)),
    ],
)
def test_date_accepts(raw, expected):
    assert parse_date(raw) == expected


@pytest.mark.parametrize(
    ("raw", "message_part"),
    [
        ("", "day/month/year"),
        ("yesterday", "day/month/year"),
        ("31/02/2024", "There is no 31 February: February has 29 days"),
        ("30/02/2023", "February has 28 days"),
        ("29/02/2023", "There is no 29 February 2023: 2023 is not a leap year"),
        ("29/02/1900", "1900 is not a leap year"),
        ("31/04/2024", "April has 30 days"),
        ("12/25/2024", "no month 25. Dates go day first"),
        ("25/13/2024", "There is no month 13."),
        ("32/01/2024", "no day 32"),
        ("00/01/2024", "no day 0"),
        ("1/2/80", "all four digits, not just 80"),
        ("1/2/198", "does not look like a year"),
        ("01/01/0000", "does not look like a year"),
        ("2024-02-30", "There is no 30 February"),
        ("01/02-1980", "day/month/year"),  # mixed separators
        ("٠١/٠٢/١٩٨٠", "day/month/year"),  # only ASCII digits
    ],
)
def test_date_refuses(raw, message_part):
    error = refused(parse_date, raw, field="visit_date")
    assert message_part in error.message
    assert error.field == "visit_date"


TODAY = date(2025, 6, 15)


@pytest.mark.parametrize(
    ("raw", "today", "expected"),
    [
        ("15/06/2025", TODAY, date(2025, 6, 15)),  # born today
        ("15/06/1905", TODAY, date(1905, 6, 15)),  # exactly 120 years ago
        ("01/01/1990", TODAY, date(1990, 1, 1)),
        ("29/02/1904", date(2024, 2, 29), date(1904, 2, 29)),
        ("28/02/1900", date(2020, 2, 29), date(1900, 2, 28)),  # 1900 had no 29 February
    ],
)
def test_date_of_birth_accepts(raw, today, expected):
    assert parse_date_of_birth(raw, today=today) == expected


@pytest.mark.parametrize(
    ("raw", "today", "message_part"),
    [
        ("16/06/2025", TODAY, "cannot be in the future"),
        ("14/06/1905", TODAY, "more than 120 years ago (1905)"),  # 120 years and a day
        ("01/01/1066", TODAY, "more than 120 years ago"),
        ("27/02/1900", date(2020, 2, 29), "more than 120 years ago"),
        ("31/02/1990", TODAY, "There is no 31 February"),
    ],
)
def test_date_of_birth_refuses(raw, today, message_part):
    error = refused(parse_date_of_birth, raw, today=today)
    assert message_part in error.message
    assert error.field == "date_of_birth"


def test_date_of_birth_defaults_to_today_in_london():
    assert parse_date_of_birth("01/01/1990") == date(1990, 1, 1)
    assert "future" in refused(parse_date_of_birth, "01/01/2999").message


# --- email -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("name@example.org", "name@example.org"),
        ("  Zoe.NiBhriain@Example.ORG ", "Zoe.NiBhriain@example.org"),
        ("first.last+hub@council.gov.uk", "first.last+hub@council.gov.uk"),
        ("o'brien@example.co.uk", "o'brien@example.co.uk"),
        ("zoë@bücher.de", "zoë@bücher.de"),
        ("a@b-c.example", "a@b-c.example"),
    ],
)
def test_email_accepts(raw, expected):
    assert parse_email(raw) == expected


@pytest.mark.parametrize(
    ("raw", "message_part"),
    [
        ("", "Please enter an email address"),
        ("name example.org", "cannot contain spaces"),
        ("name@exa mple.org", "cannot contain spaces"),
        ("name.example.org", "exactly one @"),
        ("a@b@example.org", "exactly one @"),
        ("@example.org", "missing a part"),
        ("name@", "missing a part"),
        ("name@localhost", "needs a dot"),
        ("name@example.", "part after @"),
        ("name@.example.org", "part after @"),
        ("name@-example.org", "part after @"),
        ("name@example.c", "part after @"),
        ("name@10.0.0.1", "part after @"),
        ("name@example,org.uk", "part after @"),
        (".name@example.org", "part before @"),
        ("na..me@example.org", "part before @"),
        ("na,me@example.org", "part before @"),
        ("a" * 65 + "@example.org", "part before @"),
        ("a@" + "b" * 250 + ".org", "too long"),
    ],
)
def test_email_refuses(raw, message_part):
    error = refused(parse_email, raw)
    assert message_part in error.message
    assert error.field == "email"


# --- amounts -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("£25", 2500),
        ("25", 2500),
        ("25.50", 2550),
        ("25.5", 2550),
        ("£ 5", 500),
        ("  £5.00 ", 500),
        ("0.01", 1),
        (".5", 50),
        ("25.500", 2550),  # trailing zeros are still whole pence
        ("£1,000", 100000),
        ("1,234,567.89", 123456789),
        ("50p", 50),
        ("5 p", 5),
    ],
)
def test_amount_accepts(raw, expected):
    assert parse_amount_pence(raw) == expected


@pytest.mark.parametrize(
    ("raw", "message_part"),
    [
        ("", "Please enter an amount"),
        ("0", "more than £0"),
        ("£0.00", "more than £0"),
        ("-5", "cannot be negative"),
        ("£-5", "cannot be negative"),
        ("−5", "cannot be negative"),  # U+2212 minus sign
        ("5.555", "not in pence"),
        ("0.001", "not in pence"),
        ("1,00", "commas only between thousands"),
        ("10,0000", "commas only between thousands"),
        ("five", "not an amount of money"),
        ("£", "not an amount of money"),
        ("1e3", "not an amount of money"),
        ("£5p", "not an amount of money"),
        ("5.50p", "not both"),
        ("12345678901", "far too large"),
    ],
)
def test_amount_refuses(raw, message_part):
    error = refused(parse_amount_pence, raw)
    assert message_part in error.message
    assert error.field == "amount"


def test_amount_limit_is_said_in_pounds():
    assert parse_amount_pence("£500", max_pence=50000) == 50000
    error = refused(parse_amount_pence, "500.01", max_pence=50000, field="payment")
    assert error.message == "The most allowed here is £500; £500.01 is over that."
    assert error.field == "payment"


@pytest.mark.parametrize(
    ("pence", "shown"),
    [(500, "£5"), (2550, "£25.50"), (1, "£0.01"), (100000, "£1,000"), (-250, "-£2.50")],
)
def test_format_pounds(pence, shown):
    assert format_pounds(pence) == shown


# --- serials -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("FV000123", "FV000123"),
        ("FV-000123", "FV000123"),
        ("fv-000123", "FV000123"),
        (" FV 000 123 ", "FV000123"),
        ("PC0000000001", "PC0000000001"),  # 10 digits
        ("CPCX123456", "CPCX123456"),  # 4-letter prefix
    ],
)
def test_serial_accepts(raw, expected):
    assert parse_serial(raw) == expected


@pytest.mark.parametrize(
    ("raw", "message_part"),
    [
        ("", "type or scan"),
        ("FV12345", "has 5 digits after the letters"),
        ("FV00000000001", "has 11 digits"),
        ("FV00O123", "O for a zero"),
        ("FV0001I3", "I or L for a one"),
        ("123456", "not a serial number"),
        ("F000123", "not a serial number"),
        ("FVXYZ000123", "not a serial number"),
        ("FV--000123", "not a serial number"),
        ("FV-000-123", "not a serial number"),
        ("FV000123X", "not a serial number"),
    ],
)
def test_serial_refuses(raw, message_part):
    error = refused(parse_serial, raw)
    assert message_part in error.message
    assert error.field == "serial"


def test_serial_of_the_wrong_kind_names_the_kind_it_looks_like():
    assert parse_serial("fv-000123", prefix="fv", kinds=KINDS) == "FV000123"
    error = refused(parse_serial, "PC000123", prefix="FV", kinds=KINDS)
    assert error.message == (
        "PC000123 looks like a payment card serial (PC…), "
        "but this needs a food voucher serial (FV…)."
    )
    plain = refused(parse_serial, "XY000123", prefix="FV")
    assert plain.message == (
        "XY000123 looks like a serial starting XY, but this needs a serial starting FV."
    )


def test_serial_parts_and_format():
    assert split_serial("fv-000123") == ("FV", 123, 6)
    assert serial_number_part("PC0000000042") == 42
    assert format_serial("fv", 123) == "FV000123"
    assert format_serial("PC", 42, digits=8) == "PC00000042"
    assert "does not fit" in refused(format_serial, "FV", 1_000_000).message
    assert "does not fit" in refused(format_serial, "FV", -1).message
    assert "does not fit" in refused(format_serial, "FV", 1, digits=5).message


@given(
    prefix=st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ", min_size=2, max_size=4),
    digits=st.integers(min_value=6, max_value=10),
    data=st.data(),
)
def test_serial_format_and_split_round_trip(prefix, digits, data):
    number = data.draw(st.integers(min_value=0, max_value=10**digits - 1))
    serial = format_serial(prefix, number, digits=digits)
    assert split_serial(serial) == (prefix, number, digits)
    assert parse_serial(f"{prefix.lower()}-{serial[len(prefix) :]}") == serial


# --- identifiers -------------------------------------------------------------


@pytest.mark.parametrize(
    ("func", "raw", "expected"),
    [
        (parse_staff_id, "js1234", "JS1234"),
        (parse_staff_id, " AB ", "AB"),
        (parse_staff_id, "A" * 20, "A" * 20),
        (parse_staff_id, "12345", "12345"),
        (parse_location_id, "hub-north", "HUB-NORTH"),
        (parse_location_id, "CSC", "CSC"),
        (parse_location_id, "hub-lib-01", "HUB-LIB-01"),
        (parse_location_id, "H" * 40, "H" * 40),
    ],
)
def test_identifiers_accept(func, raw, expected):
    assert func(raw) == expected


@pytest.mark.parametrize(
    ("func", "raw", "message_part"),
    [
        (parse_staff_id, "", "Please enter your staff ID"),
        (parse_staff_id, "J", "that one has 1"),
        (parse_staff_id, "A" * 21, "that one has 21"),
        (parse_staff_id, "JS 1234", "no spaces"),
        (parse_staff_id, "JS-1234", "only letters A-Z and numbers"),
        (parse_staff_id, "ŁK1234", "only letters A-Z and numbers"),
        (parse_location_id, "", "Please enter a location code"),
        (parse_location_id, "H", "2 to 40"),
        (parse_location_id, "H" * 41, "2 to 40"),
        (parse_location_id, "hub north", "use a hyphen"),
        (parse_location_id, "HUB--NORTH", "single hyphens"),
        (parse_location_id, "-HUB", "single hyphens"),
        (parse_location_id, "HUB-", "single hyphens"),
        (parse_location_id, "HUB_NORTH", "single hyphens"),
    ],
)
def test_identifiers_refuse(func, raw, message_part):
    error = refused(func, raw)
    assert message_part in error.message
    assert error.field == ("staff_id" if func is parse_staff_id else "location_id")


# --- shared behaviour --------------------------------------------------------


@pytest.mark.parametrize(
    ("func", "raw"),
    [
        (parse_uk_postcode, "nope"),
        (parse_uk_phone, "123"),
        (parse_date, "31/02/2024"),
        (parse_date_of_birth, "tomorrow"),
        (parse_email, "nope"),
        (parse_amount_pence, "nope"),
        (parse_serial, "nope"),
        (parse_staff_id, "!"),
        (parse_location_id, "!"),
    ],
)
def test_every_parser_reports_the_field_it_was_given(func, raw):
    assert refused(func, raw, field="api_field").field == "api_field"


@pytest.mark.parametrize(
    ("func", "raw"),
    [
        (parse_uk_postcode, "sw1a1aa"),
        (parse_uk_phone, "07700 900123"),
        (parse_email, "Name@Example.org"),
        (parse_serial, "fv-000123"),
        (parse_staff_id, "js1234"),
        (parse_location_id, "hub-north"),
    ],
)
def test_canonical_forms_parse_to_themselves(func, raw):
    once = func(raw)
    assert func(once) == once


def test_optional_skips_blank_and_parses_the_rest():
    assert optional(parse_uk_postcode, "   ") is None
    assert optional(parse_uk_postcode, None) is None
    assert optional(parse_uk_postcode, "sw1a1aa") == "SW1A 1AA"
    assert optional(parse_amount_pence, "£5", max_pence=500) == 500
    with pytest.raises(ValidationError):
        optional(parse_uk_postcode, "nope")
