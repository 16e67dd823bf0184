"""Opening hours of a team or a place, and whether it is open at a given moment.

An advisor giving out a priority number needs to say "they're open until five" or
"they're closed now, ring the out-of-hours line", so every directory entry and
every location carries an ``OpeningHours``: a weekly schedule in Europe/London
wall-clock time, as the council publishes it.

Rules the calculations keep:

- Intervals may cross midnight ("22:00-02:00"): the part after midnight belongs
  to the day the interval started, so Friday's late shift is still open at 01:00
  on Saturday, and a bank holiday closure applies to intervals that *start* on
  the holiday.
- Unless ``open_bank_holidays`` is set, nothing opens on an England and Wales
  bank holiday (from the ``holidays`` package).
- Wall-clock times are turned into instants with ``zoneinfo``, so the spring and
  autumn clock changes shift the UTC instants, not the published times. A time
  that does not exist (01:30 on the spring-forward Sunday) is read with the
  offset before the change, as ``zoneinfo`` does by default.
- Instants in and out are timezone-aware; results are in UTC.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays
from pydantic import BaseModel, ConfigDict, PrivateAttr, field_validator, model_validator

from cxdesk.domain import hours_text
from cxdesk.errors import ValidationError

LONDON = ZoneInfo("Europe/London")
DAYS = hours_text.DAYS
# How far ahead next_change looks: far enough to step over any run of bank
# holidays, short enough that a never-closing schedule answers quickly.
_HORIZON_DAYS = 372
_MAX_AHEAD = timedelta(days=366)


@lru_cache(maxsize=64)
def _bank_holidays(year: int) -> frozenset[date]:
    return frozenset(holidays.country_holidays("GB", subdiv="ENG", years=year))


def is_bank_holiday(day: date) -> bool:
    """True if ``day`` is a bank holiday in England and Wales."""
    return day in _bank_holidays(day.year)


class OpeningHours(BaseModel):
    """A weekly schedule in Europe/London time; see the module docstring for the rules.

    Each weekday holds canonical "HH:MM-HH:MM" intervals, sorted. A schedule with no
    intervals and ``always_open`` unset means the hours are not known.
    ``OpeningHours.parse(text)`` reads the compact form, ``str()`` writes it back.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    always_open: bool = False
    open_bank_holidays: bool = False
    mon: tuple[str, ...] = ()
    tue: tuple[str, ...] = ()
    wed: tuple[str, ...] = ()
    thu: tuple[str, ...] = ()
    fri: tuple[str, ...] = ()
    sat: tuple[str, ...] = ()
    sun: tuple[str, ...] = ()

    # Minutes after midnight per weekday, worked out once for the calculations.
    _minutes: tuple[tuple[tuple[int, int], ...], ...] = PrivateAttr(default=())

    @model_validator(mode="before")
    @classmethod
    def _from_text(cls, data: object) -> object:
        # Lets a stored text column or a CSV cell become OpeningHours directly.
        if isinstance(data, str):
            return hours_text.parse_text(data)
        return data

    @field_validator(*DAYS, mode="before")
    @classmethod
    def _check_day(cls, value: object, info) -> tuple[str, ...]:
        label = hours_text.DAY_LABELS[DAYS.index(info.field_name)]
        if isinstance(value, str):
            value = [part for part in value.split(",") if part.strip()]
        if not isinstance(value, list | tuple):
            raise ValidationError(f"{label}: hours must be a list of intervals", field="hours")
        spans = []
        for item in value:
            if not isinstance(item, str):
                raise ValidationError(f"{label}: '{item}' is not an interval", field="hours")
            try:
                spans.append(hours_text.parse_interval(item))
            except ValidationError as error:
                raise ValidationError(f"{label}: {error.message}", field="hours") from None
        spans.sort()
        for (s1, e1), (s2, e2) in zip(spans, spans[1:], strict=False):
            # An overnight interval runs to the end of its day as far as its own
            # day's other intervals are concerned.
            if s2 < (e1 if e1 > s1 else 24 * 60):
                raise ValidationError(
                    f"{label}: {_fmt((s1, e1))} overlaps {_fmt((s2, e2))}", field="hours"
                )
        return tuple(_fmt(span) for span in spans)

    def model_post_init(self, context: object, /) -> None:
        self._minutes = tuple(
            tuple(hours_text.parse_interval(iv) for iv in getattr(self, day)) for day in DAYS
        )

    @classmethod
    def parse(cls, text: str) -> OpeningHours:
        """Read the compact text form ("Mon-Fri 09:00-17:00; Sat 10:00-13:00", "24/7")."""
        return cls.model_validate(hours_text.parse_text(text))

    @property
    def week(self) -> list[tuple[str, ...]]:
        """The intervals for Monday to Sunday."""
        return [getattr(self, day) for day in DAYS]

    @property
    def known(self) -> bool:
        """False when no hours were recorded (shown as "Hours not known")."""
        return self.always_open or any(self.week)

    def intervals(self, weekday: int) -> tuple[tuple[int, int], ...]:
        """(start, end) minutes for a weekday (0 = Monday); end < start crosses midnight."""
        return self._minutes[weekday]

    def __str__(self) -> str:
        return hours_text.format_compact(self.week, self.always_open, self.open_bank_holidays)

    def describe(self) -> list[str]:
        """Readable lines for the detail screen, e.g. ["Mon–Fri: 09:00–17:00", ...]."""
        return hours_text.describe_lines(self.week, self.always_open, self.open_bank_holidays)


