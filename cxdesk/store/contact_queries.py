"""Reads for the contact log: the council's reasons list, the FCR window, digital exclusion."""

from __future__ import annotations

import json

from cxdesk.domain.contact_reasons import ContactReason, ReasonIndex
from cxdesk.domain.contacts import DEFAULT_FCR_DAYS


def reasons(store) -> list[ContactReason]:
    """The council's contact reasons, in the list's own order (empty before the first sync)."""
    return [
        ContactReason(code=r["code"], label=r["label"], keywords=json.loads(r["keywords"]))
        for r in store.query("SELECT * FROM contact_reasons ORDER BY position")
    ]


def reason_labels(store) -> dict[str, str]:
    return {r["code"]: r["label"] for r in store.query("SELECT code, label FROM contact_reasons")}


def reason_index(store) -> ReasonIndex:
    return ReasonIndex(reasons(store))


def fcr_window_days(store) -> int:
    value = store.scalar("SELECT value FROM contact_settings WHERE key = 'fcr_window_days'")
    return int(value) if value else DEFAULT_FCR_DAYS


def digital_exclusion(store, customer_id: str) -> list[str]:
    """Why this resident cannot use online services (codes), or [] if nothing is recorded."""
    value = store.scalar(
        "SELECT reasons FROM digital_exclusion WHERE customer_id = ?", (customer_id,)
    )
    return json.loads(value) if value else []


def contact_count(store) -> int:
    return int(store.scalar("SELECT COUNT(*) FROM contacts") or 0)


def customer_contacts(store, customer_id: str, limit: int = 20) -> list[dict]:
    """A resident's latest wrap-ups with their reasons, newest first."""
    rows = store.query(
        "SELECT c.*, (SELECT json_group_array(reason) FROM contact_reason_links l "
        "WHERE l.contact_id = c.contact_id) AS reasons FROM contacts c "
        "WHERE c.customer_id = ? ORDER BY c.at_ms DESC LIMIT ?",
        (customer_id, limit),
    )
    return [dict(r) | {"reasons": json.loads(r["reasons"])} for r in rows]
