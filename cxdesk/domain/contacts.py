"""The contact log's rules: channels, outcomes, transfer results, and first-contact resolution.

Every interaction ends with a wrap-up: one or more reasons from the council's
list (policy data set centrally, ``ContactReasonsSet``), the channel and the
outcome. The words and the single keys that pick them live here, so the wrap-up
screen, the store, the server check and the export all agree.

First-contact resolution (FCR) is *derived*, never self-reported: a contact
counts as resolved first time when it was wrapped "resolved here" and the same
resident did not contact the council again for any of the same reasons within
the policy's window (7 days unless the reasons list says otherwise). So:

- an anonymous contact (hub footfall) cannot be followed, so it is left out of
  FCR altogether (neither resolved nor not);
- a contact whose window has not yet passed is "pending": it is left out until
  the window closes, otherwise every recent contact would look resolved;
- a later contact for a *different* reason does not undo the first one.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

DAY_MS = 86_400_000
DEFAULT_FCR_DAYS = 7

CHANNELS: dict[str, str] = {
    "phone": "Phone",
    "face": "Face to face",
    "webchat": "Webchat",
    "letter": "Email or letter",
}
CHANNEL_KEYS: dict[str, str] = {"p": "phone", "f": "face", "w": "webchat", "e": "letter"}

OUTCOMES: dict[str, str] = {
    "resolved": "Resolved here",
    "referred": "Referred",
    "transferred": "Transferred to a direct line",
    "callback": "Call-back needed",
    "signposted": "Signposted",
    "advice": "Advice only",
}
OUTCOME_KEYS: dict[str, str] = dict(zip("123456", OUTCOMES, strict=True))

TRANSFER_RESULTS: dict[str, str] = {
    "answered": "Answered",
    "no_answer": "No answer",
    "refused": "Refused",
    "wrong_number": "Wrong number",
}
TRANSFER_KEYS: dict[str, str] = dict(zip("anrw", TRANSFER_RESULTS, strict=True))

EXCLUSION_REASONS: dict[str, str] = {
    "no_device": "No device",
    "no_internet": "No internet",
    "no_email": "No email address",
    "skills": "Skills or confidence",
    "disability": "Disability",
    "language": "Language",
    "prefers_not": "Prefers not to",
}

REASON_CODE = r"^[a-z0-9][a-z0-9_-]{1,39}$"
MAX_REASONS = 5


def key_for(keys: dict[str, str], code: str) -> str:
    """The single key that picks ``code`` (for the screen's hints)."""
    return next(k for k, v in keys.items() if v == code)


@dataclass(frozen=True, slots=True)
class ContactFact:
    """What FCR needs to know of one wrapped contact."""

    contact_id: str
    customer_id: str | None
    reasons: frozenset[str]
    outcome: str
    at_ms: int


FcrState = str  # "resolved" | "repeat" | "not_resolved_here" | "pending" | "anonymous"


def fcr_states(
    contacts: Iterable[ContactFact], *, window_days: int, as_of_ms: int
) -> dict[str, FcrState]:
    """Each contact's FCR state (see the module docstring), by contact id.

    ``repeat`` means wrapped "resolved here" yet the resident came back for one
    of the same reasons within the window: the resolution did not hold.
    """
    window = window_days * DAY_MS
    by_person: dict[str, list[ContactFact]] = defaultdict(list)
    states: dict[str, FcrState] = {}
    for fact in contacts:
        if fact.customer_id is None:
            states[fact.contact_id] = "anonymous"
        else:
            by_person[fact.customer_id].append(fact)
    for facts in by_person.values():
        facts.sort(key=lambda f: (f.at_ms, f.contact_id))
        for i, fact in enumerate(facts):
            if fact.outcome != "resolved":
                states[fact.contact_id] = "not_resolved_here"
                continue
            came_back = False
            for later in facts[i + 1 :]:  # in time order, so stop at the window's end
                if later.at_ms - fact.at_ms > window:
                    break
                if later.reasons & fact.reasons:
                    came_back = True
                    break
            if came_back:
                states[fact.contact_id] = "repeat"
            elif fact.at_ms + window > as_of_ms:
                states[fact.contact_id] = "pending"
            else:
                states[fact.contact_id] = "resolved"
    return states


@dataclass(frozen=True, slots=True)
class Rate:
    """A share: ``part`` of ``whole``, shown as a percentage (or "–" with nothing to count)."""

    part: int
    whole: int

    @property
    def percent(self) -> float | None:
        return None if self.whole == 0 else 100.0 * self.part / self.whole

    def text(self) -> str:
        pct = self.percent
        return "–" if pct is None else f"{pct:.1f}%"


def fcr_rate(states: Iterable[FcrState]) -> Rate:
    """FCR over the contacts it can be judged for (named, window passed)."""
    counted = [s for s in states if s not in ("anonymous", "pending")]
    return Rate(sum(1 for s in counted if s == "resolved"), len(counted))


@dataclass(frozen=True, slots=True)
class TransferFigures:
    team: str
    week: str
    answered: int
    refused: int
    total: int

    @property
    def answer_rate(self) -> Rate:
        return Rate(self.answered, self.total)

    @property
    def refusal_rate(self) -> Rate:
        return Rate(self.refused, self.total)


def transfer_figures(results: Iterable[tuple[str, str, str]]) -> list[TransferFigures]:
    """(team, ISO week, result) rows summed per team and week, newest week first."""
    counts: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0, 0])
    for team, week, result in results:
        if result not in TRANSFER_RESULTS:
            raise ValueError(f"unknown transfer result {result!r}")
        row = counts[(team, week)]
        row[0] += result == "answered"
        row[1] += result == "refused"
        row[2] += 1
    out = [TransferFigures(t, w, a, r, n) for (t, w), (a, r, n) in counts.items()]
    return sorted(out, key=lambda f: (-_week_key(f.week), f.team))


def _week_key(week: str) -> int:
    year, _, num = week.partition("-W")
    return int(year) * 100 + int(num or 0)


def reasons_text(codes: Sequence[str], labels: dict[str, str]) -> str:
    """Reason codes in words (an unknown code shows as itself)."""
    return ", ".join(labels.get(code, code) for code in codes)


LONDON = ZoneInfo("Europe/London")


@dataclass(frozen=True, slots=True)
class ContactTime:
    """When a contact happened, as the figures group it (UK local day, hour and ISO week)."""

    at_ms: int
    day: str
    hour: int
    week: str


def parse_utc_ms(text: str) -> int:
    """Milliseconds since 1970 for an ISO UTC time such as ``2026-11-30T10:00:00Z``."""
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return int(moment.timestamp() * 1000)


def contact_time(at_ms: int) -> ContactTime:
    local = datetime.fromtimestamp(at_ms / 1000, tz=UTC).astimezone(LONDON)
    year, week, _ = local.isocalendar()
    return ContactTime(at_ms, local.date().isoformat(), local.hour, f"{year}-W{week:02d}")


def utc_text(at_ms: int) -> str:
    return datetime.fromtimestamp(at_ms / 1000, tz=UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