def _fmt(span: tuple[int, int]) -> str:
    return f"{hours_text.format_minutes(span[0])}-{hours_text.format_minutes(span[1])}"


def _check_aware(at: datetime) -> None:
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError("opening-hours times must be timezone-aware")


def _instant(day: date, minutes: int) -> datetime:
    # Adding a timedelta to an aware datetime is wall-clock arithmetic, which is
    # what a published "09:00" means on any day, clock change or not.
    wall = datetime(day.year, day.month, day.day, tzinfo=LONDON) + timedelta(minutes=minutes)
    return wall.astimezone(UTC)


def _day_spans(hours: OpeningHours, day: date) -> list[tuple[datetime, datetime]]:
    """The instants the schedule is open for intervals that start on local ``day``."""
    if not hours.open_bank_holidays and is_bank_holiday(day):
        return []
    spans = []
    for start, end in hours.intervals(day.weekday()):
        begin = _instant(day, start)
        finish = _instant(day, end) if end > start else _instant(day + timedelta(days=1), end)
        if finish > begin:  # an interval lost in the spring-forward gap is skipped
            spans.append((begin, finish))
    return spans


def _open_spans(hours: OpeningHours, first_day: date) -> Iterator[tuple[datetime, datetime]]:
    """Open periods from ``first_day`` on, with touching or overlapping ones joined."""
    current: tuple[datetime, datetime] | None = None
    for offset in range(_HORIZON_DAYS):
        for begin, finish in _day_spans(hours, first_day + timedelta(days=offset)):
            if current is not None and begin <= current[1]:
                current = (current[0], max(current[1], finish))
                continue
            if current is not None:
                yield current
            current = (begin, finish)
    if current is not None:
        yield current


def is_open(hours: OpeningHours, at: datetime) -> bool:
    """True if the schedule is open at the aware instant ``at``."""
    _check_aware(at)
    if hours.always_open:
        return True
    today = at.astimezone(LONDON).date()
    # An interval can last at most a day, so only yesterday's can still be running.
    for day in (today - timedelta(days=1), today):
        if any(begin <= at < finish for begin, finish in _day_spans(hours, day)):
            return True
    return False


def next_change(hours: OpeningHours, at: datetime) -> datetime | None:
    """The next closing time if open at ``at``, else the next opening time (UTC).

    None when nothing changes within a year: open 24/7, or no hours at all.
    """
    _check_aware(at)
    if hours.always_open:
        return None
    today = at.astimezone(LONDON).date()
    for begin, finish in _open_spans(hours, today - timedelta(days=1)):
        if finish <= at:
            continue
        change = finish if begin <= at else begin
        return change if change - at <= _MAX_AHEAD else None
    return None


def _when(change: datetime, at: datetime) -> str:
    """'17:00', 'midnight', 'tomorrow 09:00', 'Mon 09:00' or 'Mon 4 Jan 09:00'."""
    local, now = change.astimezone(LONDON), at.astimezone(LONDON)
    clock = local.strftime("%H:%M")
    days_ahead = (local.date() - now.date()).days
    if days_ahead == 0:
        return clock
    if days_ahead == 1:
        return "midnight" if clock == "00:00" else f"tomorrow {clock}"
    if days_ahead < 7:
        return f"{local:%a} {clock}"
    return f"{local:%a} {local.day} {local:%b} {clock}"


def status_text(hours: OpeningHours, at: datetime) -> str:
    """One line for lists: "Open now · closes 17:00", "Closed · opens Mon 09:00", ..."""
    _check_aware(at)
    if hours.always_open:
        return "Open 24 hours"
    if not hours.known:
        return "Hours not known"
    change = next_change(hours, at)
    if is_open(hours, at):
        return "Open 24 hours" if change is None else f"Open now · closes {_when(change, at)}"
    today = at.astimezone(LONDON).date()
    closed = "Closed"
    if not hours.open_bank_holidays and is_bank_holiday(today) and hours.intervals(today.weekday()):
        closed = "Closed for bank holiday"
    return closed if change is None else f"{closed} · opens {_when(change, at)}"
