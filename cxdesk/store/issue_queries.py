"""Reads of the issuing component's tables for other components' reports.

The supervisor's anomalies and manager figures ask here for issues and the
repeat-claim policies rather than reading ``issues`` or ``policies``
themselves (``cxdesk.store.projections.issuing`` owns both).
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from cxdesk.domain.serials import SerialFormat
from cxdesk.domain.stock import serial_format
from cxdesk.store import _sql


def card_term(kind: str | None, alias: str = "i") -> str:
    """More condition for a query on ``issues`` filtered by ``kind``: the literal that lets
    SQLite use the partial index ``issues_log_cards`` (a bound parameter cannot), or
    nothing (food vouchers, most issues, read down ``issues_log_time``)."""
    return f" AND {alias}.kind = 'payment_card'" if kind == "payment_card" else ""


@dataclass(frozen=True, slots=True)
class IssueSummary:
    """One voucher or card issue, as reports count it."""

    issue_id: str
    kind: str  # food_voucher | payment_card
    serial: str
    location: str
    actor: str
    at_ms: int
    customer_id: str
    value_pence: int
    override_reason: str
    status: str  # issued | voided


def issues_between(store, start_ms: int, end_ms: int) -> list[IssueSummary]:
    """Every issue made in [start_ms, end_ms), voided ones included."""
    rows = _sql.query(
        store,
        "SELECT issue_id, kind, serial, location, actor, at_ms, customer_id, value_pence, "
        "override_reason, status FROM issues WHERE at_ms >= ? AND at_ms < ?",
        (start_ms, end_ms),
    )
    return [IssueSummary(*r) for r in rows]


def repeat_windows(store) -> dict[str, list[tuple[int, int]]]:
    """Each kind's current repeat-claim windows as (days, most issues allowed)."""
    return {
        kind: [(w["days"], w["max"]) for w in json.loads(windows)]
        for kind, windows in _sql.query(store, "SELECT kind, windows FROM policies")
    }


def policy_serial_format(store, kind: str) -> SerialFormat:
    """The serial format the latest policy for ``kind`` sets, in feed order (or the default).

    One row of ``policies``, which keeps the latest policy's format beside its windows.
    """
    rows = _sql.query(
        store, "SELECT serial_prefix, serial_digits FROM policies WHERE kind = ?", (kind,)
    )
    if not rows:
        return serial_format(kind)
    return serial_format(kind, {"serial_prefix": rows[0][0], "serial_digits": rows[0][1]})
