"""Which events an erasure blanks, and how: one rule for the server and every desk.

The hash chain covers a digest of each payload, not the payload, so blanking
personal fields keeps every link verifiable; the digest then no longer matches
the payload, and the store records the event as erased so ``verify`` knows why.
A kind's personal fields are declared with the kind (``event_kind(...,
personal_fields=...)``); strings become "", lists become [], anything else None.

Retention periods are per kind, in days (``RETENTION_DAYS``; an erasure's
payload carries the periods it applied, so desks apply the same). An event is
past retention on a date when it is older than its kind's period on that date.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from cxdesk.events import get_kind, load_all

SIX_YEARS, TWO_YEARS = 2192, 731
RETENTION_DAYS: dict[str, int] = {
    # Money handed over is an accounting record: six years (HMRC, Limitation Act).
    "VoucherIssued": SIX_YEARS,
    "CardIssued": SIX_YEARS,
    "IssueVoided": SIX_YEARS,
    "CrisisPaymentDeclined": SIX_YEARS,
    "LogSignedOff": SIX_YEARS,
    # The resident's record, story and welfare notes: two years after they were written.
    "CustomerRegistered": TWO_YEARS,
    "CustomerDetailsChanged": TWO_YEARS,
    "CustomerNoteAdded": TWO_YEARS,
    "ReferralRaised": TWO_YEARS,
    "ReferralNoteAdded": TWO_YEARS,
    "ReferralCompleted": TWO_YEARS,
    "CrisisFlagged": TWO_YEARS,
    "CrisisFlagClosed": TWO_YEARS,
}


def personal_kinds() -> dict[str, tuple[str, ...]]:
    return {name: k.personal_fields for name, k in load_all().items() if k.personal_fields}


def blank(kind: str, payload: dict[str, Any]) -> dict[str, Any]:
    """The payload with the kind's personal fields blanked (same keys, no personal data)."""
    out = dict(payload)
    for name in get_kind(kind).personal_fields:
        if name not in out or out[name] is None:
            continue
        value = out[name]
        out[name] = "" if isinstance(value, str) else [] if isinstance(value, list) else None
    return out


def cutoff_ms(before: str, days: int) -> int:
    """Events at or after this time (ms) are within ``days`` of ``before``."""
    start = datetime.combine(date.fromisoformat(before), datetime.min.time(), tzinfo=UTC)
    return int((start - timedelta(days=days)).timestamp() * 1000)


def applies(rule: dict[str, Any], kind: str, payload: dict[str, Any], at_ms: int) -> bool:
    """Whether the erasure ``rule`` (a ``RecordsErased`` payload) blanks this event."""
    if not get_kind(kind).personal_fields:
        return False
    if rule.get("customer_id"):
        return payload.get("customer_id") == rule["customer_id"]
    days = rule.get("retention_days", {}).get(kind)
    return days is not None and at_ms < cutoff_ms(rule["before"], days)
