"""The council-wide report tables: issues and stock movements as the central feed says.

Desks hold only their location's share of the feed, so the supervisor's
council-wide log, reconciliation and figures are answered here
(``council_reports``). Reading them from the events table would parse every
issue's JSON on each request; instead the push transaction (``record_scope``,
beside the claims index) keeps two narrow tables, in feed order:

- ``report_issues``: one row per voucher or card, with what the log filters
  and totals on (time, place, advisor, kind, serial, value, the repeat-claim
  action, whether there is an override, the approver, voided or not) and its
  crisis payment request's state. No names and no free text: the reason and
  override words stay in the event's payload (read for the page shown, by
  ``server_seq``) and residents' names in their own events, so an erasure of
  those payloads reaches the log with nothing more to blank here.
- ``report_stock``: one row per stock event (a serial range is one row with its
  size), issue and void, in the shape ``cxdesk.store.supervisor_reports``
  reconciles, and physical counts (``move = 'counted'``, the count in
  ``quantity``).

The first event in feed order wins where desks may disagree (the first void,
the first outcome of a request), as the desks' projections decide.
"""

from __future__ import annotations

from sqlalchemy import Connection, text

from cxdesk.domain.stock import range_size
from cxdesk.events.envelope import Event

ISSUE_KINDS = {"VoucherIssued": "food_voucher", "CardIssued": "payment_card"}
REPORTED = frozenset(
    {
        *ISSUE_KINDS,
        "IssueVoided",
        "CrisisPaymentRequested",
        "CrisisPaymentCompleted",
        "CrisisPaymentDeclined",
        "StockReceived",
        "StockTransferred",
        "StockWrittenOff",
        "StockCounted",
    }
)


def _stock(conn: Connection, seq: int, event: Event, kind: str, move: str, **rest) -> None:
    row = {"condition": None, "to_location": None, "quantity": 1, "issue_id": None, **rest}
    conn.execute(
        text(
            "INSERT INTO report_stock (server_seq, kind, move, condition, location, to_location, "
            "at_ms, quantity, actor, issue_id) VALUES (:s, :k, :m, :condition, :location, "
            ":to_location, :at, :quantity, :actor, :issue_id)"
        ),
        {"s": seq, "k": kind, "m": move, "at": event.occurred_ms, "actor": event.actor, **row},
    )


def _issued(conn: Connection, event: Event, seq: int, location: str) -> None:
    p = event.payload
    check = p["repeat_check"]
    kind = ISSUE_KINDS[event.kind]
    voided = conn.execute(  # a void that reached the feed first (another desk's)
        text("SELECT 1 FROM report_stock WHERE move = 'voided' AND issue_id = :i"),
        {"i": p["issue_id"]},
    ).first()
    conn.execute(
        text(
            "INSERT INTO report_issues (issue_id, server_seq, kind, customer_id, serial, "
            "value_pence, location, actor, at_ms, repeat_action, repeat_matches, has_override, "
            "approved_by, status) VALUES (:i, :s, :k, :c, :serial, :v, :l, :a, :at, :ra, :rm, "
            ":o, :ab, :st) ON CONFLICT (issue_id) DO NOTHING"
        ),
        {
            "i": p["issue_id"],
            "s": seq,
            "k": kind,
            "c": p["customer_id"],
            "serial": p["serial"],
            "v": p["value_pence"],
            "l": location,
            "a": event.actor,
            "at": event.occurred_ms,
            # As the desk's projection says it: the action only when a window was breached.
            # (breached and matches may be absent: the payload's schema defaults them empty.)
            "ra": check["action"] if check.get("breached") else "none",
            "rm": len(check.get("matches", [])) + check.get("more_matches", 0),
            "o": bool(p.get("override_reason")),
            "ab": p.get("approved_by") or "",
            "st": "voided" if voided else "issued",
        },
    )
    _stock(conn, seq, event, kind, "issued", location=location, issue_id=p["issue_id"])


