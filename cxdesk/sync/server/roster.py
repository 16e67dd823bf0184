"""The server's roster, projected from the staff events as they are accepted.

The push transaction consults it to decide whether an event's actor may author
the event's kind; it is updated in the same transaction as the staff event,
after the counter lock, so it always matches the feed up to that point.
"""

from __future__ import annotations

import json

from sqlalchemy import Connection, text

from cxdesk.events.envelope import Event

STAFF_KINDS = frozenset({"StaffEnrolled", "StaffUpdated", "StaffRekeyed", "StaffRemoved"})


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
