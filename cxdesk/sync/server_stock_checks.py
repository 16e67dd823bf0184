"""Server checks for stock and issues: known locations, canonical serials.

The desk refuses a receipt at an unknown location or a serial that does not fit
its kind's format (``cxdesk.store.stock_commands``), but the server never takes
a desk's word for it: a changed or old desk could still send ``NOWHERE`` or
``FV0000123`` and make ghost stock that two desks can issue. So the central API
rejects, as malformed, any stock event naming a location no ``LocationDefined``
event in the feed defines, and any stock or issue event whose serial is not
canonical in the format of the kind's latest policy (``domain.serials``).

Locations are read from the feed on each stock event (supervisors' stock
records are rare, so the scan costs little); the policy is found through the
indexed ``subject`` (a ``PolicySet``'s subject is its kind).
"""

from __future__ import annotations

import json

from sqlalchemy import Connection, text

from cxdesk.domain.serials import canonical_serial
from cxdesk.domain.stock import PREFIX_NAMES, serial_format
from cxdesk.errors import ValidationError
from cxdesk.events.envelope import Event
from cxdesk.sync.server_checks import server_check

_LOCATIONS = {
    "StockReceived": ("location",),
    "StockTransferred": ("from_location", "to_location"),
    "StockWrittenOff": ("location",),
    "StockCounted": ("location",),
}
_SERIALS = {
    "StockReceived": ("first", "last"),
    "StockTransferred": ("first", "last"),
    "VoucherIssued": ("serial",),
    "CardIssued": ("serial",),
}
_ISSUE_KIND = {"VoucherIssued": "food_voucher", "CardIssued": "payment_card"}


def known_locations(conn: Connection) -> set[str]:
    """Every location a ``LocationDefined`` event in the feed has defined."""
    rows = conn.execute(text("SELECT payload FROM events WHERE kind = 'LocationDefined'"))
    return {json.loads(row[0]).get("location_id") for row in rows}


def _format(conn: Connection, kind: str):
    row = conn.execute(
        text(
            "SELECT payload FROM events WHERE subject = :k AND kind = 'PolicySet' "
            "ORDER BY server_seq DESC LIMIT 1"
        ),
        {"k": kind},
    ).first()
    return serial_format(kind, json.loads(row[0]) if row else None)


def _locations_known(conn: Connection, event: Event, history: list[Event]) -> str | None:
    fields = _LOCATIONS[event.kind]
    known = known_locations(conn)
    for name in fields:
        place = event.payload.get(name)
        if place not in known:
            return f"{name} {place} is not a known location"
    return None


def _serials_canonical(conn: Connection, event: Event, history: list[Event]) -> str | None:
    kind = _ISSUE_KIND.get(event.kind) or event.payload.get("kind")
    fmt = _format(conn, kind)
    serials = [event.payload.get(name) for name in _SERIALS.get(event.kind, ())]
    serials += event.payload.get("serials") or []
    for serial in serials:
        try:
            canonical = canonical_serial(serial, fmt, kinds=PREFIX_NAMES)
        except ValidationError as error:
            return error.message
        if canonical != serial:
            return f"serial {serial} is not in canonical form: it is {canonical} ({fmt.describe()})"
    return None


for _kind in _LOCATIONS:
    server_check(_kind)(_locations_known)
for _kind in (*_SERIALS, "StockWrittenOff"):
    server_check(_kind)(_serials_canonical)
