"""Writing referrals: raise (or record advice given), add a note, and each lifecycle step.

Every step is checked first against the referral's history on this desk with
the same rule the server applies (``check_referral_event``), so an advisor is
told at once, in words, why a step cannot be taken.
"""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime

import uuid6

from cxdesk.domain import validation as v
from cxdesk.domain.customers import FormErrors
from cxdesk.domain.referrals import (
    check_referral_event,
    clean_referral,
    due_at,
    make_reference,
    utc_text,
)
from cxdesk.errors import ValidationError
from cxdesk.store import _sql
from cxdesk.store.referral_queries import get_referral, get_target, referral_history


def raise_referral(store, session, customer_id: str, raw: dict, *, now: datetime | None = None):
    """Raise a referral (or, without consent, record advice given); returns its id."""
    now = now or datetime.now(UTC)
    clean, errors = clean_referral(raw)
    target = None
    if raw.get("to_team"):
        target = get_target(store, raw["to_team"])
        if target is None:
            errors["to_team"] = "That team is not in the directory on this desk."
    if errors:
        raise FormErrors(errors)
    if not _sql.scalar(
        store, "SELECT 1 FROM customer_names_v WHERE customer_id = ?", (customer_id,)
    ):
        raise ValidationError("That customer record is not on this desk.", field="customer_id")
    referral_id = str(uuid6.uuid7())
    advice_only = clean["advice_only"]
    payload = {
        **clean,
        "referral_id": referral_id,
        "customer_id": customer_id,
        "reference": make_reference(referral_id),
        "to_team": target.target_id if target else "advice",
        "to_team_name": target.name if target else "Advice given",
        "consent_obtained_by": session.name,
        "consent_at": utc_text(now),
        "due_at": None if advice_only else utc_text(due_at(clean["urgency"], now)),
    }
    store.record("ReferralRaised", payload, actor=session.staff_id, role=session.role)
    return referral_id


def _step(store, session, referral_id: str, kind: str, extra: dict) -> None:
    referral = get_referral(store, referral_id)
    if referral is None:
        raise ValidationError("That referral is not on this desk.", field="referral_id")
    payload = {"referral_id": referral_id, "customer_id": referral.customer_id, **extra}
    reason = check_referral_event(kind, payload, referral_history(store, referral_id))
    if reason:
        raise ValidationError(reason, field=None)
    store.record(kind, payload, actor=session.staff_id, role=session.role)


def _text(value, field: str, label: str, max_len: int) -> str:
    return v.clean_text(value, field=field, max_len=max_len, multiline=True, label=label)


def add_note(store, session, referral_id: str, note: str) -> None:
    _step(
        store,
        session,
        referral_id,
        "ReferralNoteAdded",
        {"note": _text(note, "note", "The note", 2000)},
    )


def accept(store, session, referral_id: str, team: str) -> None:
    _step(store, session, referral_id, "ReferralAccepted", {"team": team})


def start(store, session, referral_id: str) -> None:
    _step(store, session, referral_id, "ReferralStarted", {})


def complete(store, session, referral_id: str, outcome: str) -> None:
    text = _text(outcome, "outcome", "The outcome", 1000)
    _step(store, session, referral_id, "ReferralCompleted", {"outcome": text})


def decline(store, session, referral_id: str, reason: str) -> None:
    text = _text(reason, "reason", "The reason", 500)
    _step(store, session, referral_id, "ReferralDeclined", {"reason": text})


def reassign(
    store, session, referral_id: str, to_team: str, reason: str, *, now: datetime | None = None
) -> None:
    """Send the referral to another team, with a fresh due date from its urgency."""
    target = get_target(store, to_team)
    if target is None:
        raise ValidationError("Choose a team from the directory.", field="to_team")
    text = _text(reason, "reason", "The reason", 500)
    referral = get_referral(store, referral_id)
    due = due_at(referral.urgency, now or datetime.now(UTC)) if referral else None
    extra = {
        "to_team": target.target_id,
        "to_team_name": target.name,
        "reason": text,
        "due_at": utc_text(due) if due else None,
    }
    _step(store, session, referral_id, "ReferralReassigned", extra)


def confirmation_letter(store, referral_id: str) -> tuple[str, str]:
    """The customer's confirmation letter for a referral, to show: (text, reference).

    The text is made safe to show (``safe_text``): it is printed and read on screens.
    """
    from cxdesk.domain.letters import referral_confirmation
    from cxdesk.domain.safe_text import safe_text
    from cxdesk.store.customer_queries import get_customer

    referral = get_referral(store, referral_id)
    if referral is None:
        raise ValidationError("That referral is not on this desk.", field="referral_id")
    customer = get_customer(store, referral.customer_id)
    if customer is None:
        raise ValidationError("That referral's customer is not on this desk.", field="referral_id")
    from cxdesk.store.caution_queries import protection_of

    if route := protection_of(store, referral.customer_id):
        # A protected address: the letter promises contact only by the route they chose.
        customer = dataclasses.replace(customer, preferred_contact=route, contact_times="")
    target = get_target(store, referral.to_team)
    text = referral_confirmation(
        referral,
        customer,
        team_phone=target.phone if target else None,
        team_phone_public=bool(target and target.public),
        location_name=referral.from_location_name,
    )
    return safe_text(text, multiline=True), referral.reference


def save_confirmation(store, reference: str, text: str, folder=None):
    """Save a letter as shown, for printing (only when asked), 0600; returns the path."""
    from cxdesk.domain.letters import save_letter

    return save_letter(text, folder or store.folder / "letters", reference)


def write_confirmation(store, referral_id: str, folder=None):
    """The letter for a referral, saved to a file: (text, path)."""
    text, reference = confirmation_letter(store, referral_id)
    return text, save_confirmation(store, reference, text, folder)
