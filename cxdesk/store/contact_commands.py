"""Contact log actions: wrap up a contact, leave one unwrapped, record a transfer's
outcome, record why a resident cannot use online services.

Each checks the role and what it can on the desk (the reasons are on the
council's list as this desk knows it; the server checks again against its own
list) and records one signed event through ``store.record``.
"""

from __future__ import annotations

from collections.abc import Sequence

from cxdesk.domain import deskclock
from cxdesk.domain.contacts import (
    CHANNELS,
    EXCLUSION_REASONS,
    MAX_REASONS,
    OUTCOMES,
    TRANSFER_RESULTS,
    utc_text,
)
from cxdesk.domain.validation import clean_text
from cxdesk.errors import AuthError, ValidationError
from cxdesk.events import FRONTLINE
from cxdesk.events.envelope import Event, new_event_id
from cxdesk.store import contact_queries as q


def _frontline(role: str, what: str) -> None:
    if role not in FRONTLINE:
        raise AuthError(f"Only advisors, hub staff and supervisors can {what}.")


def _at(at_ms: int | None) -> str:
    return utc_text(deskclock.now_ms() if at_ms is None else at_ms)


def wrap_contact(
    store,
    *,
    actor: str,
    role: str,
    customer_id: str | None,
    reasons: Sequence[str],
    channel: str,
    outcome: str,
    referral_id: str | None = None,
    at_ms: int | None = None,
) -> Event:
    """Record one contact's wrap-up (``customer_id`` None: anonymous)."""
    _frontline(role, "wrap up a contact")
    if not reasons:
        raise ValidationError("Pick at least one contact reason.", field="reasons")
    if len(reasons) > MAX_REASONS:
        raise ValidationError(f"At most {MAX_REASONS} reasons per contact.", field="reasons")
    known = q.reason_labels(store)
    unknown = [r for r in reasons if r not in known]
    if unknown:
        raise ValidationError(
            f"{unknown[0]!r} is not on the council's list of contact reasons.", field="reasons"
        )
    if channel not in CHANNELS:
        raise ValidationError("Pick the channel.", field="channel")
    if outcome not in OUTCOMES:
        raise ValidationError("Pick the outcome.", field="outcome")
    if outcome == "referred" and customer_id is None:
        raise ValidationError("An anonymous contact cannot be referred.", field="outcome")
    payload = {
        "contact_id": new_event_id(),
        "customer_id": customer_id,
        "reasons": list(dict.fromkeys(reasons)),
        "channel": channel,
        "outcome": outcome,
        "referral_id": referral_id if outcome == "referred" else None,
        "at": _at(at_ms),
    }
    return store.record("ContactWrapped", payload, actor=actor, role=role)


def leave_unwrapped(store, *, actor: str, role: str, customer_id: str | None, reason: str) -> Event:
    """Close a contact without a wrap-up, saying why (the only way to skip one)."""
    _frontline(role, "close a contact")
    why = clean_text(reason, field="reason", max_len=300)
    if len(why) < 3:
        raise ValidationError("Say why this contact is not wrapped up.", field="reason")
    payload = {
        "contact_id": new_event_id(),
        "customer_id": customer_id,
        "reason": why,
        "at": _at(None),
    }
    return store.record("ContactLeftUnwrapped", payload, actor=actor, role=role)


def record_transfer(
    store,
    *,
    actor: str,
    role: str,
    entry_id: str,
    team: str,
    result: str,
    customer_id: str | None = None,
    at_ms: int | None = None,
) -> Event:
    """What happened when the advisor rang a team's direct line for a resident."""
    _frontline(role, "record a transfer")
    if result not in TRANSFER_RESULTS:
        raise ValidationError("Pick what happened on the line.", field="result")
    payload = {
        "transfer_id": new_event_id(),
        "entry_id": entry_id,
        "team": (team.strip() or entry_id)[:120],
        "result": result,
        "customer_id": customer_id,
        "at": _at(at_ms),
    }
    return store.record("TransferOutcomeRecorded", payload, actor=actor, role=role)


def record_digital_exclusion(
    store, *, actor: str, role: str, customer_id: str, reasons: Sequence[str]
) -> Event:
    """Why this resident cannot use online services ([] records that they can)."""
    _frontline(role, "record digital exclusion")
    unknown = [r for r in reasons if r not in EXCLUSION_REASONS]
    if unknown:
        raise ValidationError(f"Unknown reason: {unknown[0]}.", field="reasons")
    payload = {"customer_id": customer_id, "reasons": list(reasons)}
    return store.record("DigitalExclusionRecorded", payload, actor=actor, role=role)
