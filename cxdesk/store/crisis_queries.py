"""Reads for the crisis queue: open crisis flags and crisis payment requests by time left.

A payment request is due one hour after the card was issued (the Welfare
Assistance Team's promise). A crisis flag is given the same one-hour clock to
be seen to, so both kinds sort together by time left; the screen counts down
from ``due_ms`` itself rather than asking SQLite every second.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import NamedTuple

from cxdesk.domain.crisis import signs_text
from cxdesk.domain.sla import PROMISE
from cxdesk.store import _sql

PROMISE_MS = int(PROMISE.total_seconds() * 1000)


@dataclass(frozen=True)
class QueueItem:
    item: str  # "payment" | "flag"
    id: str
    customer_id: str
    customer_name: str
    location: str
    opened_ms: int
    due_ms: int
    what: str  # amount and serial, or the signs seen
    by: str


def open_queue(store, *, include_flags: bool = True) -> list[QueueItem]:
    """Open payment requests (and open crisis flags), soonest due first."""
    items = [
        QueueItem(
            "payment",
            r["request_id"],
            r["customer_id"],
            r["name"] or r["customer_id"],
            r["location"],
            r["requested_at_ms"],
            r["due_ms"],
            f"£{r['amount_pence'] / 100:.2f} on card {r['serial']}",
            r["requested_by"],
        )
        for r in _sql.query(
            store,
            "SELECT r.*, TRIM(c.full_name) AS name FROM crisis_payment_requests r "
            "LEFT JOIN customer_names_v c ON c.customer_id = r.customer_id "
            "WHERE r.status = 'open'",
        )
    ]
    if include_flags:
        items += [
            QueueItem(
                "flag",
                r["flag_id"],
                r["customer_id"],
                r["name"] or r["customer_id"],
                r["location"],
                r["opened_at_ms"],
                r["opened_at_ms"] + PROMISE_MS,
                signs_text(json.loads(r["signs"]), r["other_signs"]),
                r["opened_by"],
            )
            for r in _sql.query(
                store,
                "SELECT f.*, TRIM(c.full_name) AS name FROM crisis_flags f "
                "LEFT JOIN customer_names_v c ON c.customer_id = f.customer_id "
                "WHERE f.status = 'open'",
            )
        ]
    return sorted(items, key=lambda i: (i.due_ms, i.id))


@dataclass(frozen=True, slots=True)
class PaymentRequest:
    """A crisis payment card's request to the Welfare Assistance Team, as it stands."""

    request_id: str
    issue_id: str
    customer_id: str
    serial: str
    amount_pence: int
    location: str
    requested_by: str
    requested_at_ms: int
    due_ms: int
    status: str  # open | completed | declined | cancelled
    completed_at_ms: int | None
    completed_by: str | None
    decline_reason: str | None
    note: str | None


_REQUEST = (
    "SELECT request_id, issue_id, customer_id, serial, amount_pence, location, requested_by, "
    "requested_at_ms, due_ms, status, completed_at_ms, completed_by, decline_reason, note "
    "FROM crisis_payment_requests"
)


def request_for_issue(store, issue_id: str) -> PaymentRequest | None:
    """The payment request a crisis card issue made, if any."""
    rows = _sql.query(store, f"{_REQUEST} WHERE issue_id = ?", (issue_id,))
    return PaymentRequest(*rows[0]) if rows else None


def request(store, request_id: str) -> PaymentRequest | None:
    rows = _sql.query(store, f"{_REQUEST} WHERE request_id = ?", (request_id,))
    return PaymentRequest(*rows[0]) if rows else None


@dataclass(frozen=True, slots=True)
class CrisisFlag:
    """A resident flagged in crisis, and how the flag was closed."""

    flag_id: str
    customer_id: str
    signs: str  # JSON list
    other_signs: str
    actions: str  # JSON list
    opened_at_ms: int
    opened_by: str
    location: str
    status: str  # open | closed
    closed_at_ms: int | None
    closed_by: str | None
    outcome: str | None


def flag(store, flag_id: str) -> CrisisFlag | None:
    rows = _sql.query(
        store,
        "SELECT flag_id, customer_id, signs, other_signs, actions, opened_at_ms, opened_by, "
        "location, status, closed_at_ms, closed_by, outcome FROM crisis_flags WHERE flag_id = ?",
        (flag_id,),
    )
    return CrisisFlag(*rows[0]) if rows else None


@dataclass(frozen=True, slots=True)
class LoadedAfterCancel:
    """Funds loaded onto a card whose request had been cancelled (the issue was voided)."""

    issue_id: str
    loaded_by: str
    loaded_at_ms: int
    amount_pence: int


def loaded_after_cancel(store) -> list[LoadedAfterCancel]:
    """Every completed load on a cancelled request (rare: each one is an anomaly)."""
    rows = _sql.query(
        store,
        "SELECT r.issue_id, u.actor, u.at_ms, r.amount_pence FROM crisis_payment_requests r "
        "JOIN crisis_payment_updates u ON u.request_id = r.request_id "
        "WHERE r.status = 'cancelled' AND u.outcome = 'completed'",
    )
    return [LoadedAfterCancel(*r) for r in rows]


class RequestTiming(NamedTuple):
    """A payment request's times, in the shape the weekly figures count (desk and central)."""

    request_id: str
    issue_id: str
    serial: str
    location: str
    requested_at_ms: int
    due_ms: int
    status: str
    completed_at_ms: int | None


def requests_between(store, start_ms: int, end_ms: int) -> list[RequestTiming]:
    """Requests made in [start_ms, end_ms) that still count (not cancelled)."""
    rows = _sql.query(
        store,
        "SELECT request_id, issue_id, serial, location, requested_at_ms, due_ms, status, "
        "completed_at_ms FROM crisis_payment_requests "
        "WHERE requested_at_ms >= ? AND requested_at_ms < ? AND status != 'cancelled'",
        (start_ms, end_ms),
    )
    return [RequestTiming(*r) for r in rows]
