"""Reads of the cautionary contact register and protected addresses, for the screens.

What a screen may show of a marker is ``MarkerLine`` (the precaution, never the
detail): the detail comes only through ``caution_commands.view_detail``, which
records the view first. Which markers a person sees follows the review rule
(``cxdesk.domain.cautions.shown_to``) for their role and today's date.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from cxdesk.domain.cautions import MarkerLine, address_key, review_note, review_state, shown_to
from cxdesk.store import _sql

_LIVE = (
    "SELECT marker_id, customer_id, address_key, category, precaution, review_due "
    "FROM caution_markers WHERE status = 'live' "
)


def _line(row, on: str, role: str, today: date) -> MarkerLine | None:
    due = date.fromisoformat(row["review_due"])
    state = review_state(due, today)
    if not shown_to(role, state):
        return None
    return MarkerLine(
        row["marker_id"], on, row["category"], row["precaution"], due, review_note(role, state)
    )


def markers_for(
    store,
    *,
    customer_id: str | None,
    address: str = "",
    postcode: str = "",
    role: str,
    today: date,
) -> list[MarkerLine]:
    """The live markers shown to ``role`` for this person and/or the address they live at."""
    return markers_for_many(
        store, [(customer_id, address_key(address, postcode))], role=role, today=today
    ).get(customer_id or address_key(address, postcode), [])


def markers_for_many(
    store, subjects: Iterable[tuple[str | None, str]], *, role: str, today: date
) -> dict[str, list[MarkerLine]]:
    """Markers per subject for a list (search rows): keyed by customer id (or address key).

    ``subjects`` are (customer id, address key) pairs; one query each for people
    and addresses, so a page of results costs two indexed reads.
    """
    pairs = [(c, a) for c, a in subjects if c or a]
    if not pairs:
        return {}
    people = sorted({c for c, _ in pairs if c})
    places = sorted({a for _, a in pairs if a})
    by_person: dict[str, list] = {}
    by_place: dict[str, list] = {}
    if people:
        marks = ",".join("?" * len(people))
        for row in _sql.query(store, _LIVE + f"AND customer_id IN ({marks})", tuple(people)):
            by_person.setdefault(row["customer_id"], []).append(row)
    if places:
        marks = ",".join("?" * len(places))
        for row in _sql.query(store, _LIVE + f"AND address_key IN ({marks})", tuple(places)):
            by_place.setdefault(row["address_key"], []).append(row)
    found: dict[str, list[MarkerLine]] = {}
    for customer_id, key in pairs:
        lines: dict[str, MarkerLine] = {}
        for row in by_person.get(customer_id or "", []):
            if line := _line(row, "person", role, today):
                lines[line.marker_id] = line
        for row in by_place.get(key or "", []):
            if row["marker_id"] not in lines and (line := _line(row, "address", role, today)):
                lines[line.marker_id] = line
        if lines:
            found[customer_id or key] = sorted(lines.values(), key=lambda m: m.marker_id)
    return found


@dataclass(frozen=True)
class MarkerRow:
    """A marker as a supervisor's list shows it (proposals waiting, reviews due)."""

    marker_id: str
    customer_id: str | None
    address: str
    category: str
    precaution: str
    review_due: date
    proposed_by: str
    approved_by: str | None
    status: str


def _marker_row(row) -> MarkerRow:
    return MarkerRow(
        row["marker_id"],
        row["customer_id"],
        row["address"],
        row["category"],
        row["precaution"],
        date.fromisoformat(row["review_due"]),
        row["proposed_by"],
        row["approved_by"],
        row["status"],
    )


def get_marker(store, marker_id: str) -> MarkerRow | None:
    rows = _sql.query(store, "SELECT * FROM caution_markers WHERE marker_id = ?", (marker_id,))
    return _marker_row(rows[0]) if rows else None


def waiting_approval(store) -> list[MarkerRow]:
    """Proposals no second supervisor has approved yet, oldest first."""
    rows = _sql.query(
        store, "SELECT * FROM caution_markers WHERE status = 'proposed' ORDER BY proposed_at_ms"
    )
    return [_marker_row(r) for r in rows]


def reviews_due(store, today: date) -> list[MarkerRow]:
    """Live markers past their review date, most overdue first."""
    rows = _sql.query(
        store,
        "SELECT * FROM caution_markers WHERE status = 'live' AND review_due < ? "
        "ORDER BY review_due",
        (today.isoformat(),),
    )
    return [_marker_row(r) for r in rows]


def detail_views(store, marker_id: str) -> list[tuple[str, int, str]]:
    """(who, when in ms, why) for each time the marker's detail was opened, newest first."""
    return [
        tuple(r)
        for r in _sql.query(
            store,
            "SELECT actor, at_ms, reason FROM caution_views WHERE marker_id = ? "
            "ORDER BY at_ms DESC",
            (marker_id,),
        )
    ]


def protection_of(store, customer_id: str) -> str | None:
    """The contact route of a resident whose address is protected, or None."""
    return _sql.scalar(
        store, "SELECT route FROM protected_addresses WHERE customer_id = ?", (customer_id,)
    )


def protected_among(store, customer_ids: Iterable[str]) -> set[str]:
    """Which of ``customer_ids`` have a protected address (for hiding it in lists)."""
    ids = sorted(set(customer_ids))
    if not ids:
        return set()
    marks = ",".join("?" * len(ids))
    return {
        r[0]
        for r in _sql.query(
            store,
            f"SELECT customer_id FROM protected_addresses WHERE customer_id IN ({marks})",
            tuple(ids),
        )
    }


def reveals(store, customer_id: str) -> list[tuple[str, int, str]]:
    """(who, when in ms, why) for each time the protected address was revealed."""
    return [
        tuple(r)
        for r in _sql.query(
            store,
            "SELECT actor, at_ms, reason FROM protected_reveals WHERE customer_id = ? "
            "ORDER BY at_ms DESC",
            (customer_id,),
        )
    ]


def markers_for_customers(
    store, customer_ids: list[str], *, role: str, today: date
) -> dict[str, list[MarkerLine]]:
    """Markers per resident (on them or on the address they live at), for a page of rows."""
    if not customer_ids:
        return {}
    marks = ",".join("?" * len(customer_ids))
    rows = _sql.query(
        store,
        "SELECT customer_id, address, postcode FROM customer_addresses_v "
        f"WHERE customer_id IN ({marks})",
        tuple(customer_ids),
    )
    keys = {r[0]: address_key(r[1], r[2]) for r in rows}
    found = markers_for_many(store, list(keys.items()), role=role, today=today)
    return {cid: found[cid] for cid in keys if cid in found}
