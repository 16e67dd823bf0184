"""Directory search: typos, joined words, word order, phone digits, ranking, scale."""

from __future__ import annotations

import pytest

from cxdesk.domain.directory import DirectoryEntry, DirectoryIndex, fold, format_uk
from cxdesk.domain.hours import OpeningHours
from cxdesk.errors import ValidationError
from tests.directory_helpers import synthetic_entries

OFFICE = OpeningHours.parse("Mon-Fri 09:00-17:00")


def entry(name: str, phone: str, **fields) -> DirectoryEntry:
    fields.setdefault("id", fold(name).replace(" ", "-"))
    return DirectoryEntry(name=name, phone=phone, hours=OFFICE, **fields)


ENTRIES = [
    entry("Housing Options", "020 7946 0101", team="Housing", keywords=["homeless", "eviction"]),
    entry("Housing", "020 7946 0100", team="Housing", service="General housing enquiries"),
    entry("Private Sector Housing", "020 7946 0150", team="Housing", keywords=["landlord"]),
    entry("Temporary Accommodation", "020 7946 0115", team="Housing", keywords=["hostel"]),
    entry("Household Support Fund", "020 7946 0225", team="Benefits"),
    entry(
        "Council Tax",
        "020 7946 0201",
        team="Revenues",
        keywords=["single person discount"],
        staff_only=True,
    ),
    entry("Council Housing Repairs", "020 7946 0130", team="Housing Property Services"),
    entry(
        "Housing Benefit and Council Tax Support",
        "020 7946 0210",
        team="Benefits",
        keywords=["council tax reduction"],
    ),
    entry(
        "Welfare Assistance Team",
        "020 7946 0220",
        team="Benefits",
        service="Crisis payments and food vouchers",
        staff_only=True,
        out_of_hours="Emergency Duty Team on 020 7946 0999",
        out_of_hours_phone="020 7946 0999",
    ),
    entry("Emergency Duty Team", "020 7946 0999", team="Social Care", staff_only=True),
    entry("Pest Control", "020 7946 0510", keywords=["rats", "mice"], service="Rats and mice"),
    entry("Business Rates", "020 7946 0205", team="Revenues"),
    entry("Café Hub Drop-in", "0161 496 0321", team="Community Hubs", id="cafe-hub"),
    entry("Youth Services", "020 7946 0440", service="Youth clubs, repairs to bikes and more"),
    entry("Citizens Advice", "0306 999 0101", team="Voluntary Sector"),
]
INDEX = DirectoryIndex(ENTRIES)


def names(query: str, limit: int = 20, **options) -> list[str]:
    return [hit.entry.name for hit in INDEX.search(query, limit, **options)]


def test_typo_finds_housing():
    found = names("housng")
    assert found[0] in ("Housing", "Housing Options")
    assert set(found[:2]) == {"Housing", "Housing Options"}
    assert "Pest Control" not in found


def test_joined_words_and_word_order():
    assert names("counciltax")[0] == "Council Tax"
    assert names("tax council")[0] == "Council Tax"
    assert names("council tax")[0] == "Council Tax"
    # Joined the other way round: typed apart, stored joined in a keyword phrase.
    assert names("singlepersondiscount")[0] == "Council Tax"
    assert names("council tax support")[0] == "Housing Benefit and Council Tax Support"


def test_matches_team_keywords_and_service():
    assert names("landlord")[0] == "Private Sector Housing"
    assert names("revenues")[:2] == ["Business Rates", "Council Tax"]
    assert names("food vouchers")[0] == "Welfare Assistance Team"
    assert names("mice")[0] == "Pest Control"


def test_exact_words_are_not_outranked_by_look_alikes():
    # "rats" is a keyword of Pest Control; "rates" must not take the top spot.
    assert names("rats")[0] == "Pest Control"


def test_accents_and_punctuation_fold():
    assert names("cafe")[0] == "Café Hub Drop-in"
    assert names("CAFÉ hub")[0] == "Café Hub Drop-in"
    assert names("drop in")[0] == "Café Hub Drop-in"


def test_exact_name_then_prefix_name_then_elsewhere():
    found = names("housing")
    assert found[:2] == ["Housing", "Housing Options"]
    # Every name with the word beats an entry that has it only as its team.
    assert found[-1] == "Temporary Accommodation"
    assert all("Housing" in name for name in found[:-1])
    repairs = names("repairs")
    assert repairs[0] == "Council Housing Repairs"
    assert repairs.index("Youth Services") > 0


def test_typing_a_prefix_narrows_to_the_name():
    assert names("hous")[0] in ("Housing", "Household Support Fund", "Housing Options")
    assert names("welf")[0] == "Welfare Assistance Team"
    assert names("emerg")[0] == "Emergency Duty Team"


def test_single_letter_lists_names_starting_with_it():
    found = names("p")
    assert found == ["Pest Control", "Private Sector Housing"]
    # Then names with a later word starting with it, alphabetically.
    assert names("t") == [
        "Temporary Accommodation",
        "Council Tax",
        "Emergency Duty Team",
        "Housing Benefit and Council Tax Support",
        "Welfare Assistance Team",
    ]


