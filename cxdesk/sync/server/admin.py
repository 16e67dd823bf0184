"""What an administrator does to the central database (the ``cxdesk admin`` commands).

Each function is one transaction. Changes that desks must learn about are
written as central events through ``record_central`` in the same transaction,
so the devices table and the feed never disagree. Lock order matches the push
path (a device's row, then ``central``, then the counter) so they cannot deadlock.
"""

from __future__ import annotations

import re
import secrets
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, text

from cxdesk.errors import CxDeskError, ValidationError
from cxdesk.events.devices import DEVICE_PATTERN
from cxdesk.events.envelope import GENESIS
from cxdesk.sync.protocol import CENTRAL_DEVICE
from cxdesk.sync.server.central import CentralItem, record_central, record_one
from cxdesk.sync.server.db import read_transaction, write_transaction
from cxdesk.sync.server.epochs import start_new_epoch
from cxdesk.sync.server.migrations import utc_now_text
from cxdesk.sync.server.tokens import hash_token, new_token


def add_device(engine: Engine, location: str, device_id: str | None = None) -> tuple[str, str]:
    """Enrol a desk at ``location``; returns (device id, token). The token is never stored."""
    location = location.strip().upper()
    if not location:
        raise ValidationError("Please give the desk's location.", field="location")
    device_id = device_id or f"D-{location}-{secrets.token_hex(3).upper()}"
    if not re.match(DEVICE_PATTERN, device_id) or device_id == CENTRAL_DEVICE:
        raise ValidationError(f"{device_id!r} cannot be a device id.", field="device_id")
    token = new_token()
    with write_transaction(engine) as conn:
        if conn.execute(text("SELECT 1 FROM devices WHERE id = :d"), {"d": device_id}).first():
            raise CxDeskError(f"Device {device_id} already exists.")
        conn.execute(
            text(
                "INSERT INTO devices (id, location, token_hash, revoked, last_seq, last_hash, "
                "created_at) VALUES (:d, :l, :h, FALSE, 0, :g, :t)"
            ),
            {
                "d": device_id,
                "l": location,
                "h": hash_token(token),
                "g": GENESIS,
                "t": utc_now_text(),
            },
        )
        record_one(conn, "DeviceEnrolled", {"device_id": device_id, "location": location})
    return device_id, token


def revoke_device(engine: Engine, device_id: str, reason: str = "") -> None:
    """Cut a desk off: its token stops working at once."""
    with write_transaction(engine) as conn:
        done = conn.execute(
            text("UPDATE devices SET revoked = TRUE WHERE id = :d AND id != :c"),
            {"d": device_id, "c": CENTRAL_DEVICE},
        )
        if done.rowcount != 1:
            raise CxDeskError(f"There is no device {device_id}.")
        record_one(conn, "DeviceRevoked", {"device_id": device_id, "reason": reason})


def move_device(engine: Engine, device_id: str, location: str) -> str:
    """Move a desk to another location; returns where it was.

    The desk learns it at its next contact (the pull answer names its location,
    signed): it drops what the new location may not hold and pulls its share.
    Events it wrote at the old location before it learned are still accepted.
    """
    location = location.strip().upper()
    with write_transaction(engine) as conn:
        row = conn.execute(
            text("SELECT location, revoked FROM devices WHERE id = :d AND id != :c"),
            {"d": device_id, "c": CENTRAL_DEVICE},
        ).first()
        if row is None:
            raise CxDeskError(f"There is no device {device_id}.")
        if row[1]:
            raise ValidationError(
                f"{device_id} has been revoked; enrol a new desk instead.", field="device_id"
            )
        known = [r[0] for r in conn.execute(text("SELECT location_id FROM scope_locations"))]
        if location not in known:
            names = ", ".join(sorted(known)) or "none defined yet"
            raise ValidationError(
                f"{location!r} is not a location the server knows (known: {names}).",
                field="location",
            )
        if row[0] == location:
            raise ValidationError(f"{device_id} is already at {location}.", field="location")
        conn.execute(
            text("UPDATE devices SET location = :l, moved_from = :f WHERE id = :d"),
            {"l": location, "f": row[0], "d": device_id},
        )
        record_one(
            conn,
            "DeviceMoved",
            {"device_id": device_id, "from_location": row[0], "to_location": location},
        )
    return row[0]


