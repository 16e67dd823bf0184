"""Projections of referrals: the current state of each, and every step with its author.

``referral_events`` keeps each referral event (insert-only). The ``referrals``
row is recomputed from them in feed order through the domain's state machine
(``cxdesk.domain.referrals.next_status``), skipping steps it does not allow, so
two desks that both accepted a referral while offline agree, once synced, on
the one acceptance the server took.
"""

from __future__ import annotations

import json
import sqlite3
from typing import TYPE_CHECKING

from cxdesk.domain.referrals import REFERRAL_KINDS, next_status
from cxdesk.events.envelope import hlc_millis
from cxdesk.store import feed
from cxdesk.store.components import Component, register

if TYPE_CHECKING:
    from cxdesk.events.envelope import Event

V1 = """
CREATE TABLE referrals (
    referral_id TEXT PRIMARY KEY,
    reference TEXT NOT NULL,
    customer_id TEXT NOT NULL,
    to_team TEXT NOT NULL,
    to_team_name TEXT NOT NULL,
    from_location TEXT NOT NULL,
    raised_by TEXT NOT NULL,
    raised_at_ms INTEGER NOT NULL,
    reason_category TEXT NOT NULL,
    story TEXT NOT NULL,
    urgency TEXT NOT NULL,
    urgency_rank INTEGER NOT NULL,
    vulnerability_flags TEXT NOT NULL,   -- JSON list
    already_told TEXT NOT NULL,
    customer_actions TEXT NOT NULL,
    consent TEXT NOT NULL,
    consent_method TEXT NOT NULL,
    consent_obtained_by TEXT NOT NULL,
    consent_at TEXT NOT NULL,
    advice_only INTEGER NOT NULL,
    status TEXT NOT NULL,
    due_at TEXT,
    outcome TEXT,
    decline_reason TEXT,
    declined_by_team TEXT,
    note_count INTEGER NOT NULL,
    updated_at_ms INTEGER NOT NULL,
    updated_by TEXT NOT NULL
);
CREATE INDEX referrals_customer ON referrals (customer_id);
CREATE INDEX referrals_team ON referrals (to_team, status);
CREATE INDEX referrals_from ON referrals (from_location, status);

CREATE TABLE referral_events (
    event_id TEXT PRIMARY KEY,
    referral_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    payload TEXT NOT NULL,
    actor TEXT NOT NULL,
    location TEXT NOT NULL,
    at_ms INTEGER NOT NULL,
    applied INTEGER NOT NULL DEFAULT 1   -- 0: a step the state machine refused
);
CREATE INDEX referral_events_referral ON referral_events (referral_id);
"""

referrals = register(
    Component("referrals", migrations=[V1], tables=("referrals", "referral_events"))
)
_URGENCY_RANK = {"immediate": 0, "urgent": 1, "standard": 2}
_FEED_ORDER = (
    "SELECT r.event_id, r.kind, r.payload, r.actor, r.location, r.at_ms FROM referral_events r "
    f"{feed.join_events('r.event_id')} "
    f"WHERE r.referral_id = ? AND {feed.NOT_REJECTED} ORDER BY {feed.ORDER}"
)


def recompute_referral(conn: sqlite3.Connection, referral_id: str) -> None:
    """Replay one referral's steps in feed order into its ``referrals`` row."""
    row: dict | None = None
    status: str | None = None
    for event_id, kind, payload_text, actor, location, at_ms in conn.execute(
        _FEED_ORDER, (referral_id,)
    ).fetchall():
        p = json.loads(payload_text)
        after = next_status(status, kind, p)
        conn.execute(
            "UPDATE referral_events SET applied = ? WHERE event_id = ?",
            (int(after is not None), event_id),
        )
        if after is None:
            continue
        status = after
        if kind == "ReferralRaised":
            row = {k: p.get(k) for k in _RAISED_FIELDS}
            row.update(
                referral_id=referral_id,
                from_location=location,
                raised_by=actor,
                raised_at_ms=at_ms,
                urgency_rank=_URGENCY_RANK[p["urgency"]],
                vulnerability_flags=json.dumps(p.get("vulnerability_flags") or []),
                advice_only=int(bool(p["advice_only"])),
                outcome=None,
                decline_reason=None,
                declined_by_team=None,
                note_count=0,
            )
        elif row is None:  # nothing can happen to a referral before it is raised
            continue
        elif kind == "ReferralNoteAdded":
            row["note_count"] += 1
        elif kind == "ReferralCompleted":
            row["outcome"] = p["outcome"]
        elif kind == "ReferralDeclined":
            row["decline_reason"] = p["reason"]
            row["declined_by_team"] = row["to_team"]
        elif kind == "ReferralReassigned":
            row.update(to_team=p["to_team"], to_team_name=p["to_team_name"], due_at=p.get("due_at"))
        row.update(status=status, updated_at_ms=at_ms, updated_by=actor)
    if row is None:
        return
    names = ", ".join(row)
    marks = ", ".join(f":{k}" for k in row)
    conn.execute(f"INSERT OR REPLACE INTO referrals ({names}) VALUES ({marks})", row)


_RAISED_FIELDS = (
    "reference",
    "customer_id",
    "to_team",
    "to_team_name",
    "reason_category",
    "story",
    "urgency",
    "already_told",
    "customer_actions",
    "consent",
    "consent_method",
    "consent_obtained_by",
    "consent_at",
    "due_at",
)


@referrals.handles(*REFERRAL_KINDS)
def _step(conn: sqlite3.Connection, event: Event) -> None:
    conn.execute(
        "INSERT OR IGNORE INTO referral_events "
        "(event_id, referral_id, kind, payload, actor, location, at_ms) VALUES (?,?,?,?,?,?,?)",
        (
            event.id,
            event.payload["referral_id"],
            event.kind,
            json.dumps(event.payload, sort_keys=True),
            event.actor,
            event.location,
            hlc_millis(event.hlc),
        ),
    )
    recompute_referral(conn, event.payload["referral_id"])


@referrals.acknowledged
def _placed(conn: sqlite3.Connection, event: Event) -> None:
    recompute_referral(conn, event.payload["referral_id"])
