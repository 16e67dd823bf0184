"""Reads of the issuing component's tables for other components' reports.

The supervisor's anomalies and manager figures ask here for issues and the
repeat-claim policies rather than reading ``issues`` or ``policies``
themselves (``cxdesk.store.projections.issuing`` owns both).
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from cxdesk.store import _sql, feed


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


def latest_policy(store, kind: str) -> dict | None:
    """The payload of the latest ``PolicySet`` for ``kind`` in feed order, or None.

    The whole event payload (its serial format included), where ``policies``
    keeps only what the repeat-claim check needs.
    """
    rows = _sql.query(
        store,
        f"SELECT e.payload FROM policy_versions v {feed.join_events('v.event_id')} "
        f"WHERE v.kind = ? AND {feed.NOT_REJECTED} ORDER BY {feed.LATEST_FIRST} LIMIT 1",
        (kind,),
    )
    return json.loads(rows[0]["payload"]) if rows else None
