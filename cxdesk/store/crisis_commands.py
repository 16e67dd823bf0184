"""Crisis actions: flag a customer in crisis, close a flag, and the Welfare Assistance
Team completing or declining a crisis payment request.

Each checks the role and the current state (``cxdesk.domain.crisis`` rules, the
same ones the server checks) before recording, inside one transaction.
"""

from __future__ import annotations

from cxdesk.domain.crisis import SIGNS, flag_close_allowed, payment_step_allowed
from cxdesk.domain.validation import clean_text
from cxdesk.errors import AuthError, ValidationError
from cxdesk.events import FRONTLINE
from cxdesk.events.crisis import WELFARE
from cxdesk.events.envelope import Event, new_event_id
from cxdesk.store import crisis_queries as q


def _request_open(store, request_id: str, new: str) -> q.PaymentRequest:
    req = q.request(store, request_id)
    if req is None:
        raise ValidationError("That crisis payment request is not on this desk.", field="request")
    if not payment_step_allowed(req.status, new):
        raise ValidationError(f"That request is already {req.status}.", field="request")
    return req


def complete_payment(store, *, actor: str, role: str, request_id: str, note: str = "") -> Event:
    """The Welfare Assistance Team has loaded the funds onto the card."""
    if role not in WELFARE:
        raise AuthError("Only the Welfare Assistance Team can complete a crisis payment.")
    text = clean_text(note, field="note", max_len=300, required=False)
    with store.transaction():
        req = _request_open(store, request_id, "completed")
        payload = {"request_id": request_id, "customer_id": req.customer_id, "note": text}
        return store.record("CrisisPaymentCompleted", payload, actor=actor, role=role)


def decline_payment(store, *, actor: str, role: str, request_id: str, reason: str) -> Event:
    """The Welfare Assistance Team declines the request, saying why."""
    if role not in WELFARE:
        raise AuthError("Only the Welfare Assistance Team can decline a crisis payment.")
    why = clean_text(reason, field="reason", max_len=500)
    with store.transaction():
        req = _request_open(store, request_id, "declined")
        payload = {"request_id": request_id, "customer_id": req.customer_id, "reason": why}
        return store.record("CrisisPaymentDeclined", payload, actor=actor, role=role)


def flag_crisis(
    store,
    *,
    actor: str,
    role: str,
    customer_id: str,
    signs: list[str],
    other_signs: str,
    actions: str,
) -> Event:
    """Flag a customer in crisis with the signs seen and the actions taken."""
    if role not in FRONTLINE:
        raise AuthError("Only advisors, hub staff and supervisors can flag a crisis.")
    unknown = [s for s in signs if s not in SIGNS]
    if unknown:
        raise ValidationError(f"Unknown sign: {unknown[0]}.", field="signs")
    other = clean_text(other_signs, field="other_signs", max_len=300, required=False)
    if not signs and not other:
        raise ValidationError("Tick at least one sign, or describe it under Other.", "signs")
    done = clean_text(actions, field="actions", max_len=1000, multiline=True)
    payload = {
        "flag_id": new_event_id(),
        "customer_id": customer_id,
        "signs": list(signs),
        "other_signs": other,
        "actions": done,
    }
    return store.record("CrisisFlagged", payload, actor=actor, role=role)


def close_flag(store, *, actor: str, role: str, flag_id: str, outcome: str) -> Event:
    """Close a crisis flag with what happened."""
    if role not in FRONTLINE | WELFARE:
        raise AuthError("Only frontline staff or the Welfare Assistance Team can close a flag.")
    text = clean_text(outcome, field="outcome", max_len=1000, multiline=True)
    with store.transaction():
        current = q.flag(store, flag_id)
        if current is None:
            raise ValidationError("That crisis flag is not on this desk.", field="flag")
        if not flag_close_allowed(current.status):
            raise ValidationError("That crisis flag is already closed.", field="flag")
        payload = {"flag_id": flag_id, "customer_id": current.customer_id, "outcome": text}
        return store.record("CrisisFlagClosed", payload, actor=actor, role=role)
