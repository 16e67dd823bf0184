"""Reading referrals: targets to refer to, the duplicate check, queues, one referral's story.

Staff belong to locations, not teams. A person working a receiving team's
queue chooses the team they are working for on the queue screen; the desk
remembers that choice (``queue_team``), so a Housing back-office desk opens on
Housing's incoming referrals every time. Outgoing referrals are those raised
at the desk's location. Advice given without consent is never in any team's
incoming queue: it stays with the location that recorded it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from cxdesk.domain.referrals import OPEN_STATUSES, is_overdue
from cxdesk.store import _sql, feed
from cxdesk.store.staff_queries import hubs, location_kinds, staff_locations

QUEUE_TEAM_KEY = "referrals.queue_team"


@dataclass(frozen=True)
class Target:
    """A team (directory entry) or a hub that a referral can go to."""

    target_id: str
    name: str
    phone: str
    public: bool
    """False for a priority line that only staff may use."""


def referral_targets(store) -> list[Target]:
    """Every directory team and every hub, by name."""
    from cxdesk.store.directory_queries import load_entries

    targets = [Target(e.id, e.name, e.phone, not e.staff_only) for e in load_entries(store)]
    targets += [Target(hub_id, name, "", False) for hub_id, name in hubs(store)]
    return sorted(targets, key=lambda t: t.name.lower())


def workable_targets(store, staff_id: str, role: str) -> list[Target]:
    """The teams whose incoming queue this person may work (``domain/queue_access.py``)."""
    from cxdesk.domain.queue_access import may_work_queue

    places = staff_locations(store, staff_id)
    kinds = location_kinds(store)
    return [
        t
        for t in referral_targets(store)
        if may_work_queue(role, places, kinds, t.target_id, t.name)
    ]


def get_target(store, target_id: str) -> Target | None:
    return next((t for t in referral_targets(store) if t.target_id == target_id), None)


_LIST_COLUMNS = (
    "r.referral_id, r.reference, r.customer_id, r.to_team, r.to_team_name, r.from_location, "
    "r.raised_at_ms, r.reason_category, r.urgency, r.urgency_rank, r.status, r.due_at, "
    "r.advice_only, r.note_count, r.decline_reason, c.given_name, c.family_name, c.birth_year, "
    "c.postcode_district, COALESCE(l.name, r.from_location) AS from_location_name"
)
_FROM = (
    "FROM referrals r LEFT JOIN customer_names_v c ON c.customer_id = r.customer_id "
    "LEFT JOIN location_names_v l ON l.location_id = r.from_location"
)


@dataclass(frozen=True)
class ReferralLine:
    """One referral in a list: the customer only by name, year of birth and district."""

    referral_id: str
    reference: str
    customer_id: str
    customer: str
    birth_year: int | None
    district: str
    to_team: str
    to_team_name: str
    from_location_name: str
    reason_category: str
    urgency: str
    urgency_rank: int
    status: str
    due_at: str | None
    raised_at_ms: int
    note_count: int
    advice_only: bool
    overdue: bool


def _line(r, now: datetime) -> ReferralLine:
    return ReferralLine(
        referral_id=r["referral_id"],
        reference=r["reference"],
        customer_id=r["customer_id"],
        customer=f"{r['given_name'] or '?'} {r['family_name'] or ''}".strip(),
        birth_year=r["birth_year"],
        district=r["postcode_district"] or "",
        to_team=r["to_team"],
        to_team_name=r["to_team_name"],
        from_location_name=r["from_location_name"],
        reason_category=r["reason_category"],
        urgency=r["urgency"],
        urgency_rank=r["urgency_rank"],
        status=r["status"],
        due_at=r["due_at"],
        raised_at_ms=r["raised_at_ms"],
        note_count=r["note_count"],
        advice_only=bool(r["advice_only"]),
        overdue=is_overdue(r["status"], r["due_at"], now),
    )


SORTS = {
    "due": lambda line: (line.due_at or "9999", line.urgency_rank),
    "urgency": lambda line: (line.urgency_rank, line.due_at or "9999"),
}


def incoming(store, team: str, *, sort: str = "due", now: datetime | None = None, open_only=True):
    """A team's incoming referrals (never advice-only records), sorted by ``sort``."""
    now = now or datetime.now(UTC)
    where = "r.to_team = ? AND r.advice_only = 0"
    if open_only:
        where += f" AND r.status IN ({', '.join(repr(s) for s in sorted(OPEN_STATUSES))})"
    rows = _sql.query(store, f"SELECT {_LIST_COLUMNS} {_FROM} WHERE {where}", (team,))
    return sorted((_line(r, now) for r in rows), key=SORTS[sort])


def outgoing(
    store, location: str, *, sort: str = "due", now: datetime | None = None, open_only=True
):
    """Referrals raised at ``location``: open ones and declined ones (back with the sender);
    with ``open_only=False`` completed ones too, so the sender sees how each one ended."""
    now = now or datetime.now(UTC)
    where = "r.from_location = ? AND r.advice_only = 0"
    if open_only:
        where += " AND r.status IN ('raised', 'accepted', 'in_progress', 'declined')"
    rows = _sql.query(store, f"SELECT {_LIST_COLUMNS} {_FROM} WHERE {where}", (location,))
    return sorted((_line(r, now) for r in rows), key=SORTS[sort])


def customer_referrals(store, customer_id: str, *, now: datetime | None = None):
    """Every referral (and advice record) for one customer, newest first."""
    now = now or datetime.now(UTC)
    rows = _sql.query(
        store,
        f"SELECT {_LIST_COLUMNS} {_FROM} WHERE r.customer_id = ? ORDER BY r.raised_at_ms DESC",
        (customer_id,),
    )
    return [_line(r, now) for r in rows]


