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
  bank holiday (from the ``holidays`` package). Hours imported from a
  published feed that says nothing about bank holidays set
  ``bank_holidays_stated`` False: bank holidays are then ordinary days and
  nothing claims the team is closed on them.
- ``timezone`` says whose clock the intervals are on: ``Europe/London`` (the
  default, wall-clock time) or a fixed offset such as ``UTC`` or ``UTC+01:00``
  (Open Referral times written ``09:00Z`` or ``09:00+01:00``). Days are days in
  that zone; status lines always speak London time.
- ``dated`` weeks apply only between their ``valid_from`` and ``valid_to``
  (inclusive) and add to the undated week, as Open Referral schedules do; a
  ``holidays`` rule replaces a date's hours (closed, or special hours) and wins
  over both the week and the bank holiday rule.
- Wall-clock times are turned into instants with ``zoneinfo``, so the spring and
  autumn clock changes shift the UTC instants, not the published times. A time
  that does not exist (01:30 on the spring-forward Sunday) is read with the
  offset before the change, as ``zoneinfo`` does by default.
- Instants in and out are timezone-aware; results are in UTC.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta, timezone, tzinfo
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    BaseModel,
    ConfigDict,
    PrivateAttr,
    field_validator,
    model_serializer,
    model_validator,
)

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
    import holidays  # its tables are built on first use, not at the desk's start

    return frozenset(holidays.country_holidays("GB", subdiv="ENG", years=year))


def is_bank_holiday(day: date) -> bool:
    """True if ``day`` is a bank holiday in England and Wales."""
    return day in _bank_holidays(day.year)


_OFFSET = re.compile(r"^UTC(?:(?P<sign>[+-])(?P<h>\d{2}):(?P<m>\d{2}))?$")


@lru_cache(maxsize=64)
def zone_of(name: str) -> tzinfo:
    """The tzinfo for a schedule's ``timezone``: an IANA name, ``UTC`` or ``UTC+HH:MM``."""
    match = _OFFSET.match(name)
    if match:
        minutes = int(match["h"] or 0) * 60 + int(match["m"] or 0)
        if minutes > 14 * 60 or int(match["m"] or 0) > 59:
            raise ValidationError(f"timezone {name!r} is not a real UTC offset", field="hours")
        return timezone(timedelta(minutes=-minutes if match["sign"] == "-" else minutes))
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        message = f"timezone {name!r} is not a known time zone"
        raise ValidationError(message, field="hours") from None


def offset_name(minutes: int) -> str:
    """``UTC`` or ``UTC+01:00`` for an offset east of UTC in minutes."""
    if minutes == 0:
        return "UTC"
    sign = "+" if minutes > 0 else "-"
    return f"UTC{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


def _check_intervals(value: object, label: str) -> tuple[str, ...]:
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


class _Week(BaseModel):
    """Monday to Sunday, each holding canonical "HH:MM-HH:MM" intervals, sorted."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    mon: tuple[str, ...] = ()
    tue: tuple[str, ...] = ()
    wed: tuple[str, ...] = ()
    thu: tuple[str, ...] = ()
    fri: tuple[str, ...] = ()
    sat: tuple[str, ...] = ()
    sun: tuple[str, ...] = ()

    # Minutes after midnight per weekday, worked out once for the calculations.
    _minutes: tuple[tuple[tuple[int, int], ...], ...] = PrivateAttr(default=())

    @field_validator(*DAYS, mode="before")
    @classmethod
    def _check_day(cls, value: object, info) -> tuple[str, ...]:
        return _check_intervals(value, hours_text.DAY_LABELS[DAYS.index(info.field_name)])

    def model_post_init(self, context: object, /) -> None:
        self._minutes = tuple(
            tuple(hours_text.parse_interval(iv) for iv in getattr(self, day)) for day in DAYS
        )

    @property
    def week(self) -> list[tuple[str, ...]]:
        """The intervals for Monday to Sunday."""
        return [getattr(self, day) for day in DAYS]

    def intervals(self, weekday: int) -> tuple[tuple[int, int], ...]:
        """(start, end) minutes for a weekday (0 = Monday); end < start crosses midnight."""
        return self._minutes[weekday]


class DatedWeek(_Week):
    """A weekly schedule that applies only from ``valid_from`` to ``valid_to`` (inclusive)."""

    valid_from: date | None = None
    valid_to: date | None = None

    def covers(self, day: date) -> bool:
        return (self.valid_from is None or self.valid_from <= day) and (
            self.valid_to is None or day <= self.valid_to
        )


class HolidayHours(BaseModel):
    """Dates whose hours differ from the week: closed, or open only ``intervals``."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    start: date
    end: date
    closed: bool = True
    intervals: tuple[str, ...] = ()
    note: str = ""

    @field_validator("intervals", mode="before")
    @classmethod
    def _check(cls, value: object) -> tuple[str, ...]:
        return _check_intervals(value, "holiday")

    @model_validator(mode="after")
    def _consistent(self) -> HolidayHours:
        if self.end < self.start:
            raise ValidationError("a holiday ends before it starts", field="hours")
        if not self.closed and not self.intervals:
            raise ValidationError("special hours on a holiday need times", field="hours")
        return self

    def covers(self, day: date) -> bool:
        return self.start <= day <= self.end

    def minutes(self) -> list[tuple[int, int]]:
        return [] if self.closed else [hours_text.parse_interval(iv) for iv in self.intervals]


# Fields added after stores already held hours: left out of the JSON while at
# their defaults, so a payload written before them keeps its digest.
_LATER_DEFAULTS = {
    "timezone": "Europe/London",
    "bank_holidays_stated": True,
    "dated": [],
    "holidays": [],
}


