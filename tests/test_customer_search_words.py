"""Names and dates as advisors type them: "O Brien" for O'Brien, "29/2/88" for a birth date."""

from __future__ import annotations

from datetime import date

import pytest

from cxdesk.domain import validation as v
from cxdesk.errors import ValidationError
from cxdesk.store import customer_commands, customer_queries
from tests.customer_helpers import MARIA
from tests.deskkit import build_desk, give_keys
from tests.test_screens_customers import ADVISOR

TODAY = date(2026, 11, 30)


@pytest.mark.parametrize(
    ("typed", "born"),
    [
        ("29/2/88", date(1988, 2, 29)),
        ("11/2/84", date(1984, 2, 11)),
        ("1/1/26", date(2026, 1, 1)),
        ("31/12/26", date(1926, 12, 31)),
    ],
)
def test_two_digit_year_of_birth_is_the_latest_past_year(typed, born):
    assert v.parse_date_of_birth(typed, today=TODAY) == born


def test_two_digit_year_still_refused_where_the_century_cannot_be_told():
    with pytest.raises(ValidationError, match="all four digits"):
        v.parse_date("1/1/26")


def test_o_brien_with_a_space_and_a_short_date_find_her(store):
    build_desk(store, with_directory=False)
    give_keys(store, ADVISOR.staff_id)
    siobhan = dict(MARIA, given_name="Siobhan", family_name="O'Brien", date_of_birth="29/02/1988")
    customer_commands.register_customer(store, ADVISOR, siobhan)
    customer_commands.register_customer(store, ADVISOR, MARIA)
    for typed in ("O Brien", "o brien siobhan", "29/2/88", "siobhan 29/2/88"):
        names = [h.name for h in customer_queries.search_customers(store, typed)]
        assert names == ["Siobhan O'Brien"], typed