def open_referral_to(store, customer_id: str, team: str) -> ReferralLine | None:
    """An open referral for this customer to this team, if there is one (the duplicate check)."""
    statuses = ", ".join(repr(s) for s in sorted(OPEN_STATUSES))
    rows = _sql.query(
        store,
        f"SELECT {_LIST_COLUMNS} {_FROM} WHERE r.customer_id = ? AND r.to_team = ? "
        f"AND r.advice_only = 0 AND r.status IN ({statuses}) ORDER BY r.raised_at_ms DESC LIMIT 1",
        (customer_id, team),
    )
    return _line(rows[0], datetime.now(UTC)) if rows else None


@dataclass(frozen=True, slots=True)
class ReferralRecord:
    """Every detail of one referral, with its customer's name and how to reach them."""

    referral_id: str
    reference: str
    customer_id: str
    to_team: str
    to_team_name: str
    from_location: str
    raised_by: str
    raised_at_ms: int
    reason_category: str
    story: str
    urgency: str
    urgency_rank: int
    vulnerability_flags: tuple[str, ...]
    already_told: str
    customer_actions: str
    consent: str
    consent_method: str
    consent_obtained_by: str
    consent_at: str
    advice_only: bool
    status: str
    due_at: str | None
    outcome: str | None
    decline_reason: str | None
    declined_by_team: str | None
    note_count: int
    updated_at_ms: int
    updated_by: str
    # The customer (None when this desk does not hold their record).
    given_name: str | None
    family_name: str | None
    birth_year: int | None
    postcode_district: str | None
    customer_phone: str | None
    preferred_contact: str | None
    contact_times: str | None
    from_location_name: str
    raised_by_name: str


_REFERRAL_COLUMNS = ", ".join(f"r.{f}" for f in list(ReferralRecord.__dataclass_fields__)[:28])
"""The ``referrals`` columns: the record's fields before the customer's."""


def get_referral(store, referral_id: str) -> ReferralRecord | None:
    """Every detail of one referral, with its customer's name."""
    rows = _sql.query(
        store,
        f"SELECT {_REFERRAL_COLUMNS}, "
        "c.given_name, c.family_name, c.birth_year, c.postcode_district, "
        "k.phone AS customer_phone, k.preferred_contact, k.contact_times, "
        "COALESCE(l.name, r.from_location) AS from_location_name, "
        "COALESCE(s.name, r.raised_by) AS raised_by_name "
        "FROM referrals r LEFT JOIN customer_names_v c ON c.customer_id = r.customer_id "
        "LEFT JOIN customer_contacts_v k ON k.customer_id = r.customer_id "
        "LEFT JOIN location_names_v l ON l.location_id = r.from_location "
        "LEFT JOIN staff_names_v s ON s.staff_id = r.raised_by WHERE r.referral_id = ?",
        (referral_id,),
    )
    if not rows:
        return None
    record = dict(rows[0])
    record["vulnerability_flags"] = tuple(json.loads(record["vulnerability_flags"]))
    record["advice_only"] = bool(record["advice_only"])
    return ReferralRecord(**record)


@dataclass(frozen=True, slots=True)
class ReferralStep:
    """One step of a referral: the event, who took it, where, and whether it took effect."""

    event_id: str
    kind: str
    payload: dict[str, Any]  # the event's own payload (its fields differ per kind)
    at_ms: int
    applied: bool  # False: a step the referral's state machine refused
    location: str
    actor_name: str
    location_name: str


def referral_steps(store, referral_id: str) -> list[ReferralStep]:
    """Every step of a referral, oldest first, with who, where and whether it took effect."""
    rows = _sql.query(
        store,
        "SELECT r.event_id, r.kind, r.payload, r.at_ms, r.applied, r.location, "
        "COALESCE(s.name, r.actor) AS actor_name, COALESCE(l.name, r.location) AS location_name "
        "FROM referral_events r LEFT JOIN staff_names_v s ON s.staff_id = r.actor "
        "LEFT JOIN location_names_v l ON l.location_id = r.location "
        "WHERE r.referral_id = ? ORDER BY r.at_ms, r.event_id",
        (referral_id,),
    )
    return [
        ReferralStep(r[0], r[1], json.loads(r[2]), r[3], bool(r[4]), r[5], r[6], r[7]) for r in rows
    ]


def referral_history(store, referral_id: str) -> list[tuple[str, dict]]:
    """The referral's events as (kind, payload) in this desk's best view of feed order."""
    rows = _sql.query(
        store,
        f"SELECT r.kind, r.payload FROM referral_events r {feed.join_events('r.event_id')} "
        f"WHERE r.referral_id = ? AND {feed.NOT_REJECTED} ORDER BY {feed.ORDER}",
        (referral_id,),
    )
    return [(r["kind"], json.loads(r["payload"])) for r in rows]


def queue_team(store) -> str | None:
    """The team this desk last worked the incoming queue for."""
    return _sql.state(store, QUEUE_TEAM_KEY)


def set_queue_team(store, team: str) -> None:
    with store.transaction() as conn:
        store.set_state(conn, QUEUE_TEAM_KEY, team)


def referral_of_event(store, event_id: str) -> str | None:
    """The referral a timeline event belongs to, if it is a referral event."""
    return _sql.scalar(
        store, "SELECT referral_id FROM referral_events WHERE event_id = ?", (event_id,)
    )
