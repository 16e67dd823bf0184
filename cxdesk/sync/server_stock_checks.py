"""Server checks for stock and issues: serials canonical in their kind's format.

The desk refuses a serial that does not fit its kind's format
(``cxdesk.store.stock_commands``), but the server never takes a desk's word for
it: a changed or old desk could still send ``FV0000123`` beside ``FV000123``
and make ghost stock that two desks can issue. So the central API rejects, as
malformed, any stock or issue event whose serial is not canonical in the format
of the kind's latest policy (``domain.serials``), found through the indexed
``subject`` (a ``PolicySet``'s subject is its kind). Unknown locations in stock
events are refused by ``cxdesk.sync.server.trust``.
"""

from __future__ import annotations

import json

from sqlalchemy import Connection, text

from cxdesk.domain.serials import canonical_serial
from cxdesk.domain.stock import PREFIX_NAMES, serial_format
from cxdesk.errors import ValidationError
from cxdesk.events.envelope import Event
from cxdesk.sync.server_checks import push_memo, server_check

_SERIALS = {
    "StockReceived": ("first", "last"),
    "StockTransferred": ("first", "last"),
    "VoucherIssued": ("serial",),
    "CardIssued": ("serial",),
}
_ISSUE_KIND = {"VoucherIssued": "food_voucher", "CardIssued": "payment_card"}


def _format(conn: Connection, kind: str):
    return push_memo(conn, ("serial_format", kind), lambda: _read_format(conn, kind))


def _read_format(conn: Connection, kind: str):
    row = conn.execute(
        text(
            "SELECT payload FROM events WHERE subject = :k AND kind = 'PolicySet' "
            "ORDER BY server_seq DESC LIMIT 1"
        ),
        {"k": kind},
    ).first()
    return serial_format(kind, json.loads(row[0]) if row else None)


def _serials_canonical(conn: Connection, event: Event, history: list[Event]) -> str | None:
    kind = _ISSUE_KIND.get(event.kind) or event.payload.get("kind")
    if not isinstance(kind, str):  # the payload model requires it; never trust that here
        return "the event names no stock kind"
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


for _kind in (*_SERIALS, "StockWrittenOff"):
    server_check(_kind)(_serials_canonical)
