"""Likely matches and search terms: the same person found despite typos and name order,
different people (twins, namesakes) kept apart."""

from __future__ import annotations

from datetime import date

import pytest

from cxdesk.domain.customers import (
    Person,
    clean_customer,
    dob_closeness,
    likely_match,
    name_similarity,
    parse_search,
    search_name_score,
)

JOHN = Person("John", "Smith", "1980-03-14", "EM1 4QT")


@pytest.mark.parametrize(
    "other",
    [
        Person("John", "Smith", "1980-03-14", "EM1 4QT"),
        Person("Smith", "John", "1980-03-14", "EM1 4QT"),  # names swapped
        Person("Jonh", "Smiht", "1980-03-14", "EM1 4QT"),  # typos in both
        Person("john", "SMITH", "1980-03-14", "EM9 9ZZ"),  # moved house
        Person("John", "Smith", "1980-14-03", "EM1 4QT"),  # day and month swapped
        Person("John", "Smith", "1980-03-15", "EM1 4QT"),  # day mistyped, same postcode
        Person("John Paul", "Smith", "1980-03-14", "EM1 4QT"),  # middle name added
    ],
)
def test_true_matches_are_found(other):
    match = likely_match(JOHN, other)
    assert match is not None
    assert match.score >= 70


def test_exact_match_outscores_a_near_one():
    exact = likely_match(JOHN, JOHN)
    near = likely_match(JOHN, Person("Jonh", "Smiht", "1980-03-14", "EM1 4QT"))
    assert exact.score == 100 > near.score
    assert "same postcode" in exact.reasons


@pytest.mark.parametrize(
    "other",
    [
        Person("Amy", "Smith", "1980-03-14", "EM1 4QT"),  # twin sister
        Person("Jan", "Smith", "1980-03-14", "EM1 4QT"),  # twin with a close first name
        Person("John", "Smith", "1958-07-30", "EM1 4QT"),  # father, same name
        Person("John", "Smith", "1960-03-14", "EM1 4QT"),  # one digit of the year apart
        Person("John", "Smyth-Jones", "1980-03-14", "EM1 4QT"),
        Person("John", "Smith", "1980-03-15", "EM2 7HB"),  # day differs and elsewhere
    ],
)
def test_different_people_are_not_matched(other):
    assert likely_match(JOHN, other) is None


def test_name_similarity_ignores_accents_and_apostrophes():
    assert name_similarity("Chloé", "O'Brien", "Chloe", "OBrien") == 100


def test_dob_closeness():
    assert dob_closeness("1980-03-14", "1980-03-14") == "same"
    assert dob_closeness("1980-03-04", "1980-04-03") == "close"
    assert dob_closeness("1980-03-14", "1981-03-14") is None


def test_search_name_score_tolerates_order_and_typos():
    assert search_name_score("smith john", "John", "Smith") == 100
    assert search_name_score("jhon smtih", "John", "Smith") > 85
    assert search_name_score("jo", "John", "Smith") >= 90  # a prefix
    assert search_name_score("brown", "John", "Smith") < 80


def test_parse_search_splits_the_box():
    terms = parse_search("smith john 14/03/1980 em1 4qt")
    assert terms.names == "smith john"
    assert terms.date_of_birth == "1980-03-14"
    assert terms.postcode == "EM1 4QT"
    assert parse_search("07700 900123").phone == "+447700900123"
    assert parse_search("ct-1048823").references == ["CT-1048823"]
    assert parse_search("EM1").district == "EM1"
    assert parse_search("  ").empty


FORM = {
    "given_name": "Maria",
    "family_name": "Okafor",
    "date_of_birth": "11/02/1984",
    "address": "Flat 3, 12 Mere Road",
    "postcode": "em1 4qt",
    "phone": "07700 900101",
    "no_email": "yes",
    "preferred_contact": "phone",
}


def test_clean_customer_accepts_a_good_form():
    clean, errors = clean_customer(FORM, today=date(2025, 1, 1))
    assert errors == {}
    assert clean["postcode"] == "EM1 4QT"
    assert clean["phone"] == "+447700900101"
    assert clean["date_of_birth"] == "1984-02-11"


@pytest.mark.parametrize(
    "field,value,words",
    [
        ("date_of_birth", "01/01/2030", "future"),
        ("date_of_birth", "01/01/1890", "120 years"),
        ("postcode", "EM1 OQT", "not a valid UK postcode"),
        ("phone", "0770090", "too short"),
        ("given_name", "Ma\x07ria", "control character"),
        ("given_name", "M" * 61, "too long"),
        ("given_name", "R2D2", "letters"),
        ("council_reference", "x", "council reference"),
    ],
)
def test_clean_customer_refuses_bad_values_with_a_reason(field, value, words):
    _clean, errors = clean_customer({**FORM, field: value}, today=date(2025, 1, 1))
    assert words in errors[field]


def test_email_or_no_email_must_be_recorded():
    _clean, errors = clean_customer({**FORM, "no_email": ""}, today=date(2025, 1, 1))
    assert "no email" in errors["email"]
    _clean, errors = clean_customer(
        {**FORM, "email": "m@example.org", "no_email": "yes"}, today=date(2025, 1, 1)
    )
    assert "no_email" in errors