def test_phone_digits():
    assert names("020 7946 0220")[0] == "Welfare Assistance Team"
    assert names("02079460220") == ["Welfare Assistance Team"]
    assert names("+44 20 7946 0220")[0] == "Welfare Assistance Team"
    assert names("+44 (0)20 7946 0220")[0] == "Welfare Assistance Team"
    assert names("0161")[0] == "Café Hub Drop-in"
    # The last digits, as people quote an extension.
    assert set(names("0101")) == {"Housing Options", "Citizens Advice"}
    # Digits in the middle of a number.
    assert names("4960321") == ["Café Hub Drop-in"]


def test_phone_exact_out_of_hours_number_comes_after_its_own_entry():
    found = INDEX.search("020 7946 0999")
    assert [h.entry.name for h in found][:2] == ["Emergency Duty Team", "Welfare Assistance Team"]
    assert found[0].score > found[1].score


def test_phone_prefix_lists_numbers_in_order():
    found = names("020 7946 01")
    assert found == [
        "Housing",
        "Housing Options",
        "Temporary Accommodation",
        "Council Housing Repairs",
        "Private Sector Housing",
    ]


def test_letters_and_digits_together():
    assert names("housing 0101")[0] == "Housing Options"


def test_empty_query_is_alphabetical_and_limited():
    found = names("", limit=5)
    assert found == sorted(e.name for e in ENTRIES)[:5]
    assert found[0] == "Business Rates"
    assert [h.score for h in INDEX.search("   ")] == [0.0] * len(ENTRIES)


def test_staff_only_entries_can_be_left_out():
    assert "Council Tax" in names("council tax")
    public = names("council tax", include_staff_only=False)
    assert "Council Tax" not in public
    assert public[0] == "Housing Benefit and Council Tax Support"
    assert all(not hit.entry.staff_only for hit in INDEX.search("", include_staff_only=False))


def test_nonsense_finds_nothing():
    assert names("xyzzy") == []
    assert names("qqqq zzzz") == []


def test_scores_are_sorted_and_bounded():
    for query in ("housing", "tax", "emergency", "0101", "counciltax"):
        scores = [hit.score for hit in INDEX.search(query)]
        assert scores == sorted(scores, reverse=True)
        assert all(0 < score <= 100 for score in scores)


def test_get_and_len():
    assert len(INDEX) == len(ENTRIES)
    assert INDEX.get("cafe-hub").name == "Café Hub Drop-in"
    assert INDEX.get("nope") is None


def test_format_uk():
    assert format_uk("+442079460123") == "020 7946 0123"
    assert format_uk("+443069990101") == "0306 999 0101"
    assert format_uk("+35312345678") == "00 353 1 234 5678"
    assert format_uk("not a number") == "not a number"


def test_entry_validation():
    with pytest.raises(ValidationError, match="not a valid phone number") as caught:
        entry("Bad", "020 7946 012")
    assert caught.value.field == "phone"
    with pytest.raises(ValidationError, match="control character") as caught:
        entry("Bad\x07Bell", "020 7946 0123")
    assert caught.value.field == "name"
    with pytest.raises(ValidationError, match="control character"):
        entry("Bidi", "020 7946 0123", notes="call \u202e3210")
    with pytest.raises(ValidationError, match="limit is 120"):
        entry("x" * 121, "020 7946 0123", id="long")
    with pytest.raises(ValidationError, match="lower-case letters") as caught:
        entry("Fine", "020 7946 0123", id="Not A Slug")
    assert caught.value.field == "id"
    ok = entry("  Équipe Logement ", "020 7946 0123", notes="Line one\nLine two")
    assert ok.name == "Équipe Logement"
    assert ok.phone == "+442079460123"
    assert ok.notes == "Line one\nLine two"


@pytest.fixture(scope="module")
def big_index() -> DirectoryIndex:
    return DirectoryIndex(synthetic_entries(10_000) + ENTRIES)


@pytest.mark.parametrize(
    ("query", "top"),
    [
        ("housng", {"Housing", "Housing Options"}),
        ("counciltax", {"Council Tax"}),
        ("tax council", {"Council Tax"}),
        ("welfare", {"Welfare Assistance Team"}),
        ("emergency duty", {"Emergency Duty Team"}),
        ("020 7946 0220", {"Welfare Assistance Team"}),
        ("cafe", {"Café Hub Drop-in"}),
    ],
)
def test_ten_thousand_entries_still_find_the_right_top_hit(big_index, query, top):
    hits = big_index.search(query)
    assert hits and hits[0].entry.name in top


def test_ten_thousand_entries_empty_query_and_repeat_are_stable(big_index):
    first = big_index.search("", limit=50)
    assert [h.entry.name for h in first] == sorted(h.entry.name for h in first)
    assert big_index.search("housng") == big_index.search("housng")
