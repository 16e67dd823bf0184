"""A supervisor's approval is their signature over exactly what they approved, and counts
towards the sign-in lock-out."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from cxdesk.domain import approvals as ap
from cxdesk.errors import AuthError
from cxdesk.store import issue_commands as ic
from tests import peek
from tests.crisis_helpers import PASSCODE, register, set_up_council

ISSUE = {
    "kind": "payment_card",
    "serial_text": "PC000002",
    "amount_text": "20",
    "reason": "no money",
    "override_reason": "fled home",
}


def _repeat_claim(store):
    """A council with Jo already given a card: a second card needs a supervisor."""
    set_up_council(store)
    jo = register(store)
    ic.issue_item(
        store,
        actor="ADV1",
        role="advisor",
        location="CSC",
        kind="payment_card",
        customer_id=jo,
        serial_text="PC000001",
        amount_text="20",
        reason="no money",
        check=ic.check_repeat_claims(store, "payment_card", jo),
    )
    check = ic.check_repeat_claims(store, "payment_card", jo)
    assert check.needs_supervisor
    return jo, check


def _issue(store, jo, check, approval, **changes):
    return ic.issue_item(
        store,
        actor="ADV1",
        role="advisor",
        location="CSC",
        customer_id=jo,
        check=check,
        approval=approval,
        **(ISSUE | changes),
    )


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"amount_text": "40"}, "value_pence"),
        ({"serial_text": "PC000003"}, "serial"),
        ({"reason": "no money at all"}, "reason"),
        ({"override_reason": "other"}, "override_reason"),
    ],
)
def test_changing_what_was_approved_voids_the_approval(admin_store, change, field):
    store = admin_store
    jo, check = _repeat_claim(store)
    content = ic.issue_content(store, customer_id=jo, location="CSC", **ISSUE)
    approval = ic.verify_approver(store, "SUP1", PASSCODE, content)
    with pytest.raises(AuthError, match=f"The {field} changed after the supervisor approved"):
        _issue(store, jo, check, approval, **change)
    assert peek.scalar(store, "SELECT COUNT(*) FROM issues") == 1
    # Another customer under the same repeat check: the approval does not travel.
    other = register(store, given="Sam")
    with pytest.raises(AuthError, match="customer_id changed"):
        _issue(store, other, check, approval)
    receipt = _issue(store, jo, check, approval)  # exactly as approved
    payload = receipt.event.payload
    assert payload["approved_by"] == "SUP1" and payload["approval"]["by"] == "SUP1"
    [sup_key] = peek.query(store, "SELECT public_key FROM staff WHERE staff_id = 'SUP1'")
    assert ap.approval_problem(sup_key[0], "CardIssued", payload) is None
    tampered = payload | {"value_pence": 4000}
    assert "does not match this issue" in ap.approval_problem(sup_key[0], "CardIssued", tampered)
    given = peek.query(store, "SELECT actor, signature FROM events WHERE kind = 'ApprovalGiven'")
    assert [tuple(r)[0] for r in given] == ["SUP1"] and given[0]["signature"]


def test_approval_tries_count_towards_the_lockout(admin_store):
    store = admin_store
    jo, _check = _repeat_claim(store)
    content = ic.issue_content(store, customer_id=jo, location="CSC", **ISSUE)
    now = datetime.now(UTC) + timedelta(seconds=1)
    for tries_left in (4, 3, 2, 1):
        with pytest.raises(AuthError, match=f"{tries_left} tr"):
            ic.verify_approver(store, "SUP1", "a wrong guess at it", content, now=now)
    with pytest.raises(AuthError, match="locked until"):
        ic.verify_approver(store, "SUP1", "a wrong guess at it", content, now=now)
    # Locked out: even the right passcode does not approve, at any desk's approval form.
    with pytest.raises(AuthError, match="locked until"):
        ic.verify_approver(store, "SUP1", PASSCODE, content, now=now)
    failures = peek.query(
        store, "SELECT payload FROM events WHERE kind = 'SignInFailed' AND payload LIKE '%SUP1%'"
    )
    assert len(failures) == 6
    assert peek.scalar(store, "SELECT COUNT(*) FROM events WHERE kind = 'SignInLockedOut'") == 1
    assert peek.scalar(store, "SELECT COUNT(*) FROM events WHERE kind = 'ApprovalGiven'") == 0
    later = now + timedelta(minutes=16)
    assert ic.verify_approver(store, "SUP1", PASSCODE, content, now=later).by == "SUP1"