def _voided(conn: Connection, event: Event, seq: int, location: str) -> None:
    p = event.payload
    conn.execute(
        text("UPDATE report_issues SET status = 'voided' WHERE issue_id = :i"),
        {"i": p["issue_id"]},
    )
    if p["kind"] == "payment_card":
        _close_request(conn, "cancelled", event.occurred_ms, issue_id=p["issue_id"])
    # Kept with its issue id: an issue placed later in the feed reads as voided (``_issued``).
    _stock(
        conn,
        seq,
        event,
        p["kind"],
        "voided",
        location=location,
        condition=p["item"],
        issue_id=p["issue_id"],
    )


def _close_request(conn: Connection, outcome: str, at_ms: int, **which: str) -> None:
    """The first outcome in feed order is the request's (a later one changes nothing)."""
    column, value = next(iter(which.items()))
    conn.execute(
        text(
            "UPDATE report_issues SET request_status = :o, closed_ms = :t "
            f"WHERE {column} = :v AND request_status = 'open'"
        ),
        {"o": outcome, "t": at_ms, "v": value},
    )


def _requested(conn: Connection, event: Event) -> None:
    from cxdesk.store.projections.crisis import iso_to_ms

    p = event.payload
    conn.execute(
        text(
            "UPDATE report_issues SET request_id = :r, requested_ms = :at, due_ms = :due, "
            "request_status = CASE WHEN status = 'voided' THEN 'cancelled' ELSE 'open' END, "
            "closed_ms = CASE WHEN status = 'voided' THEN :now ELSE NULL END "
            "WHERE issue_id = :i AND request_id IS NULL"
        ),
        {
            "r": p["request_id"],
            "at": iso_to_ms(p["requested_at"]),
            "due": iso_to_ms(p["due_at"]),
            "now": event.occurred_ms,
            "i": p["issue_id"],
        },
    )


def note_report(conn: Connection, event: Event, seq: int, location: str) -> None:
    """Keep the report tables for an accepted event (push transaction, feed order)."""
    if event.kind not in REPORTED:
        return
    p = event.payload
    if event.kind in ISSUE_KINDS:
        _issued(conn, event, seq, location)
    elif event.kind == "IssueVoided":
        _voided(conn, event, seq, location)
    elif event.kind == "CrisisPaymentRequested":
        _requested(conn, event)
    elif event.kind in ("CrisisPaymentCompleted", "CrisisPaymentDeclined"):
        outcome = "completed" if event.kind == "CrisisPaymentCompleted" else "declined"
        _close_request(conn, outcome, event.occurred_ms, request_id=p["request_id"])
    elif event.kind == "StockReceived":
        size = range_size(p["first"], p["last"])
        _stock(conn, seq, event, p["kind"], "received", location=p["location"], quantity=size)
    elif event.kind == "StockTransferred":
        size = range_size(p["first"], p["last"])
        _stock(
            conn,
            seq,
            event,
            p["kind"],
            "transferred",
            location=p["from_location"],
            to_location=p["to_location"],
            quantity=size,
        )
    elif event.kind == "StockWrittenOff":
        _stock(
            conn,
            seq,
            event,
            p["kind"],
            "written_off",
            location=p["location"],
            condition=p["condition"],
            quantity=len(p["serials"]),
        )
    else:  # StockCounted
        _stock(
            conn, seq, event, p["kind"], "counted", location=p["location"], quantity=p["counted"]
        )


def backfill_reports(conn: Connection) -> None:
    """Fill the report tables from every event held (for a revision that rebuilds them)."""
    from cxdesk.sync.server.push import row_to_event

    kinds = ", ".join(f"'{k}'" for k in sorted(REPORTED))
    rows = conn.execute(
        text(
            "SELECT e.*, d.location AS enrolled_at FROM events e "
            f"LEFT JOIN devices d ON d.id = e.device WHERE e.kind IN ({kinds}) "
            "ORDER BY e.server_seq"
        )
    ).all()
    for r in rows:
        m = r._mapping
        place = m["location"] if m["device"] == "central" else (m["enrolled_at"] or m["location"])
        note_report(conn, row_to_event(r), m["server_seq"], place)
