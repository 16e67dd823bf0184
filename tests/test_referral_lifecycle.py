"""The referral state machine, due dates in working time, consent, and the server's check."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from cxdesk.domain.referrals import (
    STATUSES,
    check_referral_event,
    clean_referral,
    due_at,
    is_overdue,
    is_working_day,
    make_reference,
    next_status,
    referral_transition_allowed,
)

LONDON = ZoneInfo("Europe/London")
ALLOWED = {
    ("raised", "accepted"),
    ("raised", "declined"),
    ("raised", "reassigned"),
    ("accepted", "in_progress"),
    ("accepted", "completed"),
    ("accepted", "declined"),
    ("accepted", "reassigned"),
    ("in_progress", "completed"),
    ("in_progress", "reassigned"),
    ("declined", "reassigned"),
}
STEPS = ("accepted", "in_progress", "completed", "declined", "reassigned")


@pytest.mark.parametrize("current", STATUSES)
@pytest.mark.parametrize("step", STEPS)
def test_every_transition(current, step):
    assert referral_transition_allowed(current, step) == ((current, step) in ALLOWED)


def test_reassigned_goes_back_to_raised_for_the_new_team():
    assert next_status("declined", "ReferralReassigned", {}) == "raised"
    assert next_status("raised", "ReferralNoteAdded", {}) == "raised"
    assert next_status(None, "ReferralAccepted", {}) is None


def local(*args):
    return datetime(*args, tzinfo=LONDON)


@pytest.mark.parametrize(
    "urgency,raised,due",
    [
        ("immediate", local(2025, 3, 12, 10, 0), local(2025, 3, 12, 12, 0)),
        # 30 minutes left on Friday, then Monday 5 May 2025 is a bank holiday
        ("immediate", local(2025, 5, 2, 16, 30), local(2025, 5, 6, 10, 30)),
        ("immediate", local(2025, 3, 15, 11, 0), local(2025, 3, 17, 11, 0)),  # Saturday
        ("immediate", local(2025, 3, 12, 7, 0), local(2025, 3, 12, 11, 0)),  # before opening
        ("urgent", local(2025, 3, 12, 10, 0), local(2025, 3, 13, 17, 0)),
        ("urgent", local(2025, 3, 14, 16, 0), local(2025, 3, 17, 17, 0)),  # Friday to Monday
        ("urgent", local(2025, 4, 17, 12, 0), local(2025, 4, 22, 17, 0)),  # Easter
        ("standard", local(2025, 3, 12, 10, 0), local(2025, 3, 19, 17, 0)),
        ("standard", local(2025, 12, 24, 10, 0), local(2026, 1, 5, 17, 0)),  # Christmas
    ],
)
def test_due_dates_count_working_time(urgency, raised, due):
    assert due_at(urgency, raised) == due


def test_working_days():
    assert not is_working_day(local(2025, 8, 25).date())  # summer bank holiday
    assert not is_working_day(local(2025, 3, 15).date())  # Saturday
    assert is_working_day(local(2025, 3, 17).date())


def test_overdue_only_while_open():
    now = local(2025, 3, 20, 9, 0)
    assert is_overdue("raised", "2025-03-19T17:00:00Z", now)
    assert not is_overdue("completed", "2025-03-19T17:00:00Z", now)
    assert not is_overdue("raised", "2025-03-21T17:00:00Z", now)


FORM = {
    "to_team": "housing-options",
    "reason_category": "Housing and homelessness",
    "story": "I have to leave my flat on Friday.",
    "urgency": "urgent",
    "consent": "given",
    "consent_method": "in person, verbal",
}


def test_consent_given_makes_a_shared_referral():
    clean, errors = clean_referral(FORM)
    assert errors == {}
    assert clean["advice_only"] is False


def test_without_consent_only_advice_given():
    clean, errors = clean_referral({**FORM, "consent": "refused", "to_team": ""})
    assert errors == {}
    assert clean["advice_only"] is True


def test_consent_must_be_recorded():
    _clean, errors = clean_referral({**FORM, "consent": ""})
    assert "consent" in errors


@pytest.mark.parametrize(
    "field,value,words",
    [
        ("story", "   ", "cannot be left blank"),
        ("story", "x" * 4001, "too long"),
        ("story", "bad\x00text", "control character"),
        ("urgency", "whenever", "immediate, urgent or standard"),
        ("reason_category", "", "reason"),
        ("to_team", "", "team"),
    ],
)
def test_bad_referral_input_refused(field, value, words):
    _clean, errors = clean_referral({**FORM, field: value})
    assert words in errors[field]


RID = "01900000-0000-7000-8000-000000000001"
CID = "01900000-0000-7000-8000-0000000000c1"
RAISED = (
    "ReferralRaised",
    {
        "referral_id": RID,
        "customer_id": CID,
        "to_team": "housing-options",
        "advice_only": False,
        "consent": "given",
    },
)


def step(kind, **extra):
    return (kind, {"referral_id": RID, "customer_id": CID, **extra})


def test_server_check_allows_a_normal_life():
    history = [RAISED]
    for kind, payload in [
        step("ReferralAccepted"),
        step("ReferralStarted"),
        step("ReferralCompleted"),
    ]:
        assert check_referral_event(kind, payload, history) is None
        history.append((kind, payload))


def test_server_check_refuses_impossible_steps():
    accepted = [RAISED, step("ReferralAccepted")]
    assert "cannot be accepted" in check_referral_event(*step("ReferralAccepted"), accepted)
    assert "no such referral" in check_referral_event(*step("ReferralAccepted"), [])
    assert "already been raised" in check_referral_event(*RAISED, [RAISED])
    other = ("ReferralAccepted", {"referral_id": RID, "customer_id": RID})
    assert "different customer" in check_referral_event(*other, [RAISED])
    same_team = step("ReferralReassigned", to_team="housing-options")
    assert "already with that team" in check_referral_event(*same_team, [RAISED])


def test_server_check_keeps_advice_unshared():
    advice = ("ReferralRaised", {**RAISED[1], "advice_only": True, "consent": "refused"})
    assert check_referral_event(*advice, []) is None
    assert "not shared" in check_referral_event(*step("ReferralAccepted"), [advice])
    assert check_referral_event(*step("ReferralNoteAdded", note="x"), [advice]) is None
    forged = ("ReferralRaised", {**RAISED[1], "advice_only": False, "consent": "refused"})
    assert "advice given" in check_referral_event(*forged, [])


def test_server_check_accepts_event_objects():
    class E:
        def __init__(self, kind, payload):
            self.kind, self.payload = kind, payload

    assert check_referral_event(*step("ReferralAccepted"), [E(*RAISED)]) is None


def test_reference_is_short_and_readable():
    ref = make_reference(RID)
    assert len(ref) == 11 and ref.startswith("R-")
    assert not set(ref) & set("ILOU")


def test_the_central_api_runs_the_same_check():
    from types import SimpleNamespace

    from cxdesk.sync.server_checks import checks_for

    history = [SimpleNamespace(kind=k, payload=p) for k, p in (RAISED, step("ReferralAccepted"))]
    event = SimpleNamespace(kind="ReferralAccepted", payload=step("ReferralAccepted")[1])
    reasons = [check(None, event, history) for check in checks_for("ReferralAccepted")]
    assert any(reason and "cannot be accepted" in reason for reason in reasons)


def test_only_the_receiving_team_works_a_referral():
    from types import SimpleNamespace

    from cxdesk.domain.referrals import whose_step

    r = SimpleNamespace(
        status="raised",
        to_team="housing-options",
        to_team_name="Housing Options",
        from_location="CSC",
    )
    assert whose_step("accepted", r, "housing-options", "BACK-OFFICE") is None
    refusal = whose_step("accepted", r, None, "CSC")
    assert "Only Housing Options" in refusal and "F4, then T" in refusal
    assert whose_step("declined", r, "council-tax", "CSC") is not None
    declined = SimpleNamespace(**{**vars(r), "status": "declined"})
    assert whose_step("reassigned", declined, None, "CSC") is None  # back with the sender
    assert "who sent it" in whose_step("reassigned", declined, None, "HUB-NORTH")
