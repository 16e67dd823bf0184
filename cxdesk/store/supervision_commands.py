"""Writes for the supervisor's log: signing off a location's day.

Only a supervisor (or administrator) may sign off; the event catalogue's roles
refuse anyone else here and again on the central API. The day is a UK calendar
day and cannot be in the future: a day is signed off once it has happened.
"""

from __future__ import annotations

from datetime import date

from cxdesk.domain.validation import clean_text, london_today
from cxdesk.errors import AuthError, ValidationError
from cxdesk.events import SUPERVISORS


def sign_off(store, session, location: str, day: date, note: str, *, today: date | None = None):
    """Record that ``session``'s supervisor signed off ``location`` for ``day``, with a note."""
    if session is None or session.role not in SUPERVISORS:
        raise AuthError("Only a supervisor can sign off a day's log.")
    if day > (today or london_today()):
        raise ValidationError("A day can only be signed off once it has started.", field="day")
    text = clean_text(note, field="note", max_len=1000, multiline=True, label="The sign-off note")
    return store.record(
        "LogSignedOff",
        {"location_id": location, "day": day.isoformat(), "note": text},
        actor=session.staff_id,
        role=session.role,
    )
