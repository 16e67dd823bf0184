"""The server's roster, projected from the staff events as they are accepted.

The push transaction consults it to decide whether an event's actor may author
the event's kind; it is updated in the same transaction as the staff event,
after the counter lock, so it always matches the feed up to that point.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from typing import NamedTuple

from sqlalchemy import Connection, text

from cxdesk.events.envelope import Event
from cxdesk.sync.server.bulk import Read, rows_for_keys

STAFF_KINDS = frozenset({"StaffEnrolled", "StaffUpdated", "StaffRekeyed", "StaffRemoved"})


class RosterRow(NamedTuple):
    role: str
    locations: list[str]
    active: bool
    public_key: str | None


_ROWS = "SELECT staff_id, role, locations, active, public_key FROM roster WHERE staff_id IN :keys"


class RosterView:
    """The roster rows a push needs, read in one query and shared by every check.

    ``forget`` after the push changes the roster (a staff event accepted), so
    each event is judged by the roster as it stands at its feed place.
    """

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self._rows: dict[str, RosterRow | None] = {}

    def prefetch(self, staff_ids: Iterable[str]) -> None:
        read = self.read(staff_ids)
        self.take(rows_for_keys(self.conn, read.query, read.keys or ()))

    def read(self, staff_ids: Iterable[str]) -> Read:
        """The query for these people's rows, to travel with others; ``take`` its answer."""
        wanted = sorted({s for s in staff_ids if s not in self._rows})
        self._rows.update(dict.fromkeys(wanted))  # None until found: never enrolled
        return Read(_ROWS, keys=wanted)

    def take(self, rows: Iterable[Sequence]) -> None:
        for staff_id, role, locations, active, key in rows:
            self._rows[staff_id] = RosterRow(role, json.loads(locations), bool(active), key)

    def row(self, staff_id: str) -> RosterRow | None:
        """The roster row of ``staff_id``, or None if they were never enrolled."""
        if staff_id not in self._rows:
            self.prefetch([staff_id])
        return self._rows[staff_id]

    def forget(self) -> None:
        self._rows.clear()


def project_roster(conn: Connection, event: Event) -> bool:
    """Apply a staff event to the roster; returns whether it was one."""
    if event.kind not in STAFF_KINDS:
        return False
    p = event.payload
    if event.kind == "StaffEnrolled":
        conn.execute(
            text(
                "INSERT INTO roster (staff_id, role, locations, active, public_key) "
                "VALUES (:s, :r, :l, TRUE, :k) ON CONFLICT (staff_id) DO UPDATE SET "
                "role = excluded.role, locations = excluded.locations, active = TRUE, "
                "public_key = excluded.public_key"
            ),
            {
                "s": p["staff_id"],
                "r": p["role"],
                "l": json.dumps(p["locations"]),
                "k": p.get("public_key"),
            },
        )
    elif event.kind == "StaffRekeyed":
        conn.execute(
            text("UPDATE roster SET public_key = :k WHERE staff_id = :s"),
            {"k": p["public_key"], "s": p["staff_id"]},
        )
    elif event.kind == "StaffUpdated":
        if p.get("public_key") is not None:
            conn.execute(
                text("UPDATE roster SET public_key = :k WHERE staff_id = :s"),
                {"k": p["public_key"], "s": p["staff_id"]},
            )
        if p.get("role") is not None:
            conn.execute(
                text("UPDATE roster SET role = :r WHERE staff_id = :s"),
                {"r": p["role"], "s": p["staff_id"]},
            )
        if p.get("locations") is not None:
            conn.execute(
                text("UPDATE roster SET locations = :l WHERE staff_id = :s"),
                {"l": json.dumps(p["locations"]), "s": p["staff_id"]},
            )
    else:
        conn.execute(
            text("UPDATE roster SET active = FALSE WHERE staff_id = :s"), {"s": p["staff_id"]}
        )
    return True
