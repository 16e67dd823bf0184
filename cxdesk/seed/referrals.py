"""Seed a few demo referrals (``referrals`` in ``fixtures/customers.json``).

They show every state a queue holds: waiting to be accepted, in progress with
a note, overdue, completed, declined back to the sender, and advice given
without consent. Referral ids are derived from the fixture (uuid5), so the desk
and the central API seed the same referrals. ``days_ago`` backdates the raise
time used for the due date, so the demo has an overdue referral to show.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cxdesk.domain.referrals import clean_referral, due_at, make_reference, utc_text
from cxdesk.events.customers import CUSTOMER_ROLES
from cxdesk.seed import SeedEvent
from cxdesk.seed.customers import frontline_at, load_fixture

ORDER = 60
_NAMESPACE = uuid.UUID("6f1d2c3e-8a9b-4c5d-9e0f-a1b2c3d4e5f6")


def _team_name(fixtures_dir: Path, team: str) -> str:
    import csv

    with (fixtures_dir / "directory.csv").open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            if row["id"] == team:
                return row["name"]
    raise ValueError(f"fixture referral to {team!r}, which is not in directory.csv")


def _staff_name(fixtures_dir: Path, staff_id: str) -> str:
    import json

    data = json.loads((fixtures_dir / "staff.json").read_text(encoding="utf-8"))
    people = data.get("staff", []) if isinstance(data, dict) else data
    return next((p["name"] for p in people if p["staff_id"] == staff_id), staff_id)


def events(fixtures_dir: Path) -> Iterator[SeedEvent]:
    if not (fixtures_dir / "staff.json").exists():
        return
    now = datetime.now(UTC)
    for item in load_fixture(fixtures_dir).get("referrals", []):
        clean, errors = clean_referral(item)
        if errors:
            raise ValueError(f"fixture referral for {item['customer']}: {errors}")
        referral_id = str(uuid.uuid5(_NAMESPACE, f"{item['customer']}:{item['to_team']}"))
        raised = now - timedelta(days=item.get("days_ago", 0))
        actor, role = frontline_at(fixtures_dir, item["location"])
        # the receiving team works from the back office
        team_actor, team_role = frontline_at(fixtures_dir, "BACK-OFFICE", CUSTOMER_ROLES)
        team = item["to_team"]
        yield SeedEvent(
            "ReferralRaised",
            {
                **clean,
                "referral_id": referral_id,
                "customer_id": item["customer"],
                "reference": make_reference(referral_id),
                "to_team": team or "advice",
                "to_team_name": _team_name(fixtures_dir, team) if team else "Advice given",
                "consent_obtained_by": _staff_name(fixtures_dir, actor),
                "consent_at": utc_text(raised),
                "due_at": None
                if clean["advice_only"]
                else utc_text(due_at(item["urgency"], raised)),
            },
            actor=actor,
            role=role,
            location=item["location"],
        )
        for kind, extra in item.get("steps", []):
            if kind == "ReferralAccepted":
                extra = {"team": team, **extra}
            base = {"referral_id": referral_id, "customer_id": item["customer"]}
            yield SeedEvent(
                kind, {**base, **extra}, actor=team_actor, role=team_role, location="BACK-OFFICE"
            )
