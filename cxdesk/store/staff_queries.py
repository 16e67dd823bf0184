"""Reads of the roster: staff and the council's locations (the staff component's tables).

Other components, the CLI and the screens ask here rather than reading
``staff`` or ``locations`` themselves, so the roster's tables belong to it alone.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from cxdesk.store import _sql


@dataclass(frozen=True, slots=True)
class StaffMember:
    """A person on this desk's roster, as the CLI and the checks need them."""

    staff_id: str
    name: str
    role: str


def active_member(store, staff_id: str) -> StaffMember | None:
    """The active roster entry for ``staff_id`` (any case), or None."""
    rows = _sql.query(
        store,
        "SELECT staff_id, name, role FROM staff WHERE staff_id = ? AND active = 1",
        (staff_id.strip().upper(),),
    )
    return StaffMember(*rows[0]) if rows else None


def on_roster(store, staff_id: str) -> str | None:
    """``staff_id`` as the roster spells it, if anyone (active or not) has that id."""
    return _sql.scalar(store, "SELECT staff_id FROM staff WHERE staff_id = ?", (staff_id,))


def active_admins(store) -> list[StaffMember]:
    """The active administrators, by staff id."""
    rows = _sql.query(
        store,
        "SELECT staff_id, name, role FROM staff WHERE role = 'admin' AND active = 1 "
        "ORDER BY staff_id",
    )
    return [StaffMember(*r) for r in rows]


def staff_names(store) -> dict[str, str]:
    """Everyone's name (active or not) by their staff id."""
    return {r[0]: r[1] for r in _sql.query(store, "SELECT staff_id, name FROM staff")}


def staff_locations(store, staff_id: str) -> list[str]:
    """The locations this person works at (none if not on the roster)."""
    rows = _sql.query(store, "SELECT locations FROM staff WHERE staff_id = ?", (staff_id,))
    return json.loads(rows[0][0]) if rows else []


def location_name(store, location_id: str | None) -> str:
    """The name of a location for display, or its id when the roster does not know it."""
    if not location_id:
        return ""
    name = _sql.scalar(store, "SELECT name FROM locations WHERE location_id = ?", (location_id,))
    return name or location_id


def location_names(store) -> dict[str, str]:
    """Every location's name by its id."""
    return {r[0]: r[1] for r in _sql.query(store, "SELECT location_id, name FROM locations")}


def location_hours(store) -> dict[str, str]:
    """Every location's opening hours (the roster's JSON text) by its id."""
    return {r[0]: r[1] for r in _sql.query(store, "SELECT location_id, hours FROM locations")}


def hubs(store) -> list[tuple[str, str]]:
    """(location id, name) of every hub, by name."""
    rows = _sql.query(
        store, "SELECT location_id, name FROM locations WHERE kind = 'hub' ORDER BY name"
    )
    return [(r[0], r[1]) for r in rows]


def location_kinds(store) -> dict[str, str]:
    """Every location's kind (``csc``, ``hub``, ...) by its id."""
    return {r[0]: r[1] for r in _sql.query(store, "SELECT location_id, kind FROM locations")}
