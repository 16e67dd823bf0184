"""Reads for the contact log: the council's reasons list, the FCR window, digital exclusion."""

from __future__ import annotations

import json
from dataclasses import dataclass

from cxdesk.domain import deskclock
from cxdesk.domain.contact_reasons import ContactReason, ReasonIndex
from cxdesk.domain.contacts import DAY_MS, DEFAULT_FCR_DAYS
from cxdesk.store import _sql


def reasons(store) -> list[ContactReason]:
    """The council's contact reasons, in the list's own order (empty before the first sync)."""
    return [
        ContactReason(code=r["code"], label=r["label"], keywords=json.loads(r["keywords"]))
        for r in _sql.query(store, "SELECT * FROM contact_reasons ORDER BY position")
    ]


def has_reasons(store) -> bool:
    """Whether this desk holds the council's reasons list (a wrap-up is possible)."""
    return _sql.scalar(store, "SELECT 1 FROM contact_reasons LIMIT 1") is not None


def reason_labels(store) -> dict[str, str]:
    return {
        r["code"]: r["label"] for r in _sql.query(store, "SELECT code, label FROM contact_reasons")
    }


def reason_index(store, *, favour: str | None = None, days: int = 28) -> ReasonIndex:
    """The reasons to search; with ``favour`` (a location), those most used there in the
    last ``days`` come first, so an empty search offers the commonest and Enter picks it."""
    listed = reasons(store)
    if favour is None:
        return ReasonIndex(listed)
    since = deskclock.now_ms() - days * DAY_MS
    counts = {
        r["reason"]: r["n"]
        for r in _sql.query(
            store,
            "SELECT l.reason, COUNT(*) AS n FROM contact_reason_links l "
            "JOIN contacts c ON c.contact_id = l.contact_id "
            "WHERE l.at_ms >= ? AND c.location = ? GROUP BY l.reason",
            (since, favour),
        )
    }
    return ReasonIndex(sorted(listed, key=lambda r: -counts.get(r.code, 0)))


def fcr_window_days(store) -> int:
    value = _sql.scalar(store, "SELECT value FROM contact_settings WHERE key = 'fcr_window_days'")
    return int(value) if value else DEFAULT_FCR_DAYS


def digital_exclusion(store, customer_id: str) -> list[str]:
    """Why this resident cannot use online services (codes), or [] if nothing is recorded."""
    value = _sql.scalar(
        store, "SELECT reasons FROM digital_exclusion WHERE customer_id = ?", (customer_id,)
    )
    return json.loads(value) if value else []


def contact_count(store) -> int:
    return int(_sql.scalar(store, "SELECT COUNT(*) FROM contacts") or 0)


@dataclass(frozen=True, slots=True)
class ContactRecord:
    """One wrap-up of a contact: how it came, how it ended, why (reason codes)."""

    contact_id: str
    event_id: str
    customer_id: str | None  # None: anonymous (hub footfall)
    channel: str
    outcome: str
    referral_id: str | None
    at_ms: int
    day: str  # UK local date
    hour: int  # UK local hour
    week: str  # ISO week, 2026-W48
    location: str
    actor: str
    reasons: tuple[str, ...]


def customer_contacts(store, customer_id: str, limit: int = 20) -> list[ContactRecord]:
    """A resident's latest wrap-ups with their reasons, newest first."""
    rows = _sql.query(
        store,
        "SELECT c.contact_id, c.event_id, c.customer_id, c.channel, c.outcome, c.referral_id, "
        "c.at_ms, c.day, c.hour, c.week, c.location, c.actor, "
        "(SELECT json_group_array(reason) FROM contact_reason_links l "
        "WHERE l.contact_id = c.contact_id) AS reasons FROM contacts c "
        "WHERE c.customer_id = ? ORDER BY c.at_ms DESC LIMIT ?",
        (customer_id, limit),
    )
    out = []
    for r in rows:
        fields = dict(r)
        reasons = tuple(json.loads(fields.pop("reasons")))
        out.append(ContactRecord(**fields, reasons=reasons))
    return out


def referrals_by(store, customer_id: str, staff_id: str) -> list[str]:
    """Ids of the referrals ``staff_id`` raised for this resident, newest first."""
    return [
        r["referral_id"]
        for r in _sql.query(
            store,
            "SELECT referral_id FROM referrals WHERE customer_id = ? AND raised_by = ? "
            "ORDER BY raised_at_ms DESC",
            (customer_id, staff_id),
        )
    ]