class OpeningHours(_Week):
    """A weekly schedule (by default in Europe/London time); see the module docstring.

    Each weekday holds canonical "HH:MM-HH:MM" intervals, sorted. A schedule with no
    intervals and ``always_open`` unset means the hours are not known.
    ``OpeningHours.parse(text)`` reads the compact form, ``str()`` writes it back.
    """

    always_open: bool = False
    open_bank_holidays: bool = False
    bank_holidays_stated: bool = True
    timezone: str = "Europe/London"
    dated: tuple[DatedWeek, ...] = ()
    holidays: tuple[HolidayHours, ...] = ()

    @model_validator(mode="before")
    @classmethod
    def _from_text(cls, data: object) -> object:
        # Lets a stored text column or a CSV cell become OpeningHours directly.
        if isinstance(data, str):
            return hours_text.parse_text(data)
        return data

    @field_validator("timezone")
    @classmethod
    def _check_zone(cls, value: str) -> str:
        zone_of(value)
        return value

    @model_serializer(mode="wrap")
    def _drop_later_defaults(self, handler) -> dict:
        data = handler(self)
        for name, default in _LATER_DEFAULTS.items():
            value = data.get(name, default)
            if value == default or (default == [] and value == ()):
                data.pop(name, None)
        return data

    @property
    def zone(self) -> tzinfo:
        return zone_of(self.timezone)

    def day_minutes(self, day: date) -> list[tuple[int, int]]:
        """(start, end) minutes of the intervals that start on local ``day``, every rule applied."""
        for holiday in self.holidays:
            if holiday.covers(day):
                return holiday.minutes()
        if self.bank_holidays_stated and not self.open_bank_holidays and is_bank_holiday(day):
            return []
        spans = list(self.intervals(day.weekday()))
        for week in self.dated:
            if week.covers(day):
                spans.extend(week.intervals(day.weekday()))
        return sorted(spans)

    def holiday_on(self, day: date) -> HolidayHours | None:
        return next((h for h in self.holidays if h.covers(day)), None)

    @classmethod
    def parse(cls, text: str) -> OpeningHours:
        """Read the compact text form ("Mon-Fri 09:00-17:00; Sat 10:00-13:00", "24/7")."""
        return cls.model_validate(hours_text.parse_text(text))

    @property
    def known(self) -> bool:
        """False when no hours were recorded (shown as "Hours not known")."""
        return self.always_open or any(self.week) or any(any(w.week) for w in self.dated)

    def __str__(self) -> str:
        return hours_text.format_compact(self.week, self.always_open, self.open_bank_holidays)

    def describe(self) -> list[str]:
        """Readable lines for the detail screen, e.g. ["Mon–Fri: 09:00–17:00", ...]."""
        bank = self.open_bank_holidays if self.bank_holidays_stated else None
        lines = []
        if any(self.week) or self.always_open or not self.dated:
            lines = hours_text.describe_lines(self.week, self.always_open, bank)
        else:
            lines = [] if bank is None else [hours_text.bank_line(bank)]
        for week in self.dated:
            lines.append(f"{_period(week.valid_from, week.valid_to)}:")
            lines.extend("  " + line for line in hours_text.describe_lines(week.week, False, None))
        for holiday in self.holidays:
            when = _short_date(holiday.start)
            if holiday.end != holiday.start:
                when = f"{when} to {_short_date(holiday.end)}"
            what = (
                "closed"
                if holiday.closed
                else ", ".join(hours_text.readable(iv) for iv in holiday.intervals)
            )
            lines.append(f"{when}: {what}" + (f" ({holiday.note})" if holiday.note else ""))
        if self.timezone != "Europe/London":
            lines.append(f"Times above are {self.timezone}, as published")
        return lines


def _short_date(day: date) -> str:
    return f"{day:%a} {day.day} {day:%b %Y}"


def _period(start: date | None, end: date | None) -> str:
    if start and end:
        return f"{_short_date(start)} to {_short_date(end)}"
    if start:
        return f"From {_short_date(start)}"
    return f"Until {_short_date(end)}" if end else "Every week"


def _fmt(span: tuple[int, int]) -> str:
    return f"{hours_text.format_minutes(span[0])}-{hours_text.format_minutes(span[1])}"


def _check_aware(at: datetime) -> None:
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError("opening-hours times must be timezone-aware")


def _instant(day: date, minutes: int, zone: tzinfo = LONDON) -> datetime:
    # Adding a timedelta to an aware datetime is wall-clock arithmetic, which is
    # what a published "09:00" means on any day, clock change or not.
    wall = datetime(day.year, day.month, day.day, tzinfo=zone) + timedelta(minutes=minutes)
    return wall.astimezone(UTC)


def _day_spans(hours: OpeningHours, day: date) -> list[tuple[datetime, datetime]]:
    """The instants the schedule is open for intervals that start on local ``day``."""
    zone = hours.zone
    spans = []
    for start, end in hours.day_minutes(day):
        begin = _instant(day, start, zone)
        finish = (
            _instant(day, end, zone)
            if end > start
            else _instant(day + timedelta(days=1), end, zone)
        )
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
    today = at.astimezone(hours.zone).date()
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
    today = at.astimezone(hours.zone).date()
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
    today = at.astimezone(hours.zone).date()
    closed = "Closed"
    holiday = hours.holiday_on(today)
    if holiday is not None and holiday.closed:
        closed = f"Closed today ({holiday.note})" if holiday.note else "Closed today (holiday)"
    elif (
        holiday is None
        and hours.bank_holidays_stated
        and not hours.open_bank_holidays
        and is_bank_holiday(today)
        and hours.intervals(today.weekday())
    ):
        closed = "Closed for bank holiday"
    return closed if change is None else f"{closed} · opens {_when(change, at)}"
