"""The contact log's rules: first-contact resolution derived from what happened next,
transfer answer and refusal rates, and reason search that forgives typos."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cxdesk.domain.contact_reasons import ContactReason, ReasonIndex
from cxdesk.domain.contacts import (
    DAY_MS,
    ContactFact,
    contact_time,
    fcr_rate,
    fcr_states,
    parse_utc_ms,
    transfer_figures,
)

T0 = parse_utc_ms("2026-10-01T10:00:00Z")
LATER = T0 + 60 * DAY_MS  # every window has passed


def fact(cid, who, reasons, outcome="resolved", day=0.0):
    return ContactFact(cid, who, frozenset(reasons), outcome, T0 + int(day * DAY_MS))


def test_resolved_here_and_no_return_counts_as_resolved_first_time():
    states = fcr_states([fact("a", "P1", {"bins"})], window_days=7, as_of_ms=LATER)
    assert states == {"a": "resolved"}


def test_a_return_for_the_same_reason_within_the_window_undoes_it():
    facts = [fact("a", "P1", {"bins"}), fact("b", "P1", {"bins", "ctax"}, "callback", day=6.9)]
    states = fcr_states(facts, window_days=7, as_of_ms=LATER)
    assert states["a"] == "repeat"
    assert states["b"] == "not_resolved_here"
    assert fcr_rate(states.values()).part == 0


def test_a_return_after_the_window_or_for_another_reason_does_not():
    facts = [
        fact("a", "P1", {"bins"}),
        fact("b", "P1", {"ctax"}, day=2),  # another reason: a new need, not a failed fix
        fact("c", "P1", {"bins"}, day=7.5),  # same reason, but after the 7-day window
    ]
    states = fcr_states(facts, window_days=7, as_of_ms=LATER)
    assert states == {"a": "resolved", "b": "resolved", "c": "resolved"}
    assert fcr_states(facts, window_days=8, as_of_ms=LATER)["a"] == "repeat"


def test_another_resident_with_the_same_reason_does_not_count_as_a_return():
    facts = [fact("a", "P1", {"bins"}), fact("b", "P2", {"bins"}, day=1)]
    assert fcr_states(facts, window_days=7, as_of_ms=LATER)["a"] == "resolved"


def test_anonymous_contacts_and_open_windows_are_left_out_of_the_rate():
    facts = [
        fact("anon", None, {"bins"}),
        fact("old", "P1", {"bins"}),
        fact("new", "P2", {"bins"}, day=59),  # its 7 days have not passed yet
        fact("fail", "P3", {"ctax"}, "signposted"),
    ]
    states = fcr_states(facts, window_days=7, as_of_ms=LATER)
    assert states["anon"] == "anonymous" and states["new"] == "pending"
    rate = fcr_rate(states.values())
    assert (rate.part, rate.whole) == (1, 2)
    assert rate.text() == "50.0%"


def test_transfer_rates_per_team_and_week():
    rows = [("Housing", "2026-W40", r) for r in ("answered", "answered", "refused", "no_answer")]
    rows += [("Waste", "2026-W40", "wrong_number"), ("Housing", "2026-W41", "answered")]
    figures = {(f.team, f.week): f for f in transfer_figures(rows)}
    housing = figures[("Housing", "2026-W40")]
    assert housing.answer_rate.text() == "50.0%" and housing.refusal_rate.text() == "25.0%"
    assert figures[("Waste", "2026-W40")].answer_rate.text() == "0.0%"
    assert transfer_figures(rows)[0].week == "2026-W41"  # newest week first
    with pytest.raises(ValueError):
        transfer_figures([("Housing", "2026-W40", "maybe")])


def test_contact_time_uses_uk_local_hour_and_iso_week():
    summer = contact_time(parse_utc_ms("2026-07-01T08:30:00Z"))
    assert (summer.day, summer.hour, summer.week) == ("2026-07-01", 9, "2026-W27")
    winter = contact_time(parse_utc_ms("2026-12-01T08:30:00Z"))
    assert winter.hour == 8


@pytest.fixture(scope="module")
def council_reasons():
    path = Path(__file__).parent.parent / "fixtures" / "contact_reasons.json"
    return ReasonIndex(ContactReason(**r) for r in json.loads(path.read_text())["reasons"])


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("council tax", "council-tax-bill"),
        ("counsil tax", "council-tax-bill"),
        ("tax council", "council-tax-bill"),
        ("bulky", "bulky-waste"),
        ("potholes", "roads-potholes"),
        ("homless", "homelessness"),
        ("pcn", "parking-fine"),
        ("blue bad", "blue-badge"),
    ],
)
def test_reason_search_forgives_typos_order_and_half_typed_words(council_reasons, typed, expected):
    assert council_reasons.search(typed)[0].code == expected


def test_reason_search_empty_query_lists_in_order_and_nonsense_finds_nothing(council_reasons):
    assert [r.code for r in council_reasons.search("", limit=2)] == [
        "council-tax-bill",
        "council-tax-reduction",
    ]
    assert council_reasons.search("zzqqxx") == []