def add_staff(
    engine: Engine,
    staff_id: str,
    *,
    name: str,
    role: str,
    locations: list[str],
    key_fields: dict[str, str],
) -> None:
    """Enrol someone; ``key_fields`` are ``StaffKeys.roster_fields()`` of their passcode."""
    payload = {
        "staff_id": staff_id,
        "name": name,
        "role": role,
        "locations": locations,
        **key_fields,
    }
    with write_transaction(engine) as conn:
        known = conn.execute(
            text("SELECT active FROM roster WHERE staff_id = :s"), {"s": staff_id}
        ).first()
        if known and known[0]:
            raise CxDeskError(f"{staff_id} is already on the roster; use change-staff.")
        record_one(conn, "StaffEnrolled", payload)


def change_staff(engine: Engine, staff_id: str, **changes: Any) -> None:
    payload = {"staff_id": staff_id, **{k: v for k, v in changes.items() if v is not None}}
    if len(payload) == 1:
        raise ValidationError("Nothing to change.")
    with write_transaction(engine) as conn:
        record_one(conn, "StaffUpdated", payload)


def remove_staff(engine: Engine, staff_id: str) -> None:
    with write_transaction(engine) as conn:
        known = conn.execute(
            text("SELECT active FROM roster WHERE staff_id = :s"), {"s": staff_id}
        ).first()
        if not known or not known[0]:
            raise CxDeskError(f"{staff_id} is not on the roster.")
        record_one(conn, "StaffRemoved", {"staff_id": staff_id})


def new_epoch(engine: Engine, reason: str = "administrator") -> str:
    with write_transaction(engine) as conn:
        return start_new_epoch(conn, reason)


def rejected_events(engine: Engine, limit: int = 200) -> list[dict[str, Any]]:
    """The latest rejected events, newest first, for a supervisor."""
    with read_transaction(engine) as conn:
        rows = conn.execute(
            text(
                "SELECT device, device_seq, event_id, kind, actor, reason, rejected_at "
                "FROM rejected_events ORDER BY rejected_at DESC LIMIT :n"
            ),
            {"n": limit},
        )
        return [dict(r._mapping) for r in rows]


def devices(engine: Engine) -> list[dict[str, Any]]:
    """Every device, with ``refusals``: {status: count} of the 4xx answers it was given."""
    with read_transaction(engine) as conn:
        rows = conn.execute(
            text("SELECT id, location, revoked, last_seq, created_at FROM devices ORDER BY id")
        )
        found = [dict(r._mapping, refusals={}) for r in rows]
        counts = refusal_counts(conn)
    for row in found:
        row["refusals"] = counts.pop(row["id"], {})
    if counts.get("-"):  # requests whose token matched no device
        found.append(
            {
                "id": "-",
                "location": "(unknown token)",
                "revoked": False,
                "last_seq": 0,
                "created_at": "",
                "refusals": counts["-"],
            }
        )
    return found


def refusal_counts(conn) -> dict[str, dict[int, int]]:
    """device -> {HTTP status: how many such refusals}."""
    counts: dict[str, dict[int, int]] = {}
    for device, status, count in conn.execute(
        text("SELECT device, status, count FROM device_refusals")
    ):
        counts.setdefault(device, {})[int(status)] = int(count)
    return counts


def seed_server(engine: Engine, fixtures_dir: Path | None = None) -> int:
    """Record the demo council's seed events as central events, once; returns how many."""
    from cxdesk.seed import seed_events

    with write_transaction(engine) as conn:
        if conn.execute(text("SELECT 1 FROM server_meta WHERE key = 'seeded'")).first():
            return 0
        if conn.execute(text("SELECT 1 FROM roster LIMIT 1")).first():
            # The demo roster's passcodes are published: never add them to a real one.
            raise CxDeskError(
                "This database already has staff on its roster, so the demo council (whose "
                "passcodes are published) is not added. --seed-demo is for a new database."
            )
        items = [
            CentralItem(s.kind, s.payload, actor=s.actor, role=s.role, location=s.location)
            for s in seed_events(fixtures_dir)
        ]
        written = record_central(conn, items)
        conn.execute(
            text("INSERT INTO server_meta (key, value) VALUES ('seeded', :t)"),
            {"t": utc_now_text()},
        )
    return len(written)
