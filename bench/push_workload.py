"""A desk's day of signed work for the push benchmarks: views, wrap-ups and referrals.

Every event is made by an advisor on the server's roster and carries their
Ed25519 signature, so a push of them costs what a real one does: the roster
and signature check, the per-kind checks that read a subject's history (a
wrap-up's contact, a referral's earlier steps) and the council's reasons list.
Cycles of four: a record viewed, a contact wrapped up, a referral raised and
the referral accepted.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ADVISOR = "A1"
LOCATION = "CSC"
PASSCODE = "bench passcode, kettle on"


def prepare_server(engine, keys) -> None:
    """The advisor on the roster and the council's contact reasons (central events)."""
    from cxdesk.seed.contacts import reasons_payload
    from cxdesk.sync.server import admin
    from cxdesk.sync.server.central import record_one
    from cxdesk.sync.server.db import write_transaction

    admin.add_staff(
        engine,
        ADVISOR,
        name="Ada",
        role="advisor",
        locations=[LOCATION],
        key_fields=keys.roster_fields(),
    )
    reasons = reasons_payload(ROOT / "fixtures" / "contact_reasons.json")
    with write_transaction(engine) as conn:
        record_one(conn, "ContactReasonsSet", reasons, actor="S1", role="supervisor")


def day_of_work(count: int) -> list[tuple[str, dict]]:
    """``count`` (kind, payload) pairs, in cycles of four."""
    work: list[tuple[str, dict]] = []
    for i in range(count // 4 + 1):
        customer, referral = str(uuid.uuid4()), str(uuid.uuid4())
        at = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        work += [
            ("CustomerRecordViewed", {"customer_id": customer, "reason": "phone call"}),
            (
                "ContactWrapped",
                {
                    "contact_id": f"C-{uuid.uuid4().hex[:20]}",
                    "customer_id": customer,
                    "reasons": ["council-tax-bill"],
                    "channel": "phone",
                    "outcome": "referred",
                    "referral_id": referral,
                    "at": at,
                },
            ),
            (
                "ReferralRaised",
                {
                    "referral_id": referral,
                    "customer_id": customer,
                    "reference": f"R-{i % 10000:04d}-{(i // 10000) % 10000:04d}",
                    "to_team": "CSC",
                    "to_team_name": "Customer service centre",
                    "reason_category": "Council tax",
                    "story": f"Bill arrived twice this month ({i}); wants it checked.",
                    "urgency": "standard",
                    "consent": "given",
                    "consent_method": "verbal",
                    "consent_obtained_by": "Ada",
                    "consent_at": at,
                    "advice_only": False,
                },
            ),
            (
                "ReferralAccepted",
                {"referral_id": referral, "customer_id": customer, "team": "CSC"},
            ),
        ]
    return work[:count]


def fill_outbox(store, keys, count: int) -> None:
    """Record ``count`` signed events at the desk (what the push then sends)."""
    from cxdesk.store.eventlog import append_local

    work = day_of_work(count)
    for start in range(0, count, 1000):
        with store.transaction() as conn:
            for kind, payload in work[start : start + 1000]:
                append_local(
                    conn,
                    store.clock,
                    kind=kind,
                    payload=payload,
                    actor=ADVISOR,
                    role="advisor",
                    device=store.device_id,
                    location=store.location,
                    keys=keys,
                )
