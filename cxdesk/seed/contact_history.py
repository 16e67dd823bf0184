"""Seed eight weeks of contact history, so a supervisor sees real figures on first start
(ORDER 65, after the reasons list, the directory and the customers).

About 2,000 wrap-ups over the 56 days before the seed, in opening hours: the
Customer Service Centre mostly by phone, the hubs face to face with many
anonymous visits (footfall); reasons drawn with a few far commoner than the
rest, some contacts with two; about one named contact in eight followed by
another for the same reason within a week (so first-contact resolution is not
100%); transfers to directory lines with their outcomes, each team answering
at its own rate; and digital exclusion for some residents.

Named contacts are about the twenty fixture customers and a pool of synthetic
residents (fixed uuid5 ids with no record on the desk): the figures need
hundreds of people, the demo's customer search needs only a few. Everything is
drawn from a seeded ``random.Random``, so ids and mixes repeat; the times are
relative to the moment of seeding, as the other seeds' are.
"""

from __future__ import annotations

import csv
import random
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cxdesk.domain.contacts import utc_text
from cxdesk.seed import SeedEvent
from cxdesk.seed.contacts import reasons_payload
from cxdesk.seed.customers import frontline_at, load_fixture

ORDER = 65
CONTACTS = 2_000
DAYS = 56
SYNTHETIC_RESIDENTS = 1_500
_NS = uuid.UUID("0b6f3c1e-7d2a-4e8b-9c41-5a2d6e7f8a90")
_PLACES = (  # location, share of contacts, share anonymous, channels (weights)
    ("CSC", 0.46, 0.05, {"phone": 0.78, "face": 0.08, "webchat": 0.1, "letter": 0.04}),
    ("HUB-NORTH", 0.16, 0.45, {"face": 0.92, "phone": 0.08}),
    ("HUB-SOUTH", 0.11, 0.45, {"face": 0.92, "phone": 0.08}),
    ("HUB-EAST", 0.1, 0.5, {"face": 0.95, "phone": 0.05}),
    ("HUB-WEST", 0.09, 0.45, {"face": 0.95, "phone": 0.05}),
    ("HUB-RIVERSIDE", 0.08, 0.5, {"face": 0.95, "phone": 0.05}),
)
_OUTCOMES = {
    "resolved": 0.74,
    "signposted": 0.07,
    "advice": 0.06,
    "transferred": 0.06,
    "callback": 0.04,
    "referred": 0.03,
}
_TRANSFER_RESULTS = ("answered", "no_answer", "refused", "wrong_number")
_EXCLUSION = (
    "no_device",
    "no_internet",
    "no_email",
    "skills",
    "disability",
    "language",
    "prefers_not",
)


def _id(name: str) -> str:
    return str(uuid.uuid5(_NS, name))


def _pick(rng: random.Random, weights: dict[str, float]) -> str:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def _when(rng: random.Random, now: datetime) -> datetime:
    """A moment in opening hours (Monday to Saturday, 09:00-17:00 UTC) in the last 56 days."""
    while True:
        day = now - timedelta(days=rng.randint(1, DAYS))
        if day.weekday() == 6:
            continue
        hour = rng.choices(range(9, 17), weights=(9, 12, 11, 10, 8, 9, 7, 5))[0]
        return day.replace(
            hour=hour, minute=rng.randrange(60), second=rng.randrange(60), microsecond=0
        )


def _teams(fixtures_dir: Path) -> list[tuple[str, str]]:
    path = fixtures_dir / "directory.csv"
    with path.open(encoding="utf-8", newline="") as handle:
        rows = [(r["id"], r["team"] or r["name"]) for r in csv.DictReader(handle)]
    return rows[:12]


def events(fixtures_dir: Path) -> Iterator[SeedEvent]:
    reasons_file = fixtures_dir / "contact_reasons.json"
    if not reasons_file.exists() or not (fixtures_dir / "staff.json").exists():
        return
    rng = random.Random(20261130)
    codes = [r["code"] for r in reasons_payload(reasons_file)["reasons"]]
    popularity = {code: 1 / (rank + 2) for rank, code in enumerate(rng.sample(codes, len(codes)))}
    residents = [c["customer_id"] for c in load_fixture(fixtures_dir).get("customers", [])]
    residents += [_id(f"resident-{n}") for n in range(SYNTHETIC_RESIDENTS)]
    teams = _teams(fixtures_dir) if (fixtures_dir / "directory.csv").exists() else []
    answer_rate = {entry: rng.uniform(0.55, 0.92) for entry, _ in teams}
    now = datetime.now(UTC)
    staff = {place: frontline_at(fixtures_dir, place) for place, *_ in _PLACES}
    made = 0
    while made < CONTACTS:
        place, _, anonymous_share, channels = rng.choices(_PLACES, [p[1] for p in _PLACES])[0]
        actor, role = staff[place]
        anonymous = rng.random() < anonymous_share
        who = None if anonymous else rng.choice(residents)
        reasons = [_pick(rng, popularity)]
        if rng.random() < 0.15:
            reasons = list(dict.fromkeys([*reasons, _pick(rng, popularity)]))
        at = _when(rng, now)
        visits = [at]
        if who is not None and rng.random() < 0.125:
            later = at + timedelta(days=rng.randint(1, 6))  # came back: not resolved after all
            visits.append(later.replace(hour=rng.randint(9, 16)))
        for n, moment in enumerate(visits):
            if moment >= now or made >= CONTACTS:
                break
            outcome = _pick(rng, _OUTCOMES)
            if who is None and outcome == "referred":
                outcome = "signposted"
            if n == 0 and len(visits) > 1:
                outcome = "resolved"  # wrapped "resolved here", yet they came back
            payload = {
                "contact_id": _id(f"contact-{made}"),
                "customer_id": who,
                "reasons": reasons,
                "channel": "face" if who is None and place != "CSC" else _pick(rng, channels),
                "outcome": outcome,
                "referral_id": None,
                "at": utc_text(int(moment.timestamp() * 1000)),
            }
            yield SeedEvent("ContactWrapped", payload, actor=actor, role=role, location=place)
            made += 1
            if outcome == "transferred" and teams:
                entry, team = rng.choice(teams)
                answered = rng.random() < answer_rate[entry]
                result = "answered" if answered else rng.choice(_TRANSFER_RESULTS[1:])
                transfer = {
                    "transfer_id": _id(f"transfer-{made}"),
                    "entry_id": entry,
                    "team": team,
                    "result": result,
                    "customer_id": who,
                    "at": payload["at"],
                }
                yield SeedEvent(
                    "TransferOutcomeRecorded", transfer, actor=actor, role=role, location=place
                )
    for n, who in enumerate(residents[::12]):
        why = rng.sample(_EXCLUSION, k=rng.choice((1, 1, 2)))
        actor, role = staff["CSC" if n % 2 else "HUB-NORTH"]
        yield SeedEvent(
            "DigitalExclusionRecorded", {"customer_id": who, "reasons": why}, actor=actor, role=role
        )
