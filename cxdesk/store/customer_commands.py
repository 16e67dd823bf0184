"""Writing customers: register, change details, record a view, add a note.

Each command checks the typed values with ``cxdesk.domain.customers`` (every
problem at once, as ``FormErrors``), then records one event with the signed-in
person as its author. Screens call these from workers; nothing here touches
the screen.
"""

from __future__ import annotations

import json
from datetime import date

import uuid6

from cxdesk.domain import validation as v
from cxdesk.domain.customers import FormErrors, clean_customer
from cxdesk.errors import ValidationError
from cxdesk.events.customers import CHANGEABLE_FIELDS, NOTE_MAX
from cxdesk.store import _sql


def register_customer(store, session, raw: dict, *, today: date | None = None) -> str:
    """Register a new customer from the form's values; returns the new customer id."""
    clean, errors = clean_customer(raw, today=today)
    if errors:
        raise FormErrors(errors)
    customer_id = str(uuid6.uuid7())
    store.record(
        "CustomerRegistered",
        {"customer_id": customer_id, **clean},
        actor=session.staff_id,
        role=session.role,
    )
    return customer_id


def change_customer(store, session, customer_id: str, raw: dict, *, today: date | None = None):
    """Record the fields that differ from the current record; returns the names changed."""
    clean, errors = clean_customer(raw, today=today)
    if errors:
        raise FormErrors(errors)
    rows = _sql.query(store, "SELECT * FROM customers WHERE customer_id = ?", (customer_id,))
    if not rows:
        raise ValidationError("That customer record is not on this desk.", field="customer_id")
    current = dict(rows[0])
    current["vulnerability_flags"] = json.loads(current["vulnerability_flags"])
    current["no_email"] = bool(current["no_email"])
    current["interpreter_needed"] = bool(current["interpreter_needed"])
    changed = {}
    for name in CHANGEABLE_FIELDS:
        new = clean.get(name)
        if (new or None) != (current.get(name) or None) and not (
            isinstance(new, bool) and new == current.get(name)
        ):
            # "" clears an optional phone or email (None would mean "unchanged")
            changed[name] = "" if new is None else new
    if not changed:
        raise ValidationError("Nothing has changed.", field=None)
    store.record(
        "CustomerDetailsChanged",
        {"customer_id": customer_id, **changed},
        actor=session.staff_id,
        role=session.role,
    )
    return sorted(changed)


def record_view(store, session, customer_id: str, reason: str | None = None) -> None:
    """Record that the signed-in person opened this customer's record."""
    store.record(
        "CustomerRecordViewed",
        {"customer_id": customer_id, "reason": reason},
        actor=session.staff_id,
        role=session.role,
    )


def add_customer_note(store, session, customer_id: str, note: str) -> None:
    """A note on the customer's record (not about any one referral)."""
    text = v.clean_text(note, field="note", max_len=NOTE_MAX, multiline=True, label="The note")
    store.record(
        "CustomerNoteAdded",
        {"customer_id": customer_id, "note": text},
        actor=session.staff_id,
        role=session.role,
    )


def move_customer(store, session, customer_id: str, to_location: str, reason: str) -> str:
    """Record that the resident now belongs to another location; returns its name.

    The server gives that location the record and its history, and this desk
    drops it at a later sync unless its location still works with the resident
    (a referral to or from it); see DESIGN.md, "Who receives what".
    """
    if not _sql.scalar(store, "SELECT 1 FROM customers WHERE customer_id = ?", (customer_id,)):
        raise ValidationError("That customer record is not on this desk.", field="customer_id")
    place = to_location.strip().upper()
    from cxdesk.store.staff_queries import location_names

    name = location_names(store).get(place)
    if name is None:
        raise ValidationError(
            f"{place or 'That'} is not a location this desk knows.", field="to_location"
        )
    if place == session.location:
        raise ValidationError("That is this desk's own location.", field="to_location")
    why = v.clean_text(reason, field="reason", max_len=120, label="The reason")
    if len(why) < 3:
        raise ValidationError("Please say why the resident moves (a few words).", field="reason")
    store.record(
        "CustomerMoved",
        {"customer_id": customer_id, "to_location": place, "reason": why},
        actor=session.staff_id,
        role=session.role,
    )
    return name
