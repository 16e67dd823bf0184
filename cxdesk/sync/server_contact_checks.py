"""Server checks for the contact log: reasons from the council's list, a believable time.

A wrap-up's reasons must be on the server's own latest ``ContactReasonsSet``
(not the list the desk says it had): figures by reason are only worth having
if every desk counts against the same list. A wrap-up, an unwrapped contact
or a transfer outcome says when it happened (``at``), so a wrap-up made a few
minutes after the call counts in the right hour; the server believes that time
only within a day before the event's own clock (itself checked against the
server's clock) and not after it. Events the server writes itself (the demo's
eight weeks of history) are exempt.
"""

from __future__ import annotations

import json

from sqlalchemy import Connection

from cxdesk.domain.contacts import DAY_MS, parse_utc_ms
from cxdesk.events.contacts import REASONS_LIST
from cxdesk.events.envelope import Event, hlc_millis
from cxdesk.sync.protocol import CENTRAL_DEVICE
from cxdesk.sync.server_checks import MemoRead, memo_read, server_check

SLACK_MS = 60_000
"""A wrap-up's time may run this far past its event's clock (the two are read apart)."""


def _reasons_of(rows: list[tuple]) -> set[str] | None:
    return None if not rows else {r["code"] for r in json.loads(rows[0][0])["reasons"]}


_REASONS = memo_read(
    ["ContactWrapped"],
    MemoRead(
        "council_reasons",
        "SELECT payload FROM events WHERE kind = 'ContactReasonsSet' AND subject = :s "
        "ORDER BY server_seq DESC LIMIT 1",
        {"s": REASONS_LIST},
        _reasons_of,
    ),
)


def council_reasons(conn: Connection) -> set[str] | None:
    """Codes on the latest reasons list in feed order, or None if the server has none
    (read once per push, with the push's other reads when it has wrap-ups)."""
    return _REASONS.value(conn)


def time_problem(event: Event) -> str | None:
    """Why the payload's ``at`` cannot be believed for this event, or None."""
    if event.device == CENTRAL_DEVICE:
        return None
    at, stamped = parse_utc_ms(event.payload["at"]), hlc_millis(event.hlc)
    if at > stamped + SLACK_MS:
        return "the contact's time is after the event was recorded"
    if at < stamped - DAY_MS:
        return "the contact's time is more than a day before it was recorded"
    return None


@server_check("ContactWrapped")
def _wrapped(conn: Connection, event: Event, history: list[Event]) -> str | None:
    if history:
        return f"contact {event.payload['contact_id']} is already wrapped up"
    known = council_reasons(conn)
    if known is None:
        return "the server has no list of contact reasons yet (cxdesk admin set-contact-reasons)"
    unknown = [r for r in event.payload["reasons"] if r not in known]
    if unknown:
        return f"contact reason {unknown[0][:40]!r} is not on the council's list"
    return time_problem(event)


@server_check("ContactLeftUnwrapped")
@server_check("TransferOutcomeRecorded")
def _timed(conn: Connection, event: Event, history: list[Event]) -> str | None:
    return time_problem(event)
