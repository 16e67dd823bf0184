"""Referral rules with no store and no screen: lifecycle, due dates, consent, the form's checks.

The lifecycle is a small state machine. The desk projection replays a
referral's events in feed order through ``next_status``, skipping what is not
allowed, and the central API refuses the same impossible steps with
``check_referral_event``; so two desks that accept the same referral offline
end with one acceptance, everywhere.

Due dates count working time (09:00-17:00 Europe/London, Monday to Friday,
not on England and Wales bank holidays, from the ``holidays`` package):
immediate within 2 working hours, urgent by the end of the next working day,
standard by the end of the fifth working day.

Consent: a referral shares the customer's story with another team, so it needs
the customer's consent. Without it the advisor can still record the advice
they gave ("advice given"); that record is never shown to the team.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from cxdesk.domain import validation as v
from cxdesk.errors import ValidationError

LONDON = ZoneInfo("Europe/London")
DAY_START, DAY_END = time(9, 0), time(17, 0)

URGENCIES = {
    "immediate": "within 2 working hours",
    "urgent": "by the end of the next working day",
    "standard": "within 5 working days",
}
URGENCY_RANK = {"immediate": 0, "urgent": 1, "standard": 2}
REASON_CATEGORIES = (
    "Housing and homelessness",
    "Council tax",
    "Benefits and money",
    "Food and crisis support",
    "Adult social care",
    "Children and families",
    "Health and wellbeing",
    "Other",
)
CONSENT_METHODS = ("in person, verbal", "by phone, verbal", "in writing", "by a carer or advocate")

STATUSES = ("raised", "accepted", "in_progress", "completed", "declined", "advice_given")
OPEN_STATUSES = frozenset({"raised", "accepted", "in_progress"})
STATUS_LABELS = {
    "raised": "Raised",
    "accepted": "Accepted",
    "in_progress": "In progress",
    "completed": "Completed",
    "declined": "Declined",
    "advice_given": "Advice given",
}
# step -> (statuses it may follow, status it leads to)
_STEPS: dict[str, tuple[frozenset[str], str]] = {
    "accepted": (frozenset({"raised"}), "accepted"),
    "in_progress": (frozenset({"accepted"}), "in_progress"),
    "completed": (frozenset({"accepted", "in_progress"}), "completed"),
    "declined": (frozenset({"raised", "accepted"}), "declined"),
    "reassigned": (frozenset({"raised", "accepted", "in_progress", "declined"}), "raised"),
}
KIND_STEPS = {
    "ReferralAccepted": "accepted",
    "ReferralStarted": "in_progress",
    "ReferralCompleted": "completed",
    "ReferralDeclined": "declined",
    "ReferralReassigned": "reassigned",
}
REFERRAL_KINDS = ("ReferralRaised", "ReferralNoteAdded", *KIND_STEPS)


def referral_transition_allowed(current: str, new: str) -> bool:
    """Whether a referral in status ``current`` may take step ``new`` (e.g. "accepted")."""
    allowed_from, _ = _STEPS.get(new, (frozenset(), ""))
    return current in allowed_from


class StepReferral(Protocol):
    """What ``whose_step`` reads of a referral (``referral_queries.ReferralRecord`` has it)."""

    @property
    def status(self) -> str: ...
    @property
    def from_location(self) -> str: ...
    @property
    def to_team(self) -> str: ...
    @property
    def to_team_name(self) -> str: ...


def whose_step(
    new: str, referral: StepReferral, working_team: str | None, desk_location: str | None
) -> str | None:
    """Who may take step ``new`` on this referral from this desk; None if this desk may.

    The receiving team works a referral (accept, start, complete, decline, pass
    it on): a desk acts for a team once its queue is set to that team. A
    declined referral is back with the sender, whose location passes it on.
    """
    if new == "reassigned" and referral.status == "declined":
        if desk_location == referral.from_location:
            return None
        return f"Only {referral.from_location}, who sent it, can pass it on now."
    if working_team == referral.to_team:
        return None
    return (
        f"Only {referral.to_team_name} can do that. If you work for that team, "
        "choose it in the queues (F4, then T) first."
    )


def next_status(current: str | None, kind: str, payload: dict[str, Any]) -> str | None:
    """The status after event ``kind``, or None if the event is not allowed now."""
    if kind == "ReferralRaised":
        if current is not None:
            return None
        return "advice_given" if payload.get("advice_only") else "raised"
    if current is None:
        return None
    if kind == "ReferralNoteAdded":
        return current
    step = KIND_STEPS.get(kind)
    if step is None or not referral_transition_allowed(current, step):
        return None
    return _STEPS[step][1]


def _history_items(history: Iterable[Any]) -> Iterable[tuple[str, dict]]:
    for item in history:
        if isinstance(item, tuple):
            yield item[0], item[1]
        else:
            yield item.kind, item.payload


def check_referral_event(kind: str, payload: dict, history_payloads: Iterable[Any]) -> str | None:
    """Why the server should refuse this referral event, or None if it is allowed.

    ``history_payloads``: the referral's earlier accepted events in feed order,
    as ``(kind, payload)`` pairs or objects with ``.kind`` and ``.payload``.
    """
    status: str | None = None
    raised: dict | None = None
    team = None
    for old_kind, old_payload in _history_items(history_payloads):
        after = next_status(status, old_kind, old_payload)
        if after is None:
            continue
        if old_kind == "ReferralRaised":
            raised = old_payload
            team = old_payload.get("to_team")
        elif old_kind == "ReferralReassigned":
            team = old_payload.get("to_team")
        status = after
    if kind == "ReferralRaised":
        if raised is not None:
            return "This referral has already been raised."
        if payload.get("advice_only") != (payload.get("consent") == "refused"):
            return "Without consent a referral can only be recorded as advice given."
        return None
    if raised is None:
        return "There is no such referral."
    if payload.get("customer_id") != raised.get("customer_id"):
        return "This event names a different customer from the referral."
    if status == "advice_given" and kind != "ReferralNoteAdded":
        return "Advice given without consent is not shared, so no team can act on it."
    if kind == "ReferralReassigned" and payload.get("to_team") == team:
        return "The referral is already with that team."
    if next_status(status, kind, payload) is None:
        step = KIND_STEPS.get(kind, kind)
        now = status or ""  # set: the referral was raised
        return f"A referral that is {STATUS_LABELS.get(now, now).lower()} cannot be {step}."
    return None


# --- references -------------------------------------------------------------------


_CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def make_reference(referral_id: str) -> str:
    """A short reference to read out, from the random part of the UUIDv7: R-7K3M-9P2Q.

    Crockford's alphabet has no I, L, O or U, so nothing is misread over the phone.
    """
    bits = int.from_bytes(uuid.UUID(referral_id).bytes[-5:], "big")
    code = "".join(_CROCKFORD[(bits >> shift) & 31] for shift in range(35, -1, -5))
    return f"R-{code[:4]}-{code[4:]}"


# --- due dates ----------------------------------------------------------------------


@lru_cache(maxsize=64)
def _bank_holidays(year: int) -> frozenset[date]:
    import holidays  # its tables are built on first use, not at the desk's start

    return frozenset(holidays.country_holidays("GB", subdiv="ENG", years=year))


def is_working_day(day: date) -> bool:
    """Monday to Friday and not an England and Wales bank holiday."""
    return day.weekday() < 5 and day not in _bank_holidays(day.year)


def next_working_day(day: date) -> date:
    day += timedelta(days=1)
    while not is_working_day(day):
        day += timedelta(days=1)
    return day


def _at(day: date, clock: time) -> datetime:
    return datetime.combine(day, clock, tzinfo=LONDON)


def add_working_hours(start: datetime, hours: float) -> datetime:
    """``start`` plus ``hours`` of working time (09:00-17:00 on working days)."""
    local = start.astimezone(LONDON)
    remaining = timedelta(hours=hours)
    day = local.date()
    if not is_working_day(day) or local.time() >= DAY_END:
        day, cursor = next_working_day(day), None
    else:
        cursor = max(local, _at(day, DAY_START))
    while True:
        cursor = cursor or _at(day, DAY_START)
        left_today = _at(day, DAY_END) - cursor
        if remaining <= left_today:
            return cursor + remaining
        remaining -= left_today
        day, cursor = next_working_day(day), None


def due_at(urgency: str, raised_at: datetime) -> datetime:
    """When a referral of ``urgency`` raised at ``raised_at`` is due, in UTC."""
    if urgency == "immediate":
        due = add_working_hours(raised_at, 2)
    elif urgency in ("urgent", "standard"):
        day = raised_at.astimezone(LONDON).date()
        for _ in range(1 if urgency == "urgent" else 5):
            day = next_working_day(day)
        due = _at(day, DAY_END)
    else:
        raise ValidationError("Choose immediate, urgent or standard.", field="urgency")
    return due.astimezone(UTC)


def utc_text(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_utc(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def is_overdue(status: str, due: str | None, now: datetime) -> bool:
    """An open referral past its due time."""
    return status in OPEN_STATUSES and due is not None and parse_utc(due) < now


def due_text(due: str, now: datetime | None = None) -> str:
    """A due time as people say it, in London time: "by 5pm Tue 14 May"."""
    local = parse_utc(due).astimezone(LONDON)
    hour = local.strftime("%I:%M%p").lstrip("0").replace(":00", "").lower()
    return f"by {hour} {local.strftime('%a %d %b %Y')}"


# --- the referral form ----------------------------------------------------------------


def consent_outcome(consent: str) -> bool:
    """Whether the referral is advice only: True without consent (never shared)."""
    if consent not in ("given", "refused"):
        raise ValidationError(
            "Record whether the customer gave consent to share: given or refused.", field="consent"
        )
    return consent == "refused"


def clean_referral(raw: dict) -> tuple[dict, dict[str, str]]:
    """The referral form checked: (clean values, {field: message}) with every problem at once."""
    from cxdesk.domain.customers import parse_flags

    clean: dict = {}
    errors: dict[str, str] = {}

    def take(name, parse):
        try:
            clean[name] = parse(raw.get(name))
        except ValidationError as exc:
            errors[exc.field or name] = exc.message

    def one_of(options, label):
        def parse(value):
            if value not in options:
                raise ValidationError(f"Please choose {label}.")
            return value

        return parse

    take("reason_category", one_of(REASON_CATEGORIES, "a reason"))
    take(
        "story",
        lambda x: v.clean_text(
            x, field="story", max_len=4000, multiline=True, label="The customer's story"
        ),
    )
    take("urgency", one_of(tuple(URGENCIES), "immediate, urgent or standard"))
    take("vulnerability_flags", parse_flags)
    take(
        "already_told",
        lambda x: v.clean_text(
            x,
            field="already_told",
            max_len=1000,
            required=False,
            multiline=True,
            label="What they have been told",
        ),
    )
    take(
        "customer_actions",
        lambda x: v.clean_text(
            x,
            field="customer_actions",
            max_len=500,
            required=False,
            multiline=True,
            label="What the customer must do",
        ),
    )
    take("consent", consent_outcome)
    if "consent" not in errors:
        clean["advice_only"] = clean.pop("consent")
        clean["consent"] = raw.get("consent")
    take("consent_method", one_of(CONSENT_METHODS, "how consent was obtained"))
    if not clean.get("advice_only", True) and not raw.get("to_team"):
        errors["to_team"] = "Choose the team to refer to."
    return clean, errors
