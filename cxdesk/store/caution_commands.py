"""Writes for the cautionary contact register and protected addresses.

Every step is an event recorded as (and signed by) the person signed in. The
rules are checked here with words for the form, and again by the event
catalogue (roles, payload) and the central API (a second supervisor approves;
``cxdesk.sync.server_caution_checks``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from cxdesk.domain.cautions import (
    CATEGORIES,
    SUPERVISOR_ROLES,
    address_key,
    approval_problem,
    default_review_date,
)
from cxdesk.domain.validation import clean_text, london_today
from cxdesk.errors import AuthError, ValidationError
from cxdesk.events.cautions import ROUTES
from cxdesk.events.envelope import new_event_id
from cxdesk.store import _sql
from cxdesk.store import caution_queries as q


def _supervisor(session, doing: str) -> None:
    if session is None or session.role not in SUPERVISOR_ROLES:
        raise AuthError(f"Only a supervisor can {doing}.")


def _record(store, session, kind: str, payload: dict):
    return store.record(kind, payload, actor=session.staff_id, role=session.role)


def propose_marker(
    store,
    session,
    *,
    customer_id: str | None = None,
    address: str = "",
    postcode: str = "",
    category: str,
    precaution: str,
    detail: str,
    evidence_ref: str = "",
    review_due: date | None = None,
    today: date | None = None,
) -> str:
    """Propose a marker on a person, an address, or both; returns its id. Not live yet."""
    _supervisor(session, "propose a cautionary marker")
    today = today or london_today()
    if category not in CATEGORIES:
        raise ValidationError("Choose a category.", field="category")
    key = address_key(address, postcode) if (address or postcode) else ""
    if (address or postcode) and not key:
        raise ValidationError("An address marker needs the postcode.", field="postcode")
    if not customer_id and not key:
        raise ValidationError("A marker is on a person or an address.", field="address")
    due = review_due or default_review_date(today)
    if due <= today:
        raise ValidationError("The review date must be after today.", field="review_due")
    marker_id = new_event_id()
    payload = {
        "marker_id": marker_id,
        "customer_id": customer_id or None,
        "address_key": key or None,
        "address": clean_text(
            address, field="address", max_len=300, required=False, multiline=True
        ).replace("\n", ", "),
        "category": category,
        "precaution": clean_text(
            precaution, field="precaution", max_len=120, label="The precaution"
        ),
        "detail": clean_text(
            detail, field="detail", max_len=1000, multiline=True, label="The detail"
        ),
        "evidence_ref": clean_text(evidence_ref, field="evidence_ref", max_len=60, required=False),
        "review_due": due.isoformat(),
    }
    _record(store, session, "CautionProposed", payload)
    return marker_id


def _step_payload(marker: q.MarkerRow, store) -> dict:
    rows = _sql.query(
        store,
        "SELECT customer_id, address_key FROM caution_markers WHERE marker_id = ?",
        (marker.marker_id,),
    )
    return {"marker_id": marker.marker_id, "customer_id": rows[0][0], "address_key": rows[0][1]}


def _marker(store, marker_id: str) -> q.MarkerRow:
    marker = q.get_marker(store, marker_id)
    if marker is None:
        raise ValidationError("No such marker at this desk.", field="marker_id")
    return marker


def approve_marker(store, session, marker_id: str):
    """The second supervisor's approval: from now on the marker is shown."""
    _supervisor(session, "approve a cautionary marker")
    marker = _marker(store, marker_id)
    problem = approval_problem(
        marker.proposed_by, session.staff_id, session.role, marker.approved_by
    )
    if problem:
        raise AuthError(problem[:1].upper() + problem[1:] + ".")
    return _record(store, session, "CautionApproved", _step_payload(marker, store))


def review_marker(
    store,
    session,
    marker_id: str,
    *,
    outcome: str,
    reason: str,
    review_due: date | None = None,
    today: date | None = None,
):
    """Keep (with the next review date, 12 months on by default) or remove a live marker."""
    _supervisor(session, "review a cautionary marker")
    today = today or london_today()
    marker = _marker(store, marker_id)
    if marker.status != "live":
        raise ValidationError("Only a live marker can be reviewed.", field="marker_id")
    if outcome not in ("keep", "remove"):
        raise ValidationError("Keep or remove the marker.", field="outcome")
    payload = _step_payload(marker, store) | {
        "outcome": outcome,
        "reason": clean_text(
            reason, field="reason", max_len=500, multiline=True, label="The reason"
        ),
    }
    if outcome == "keep":
        due = review_due or default_review_date(today)
        if due <= today:
            raise ValidationError("The next review date must be after today.", field="review_due")
        payload["review_due"] = due.isoformat()
    return _record(store, session, "CautionReviewed", payload)


@dataclass(frozen=True)
class MarkerDetail:
    marker_id: str
    category: str
    precaution: str
    detail: str
    evidence_ref: str
    proposed_by: str
    approved_by: str | None
    review_due: str


def view_detail(store, session, marker_id: str, reason: str) -> MarkerDetail:
    """Record that ``session`` opened the marker's detail, and why; then return it."""
    if session is None:
        raise AuthError("Sign in to see a marker's detail.")
    why = clean_text(reason, field="reason", max_len=120, label="The reason")
    marker = _marker(store, marker_id)
    _record(store, session, "CautionDetailViewed", _step_payload(marker, store) | {"reason": why})
    [row] = _sql.query(store, "SELECT * FROM caution_markers WHERE marker_id = ?", (marker_id,))
    return MarkerDetail(
        marker_id,
        row["category"],
        row["precaution"],
        row["detail"],
        row["evidence_ref"],
        row["proposed_by"],
        row["approved_by"],
        row["review_due"],
    )


def protect_address(store, session, customer_id: str, *, route: str, reason: str):
    """Hide the resident's address from lists; letters go only by ``route``."""
    if session is None:
        raise AuthError("Sign in first.")
    if route not in ROUTES:
        raise ValidationError(f"Choose a route: {', '.join(ROUTES)}.", field="route")
    why = clean_text(reason, field="reason", max_len=300, label="The reason")
    return _record(
        store,
        session,
        "ProtectedAddressSet",
        {"customer_id": customer_id, "route": route, "reason": why},
    )


def lift_protection(store, session, customer_id: str, *, reason: str):
    _supervisor(session, "lift an address protection")
    why = clean_text(reason, field="reason", max_len=300, label="The reason")
    return _record(
        store, session, "ProtectedAddressLifted", {"customer_id": customer_id, "reason": why}
    )


def reveal_address(store, session, customer_id: str, reason: str) -> str:
    """Record why ``session`` needs a protected address shown, then return it."""
    if session is None:
        raise AuthError("Sign in first.")
    why = clean_text(reason, field="reason", max_len=120, label="The reason")
    rows = _sql.query(
        store,
        "SELECT address, postcode FROM customer_addresses_v WHERE customer_id = ?",
        (customer_id,),
    )
    if not rows:
        raise ValidationError("No such resident at this desk.", field="customer_id")
    _record(store, session, "ProtectedAddressRevealed", {"customer_id": customer_id, "reason": why})
    address, postcode = rows[0]
    return ", ".join(part for part in (address.replace("\n", ", "), postcode) if part)
