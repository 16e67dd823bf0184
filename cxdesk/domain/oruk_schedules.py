"""Open Referral UK / HSDS 3.0 schedules turned into ``OpeningHours``.

HSDS schedules are iCal-like rules; an advisor needs "open now?" and the week.
What is read, following the HSDS 3.0 ``schedule`` object:

- ``freq`` WEEKLY (the default) with ``byday`` ("MO,TU") or the older
  ``weekday`` (1 = Monday ... 7 = Sunday, or a day name); ``interval`` above 1
  (fortnightly) and MONTHLY rules are not weekly hours: left out with a warning.
- ``opens_at``/``closes_at`` as ``HH:MM[:SS]`` with ``Z`` or an offset
  (``09:00+01:00``): the time is on that fixed clock, not UK local time. A
  time without an offset uses the schedule's ``timezone`` (a UTC offset in
  hours, or a zone name) and, failing that, UK local time (Europe/London),
  which is what UK publishers mean when they leave it out. ``00:00``-``00:00``
  is all day; a ``23:59`` or ``00:00`` closing is midnight.
- ``valid_from``/``valid_to`` (dates, inclusive): a schedule that ended before
  today is left out with a note; one that starts later is kept and applies from
  its date (dated schedules add to the undated ones, as HSDS schedules do).
- Holidays: ``holiday_schedules`` (the Open Referral UK shape: ``closed``,
  ``start_date``/``end_date`` or ``valid_from``/``valid_to``, optional times),
  and any schedule marked ``closed`` or with dates but no days. On those
  dates the holiday's hours (or closure) replace the week's.
- Nothing in HSDS says whether a service opens on bank holidays, so imported
  hours never claim "Closed on bank holidays" (``bank_holidays_stated`` False).

One entry has one clock: the first schedule's. Schedules on another fixed
offset are converted exactly; a mix of UK local time and offsets cannot be, so
it is read on the first clock with a warning.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from typing import Any, TypedDict

from cxdesk.domain.hours import DatedWeek, HolidayHours, OpeningHours, offset_name, zone_of
from cxdesk.domain.hours_text import ALL_DAY, format_minutes
from cxdesk.errors import ValidationError

LONDON = "Europe/London"
MAX_HOLIDAYS = 100
_BYDAY = {"MO": 0, "TU": 1, "WE": 2, "TH": 3, "FR": 4, "SA": 5, "SU": 6}
_DAY_NAMES = {
    name: i
    for i, name in enumerate(
        ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
    )
}
_TIME = re.compile(
    r"^(?:\d{4}-\d{2}-\d{2}T)?(\d{1,2}):(\d{2})(?::\d{2}(?:\.\d+)?)?\s*"
    r"(Z|[+-]\d{2}(?::?\d{2})?)?$"
)
_ZONE_TEXT = re.compile(r"^(?:UTC|GMT)?\s*([+-])(\d{1,2})(?::?(\d{2}))?$", re.IGNORECASE)
_DAY = 24 * 60


class ScheduleSkip(Exception):
    """A schedule so broken that the record cannot be imported; ``field`` says where."""

    def __init__(self, message: str, field: str = "regular_schedules") -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class _Slot:
    """One schedule read: its days (or dates), minutes on its own clock, and validity."""

    days: tuple[int, ...]
    start: int
    end: int  # 1440 for midnight; all day is start == 0 and end == 1440
    zone: str
    valid_from: date | None = None
    valid_to: date | None = None
    holiday: bool = False
    closed: bool = False
    note: str = ""


def read_hours(record: dict, *, today: date, warnings: list[str]) -> OpeningHours:
    """The record's opening hours; lesser faults become ``warnings``, worse raise ScheduleSkip."""
    regular, holidays = _schedules(record)
    if not regular and not holidays:
        return OpeningHours(bank_holidays_stated=False)
    slots: list[_Slot] = []
    for position, schedule, is_holiday in regular + holidays:
        slot = _read(schedule, position, is_holiday, warnings)
        if slot is None:
            continue
        end = slot.valid_to
        if end is not None and end < today:
            warnings.append(f"schedule {position} ended on {end.isoformat()}; left out")
            continue
        if slot.valid_from and end and end < slot.valid_from:
            warnings.append(f"schedule {position} ends before it starts; left out")
            continue
        slots.append(slot)
    if not slots:
        return OpeningHours(bank_holidays_stated=False)
    zone = slots[0].zone
    slots = [_on_clock(slot, zone, warnings) for slot in slots]
    return _build(slots, zone, today)


def _schedules(record: dict) -> tuple[list, list]:
    """(position, schedule, is_holiday) for the record's regular and holiday schedules."""
    found = _dicts(record.get("regular_schedules")) or _dicts(record.get("schedules"))
    if not found:
        for link in _dicts(record.get("service_at_locations")):
            found += _dicts(link.get("regular_schedules")) or _dicts(link.get("schedules"))
    holidays = _dicts(record.get("holiday_schedules"))
    regular = []
    for schedule in found:
        has_days = schedule.get("byday") not in (None, "") or schedule.get("weekday") not in (
            None,
            "",
        )
        dated = schedule.get("valid_from") or schedule.get("start_date")
        # "closed": false on an ordinary weekly schedule is not a holiday.
        if _truthy(schedule.get("closed")) or (not has_days and dated):
            holidays.append(schedule)
        else:
            regular.append(schedule)
    numbered = [(i, s, False) for i, s in enumerate(regular, start=1)]
    start = len(numbered) + 1
    numbered_holidays = [(i, s, True) for i, s in enumerate(holidays, start=start)]
    return numbered, numbered_holidays


def _dicts(value: Any) -> list[dict]:
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []


def _read(schedule: dict, position: int, is_holiday: bool, warnings: list[str]) -> _Slot | None:
    valid_from = _date(schedule, ("valid_from", "start_date"), position)
    valid_to = _date(schedule, ("valid_to", "end_date", "until"), position)
    if is_holiday:
        return _read_holiday(schedule, position, valid_from, valid_to, warnings)
    freq = str(schedule.get("freq") or "WEEKLY").upper()
    if freq != "WEEKLY":
        warnings.append(f"schedule {position} is {freq.lower()}, not weekly; left out")
        return None
    interval = schedule.get("interval")
    if interval not in (None, "", 1, "1"):
        warnings.append(f"schedule {position} repeats every {interval} weeks; left out")
        return None
    days = _days(schedule, position)
    start, end, zone = _times(schedule, position, warnings)
    return _Slot(tuple(days), start, end, zone, valid_from, valid_to)


def _read_holiday(
    schedule: dict,
    position: int,
    valid_from: date | None,
    valid_to: date | None,
    warnings: list[str],
) -> _Slot | None:
    first = valid_from or valid_to
    if first is None:
        warnings.append(f"holiday schedule {position} gives no date; left out")
        return None
    note = " ".join(str(schedule.get("description") or schedule.get("notes") or "").split())[:60]
    closed = _truthy(schedule.get("closed")) or not schedule.get("opens_at")
    if closed:
        start, end, zone = 0, _DAY, _zone_field(schedule, position, warnings) or LONDON
    else:
        start, end, zone = _times(schedule, position, warnings)
    return _Slot((), start, end, zone, first, valid_to or first, True, closed, note)


def _truthy(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in ("true", "yes", "y", "1")
    return bool(value)


def _date(schedule: dict, names: tuple[str, ...], position: int) -> date | None:
    for name in names:
        value = schedule.get(name)
        if value in (None, ""):
            continue
        try:
            return date.fromisoformat(str(value).strip()[:10])
        except ValueError:
            raise ScheduleSkip(
                f"schedule {position}: {name} {value!r} is not a date like 2026-01-31"
            ) from None
    return None


def _days(schedule: dict, position: int) -> list[int]:
    weekday, byday = schedule.get("weekday"), schedule.get("byday")
    if weekday not in (None, ""):
        if isinstance(weekday, int) and not isinstance(weekday, bool) and 1 <= weekday <= 7:
            return [weekday - 1]
        text = str(weekday).strip().lower()
        if text.isdigit() and 1 <= int(text) <= 7:
            return [int(text) - 1]
        if text in _DAY_NAMES:
            return [_DAY_NAMES[text]]
        if len(text) == 2 and text.upper() in _BYDAY:
            return [_BYDAY[text.upper()]]
        raise ScheduleSkip(f"schedule {position}: weekday {weekday!r} is not 1-7 or a day name")
    if isinstance(byday, str) and byday.strip():
        days = []
        for code in byday.upper().replace(" ", "").split(","):
            if code not in _BYDAY:
                raise ScheduleSkip(f"schedule {position}: byday {code!r} is not a weekly day code")
            days.append(_BYDAY[code])
        return days
    raise ScheduleSkip(f"schedule {position} says no day (weekday or byday)")


def _clock(value: Any, name: str, position: int) -> tuple[int, int | None]:
    """(minutes, offset east of UTC in minutes or None) for an ``opens_at``/``closes_at``."""
    match = _TIME.match(str(value or "").strip())
    if not match or int(match.group(1)) > 23 or int(match.group(2)) > 59:
        raise ScheduleSkip(f"schedule {position}: {name} {value!r} is not a time of day")
    minutes = int(match.group(1)) * 60 + int(match.group(2))
    suffix = match.group(3)
    if suffix is None:
        return minutes, None
    if suffix == "Z":
        return minutes, 0
    digits = suffix[1:].replace(":", "")
    offset = int(digits[:2]) * 60 + int(digits[2:4] or 0)
    return minutes, -offset if suffix[0] == "-" else offset


def _zone_field(schedule: dict, position: int, warnings: list[str]) -> str | None:
    """The schedule's ``timezone``: a UTC offset in hours (HSDS) or a zone name."""
    value = schedule.get("timezone")
    if value in (None, "") or isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        minutes = round(value * 60)
        if abs(minutes) <= 14 * 60:
            return offset_name(minutes)
    else:
        text = str(value).strip()
        match = _ZONE_TEXT.match(text)
        if match:
            minutes = int(match[2]) * 60 + int(match[3] or 0)
            return offset_name(-minutes if match[1] == "-" else minutes)
        try:
            zone_of(text)
            return "UTC" if text.upper() in ("UTC", "GMT", "Z") else text
        except ValidationError:
            pass
    warnings.append(f"schedule {position}: timezone {value!r} is not understood; read as UK time")
    return None


def _times(schedule: dict, position: int, warnings: list[str]) -> tuple[int, int, str]:
    opens, opens_offset = _clock(schedule.get("opens_at"), "opens_at", position)
    closes, closes_offset = _clock(schedule.get("closes_at"), "closes_at", position)
    if closes_offset is not None and opens_offset is not None and closes_offset != opens_offset:
        closes = (closes - closes_offset + opens_offset) % _DAY
    offset = opens_offset if opens_offset is not None else closes_offset
    if offset is not None:
        zone = offset_name(offset)
    else:
        zone = _zone_field(schedule, position, warnings) or LONDON
    if closes == 23 * 60 + 59 or (closes == 0 and opens != 0):
        closes = _DAY
    if opens == closes == 0:
        closes = _DAY
    if opens == closes:
        raise ScheduleSkip(
            f"schedule {position}: opens and closes at the same time ({format_minutes(opens)}); "
            "use 00:00-00:00 for all day"
        )
    return opens, closes, zone


def _offset_minutes(zone: str) -> int | None:
    """Minutes east of UTC for a fixed-offset zone name, None for a named zone."""
    if zone == "UTC":
        return 0
    match = re.match(r"^UTC([+-])(\d{2}):(\d{2})$", zone)
    if not match:
        return None
    minutes = int(match[2]) * 60 + int(match[3])
    return -minutes if match[1] == "-" else minutes


def _on_clock(slot: _Slot, zone: str, warnings: list[str]) -> _Slot:
    """``slot`` moved onto the entry's clock ``zone`` (exactly, when both are fixed offsets)."""
    if slot.zone == zone or slot.closed:  # a closure is whole dates on any clock
        return replace(slot, zone=zone)
    here, there = _offset_minutes(zone), _offset_minutes(slot.zone)
    if here is None or there is None:
        warnings.append(
            f"a schedule is on {slot.zone} but the first is on {zone}; its times are read on {zone}"
        )
        return replace(slot, zone=zone)
    if slot.start == 0 and slot.end == _DAY:
        return replace(slot, zone=zone)
    start = slot.start + here - there
    shift = start // _DAY  # -1, 0 or 1: the interval moved to the day before or after
    start %= _DAY
    end = (slot.end + here - there) % _DAY or _DAY
    moved = timedelta(days=shift)
    return replace(
        slot,
        days=tuple((day + shift) % 7 for day in slot.days),
        start=start,
        end=end,
        zone=zone,
        valid_from=slot.valid_from + moved if slot.valid_from else None,
        valid_to=slot.valid_to + moved if slot.valid_to else None,
    )


def _interval(start: int, end: int) -> str:
    if start == 0 and end == _DAY:
        return ALL_DAY
    return f"{format_minutes(start)}-{format_minutes(end)}"


def _merge(spans: list[tuple[int, int]]) -> list[str]:
    """Canonical intervals for one day, with overlapping schedules joined."""
    flat = sorted((s, e if e > s else e + _DAY) for s, e in spans)
    merged: list[list[int]] = []
    for s, e in flat:
        if merged and s <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], e)
        else:
            merged.append([s, e])
    out = []
    for s, e in merged:
        if e - s >= _DAY:
            out.append(ALL_DAY)
        else:
            out.append(_interval(s, e if e <= _DAY else e - _DAY))
    return out


class _Week(TypedDict):
    """Each day's opening intervals ("09:00-17:00"), as ``OpeningHours`` takes them."""

    mon: tuple[str, ...]
    tue: tuple[str, ...]
    wed: tuple[str, ...]
    thu: tuple[str, ...]
    fri: tuple[str, ...]
    sat: tuple[str, ...]
    sun: tuple[str, ...]


def _week(slots: list[_Slot]) -> _Week:
    days: dict[int, list[tuple[int, int]]] = {day: [] for day in range(7)}
    for slot in slots:
        for day in slot.days:
            days[day].append((slot.start, slot.end))
    mon, tue, wed, thu, fri, sat, sun = (tuple(_merge(days[day])) for day in range(7))
    return _Week(mon=mon, tue=tue, wed=wed, thu=thu, fri=fri, sat=sat, sun=sun)


def _build(slots: list[_Slot], zone: str, today: date) -> OpeningHours:
    weekly = [s for s in slots if not s.holiday]
    # A schedule that already started and has no end is simply the week now.
    undated = [
        s for s in weekly if s.valid_to is None and (s.valid_from is None or s.valid_from <= today)
    ]
    periods: dict[tuple[date | None, date | None], list[_Slot]] = {}
    for slot in weekly:
        if slot not in undated:
            periods.setdefault((slot.valid_from, slot.valid_to), []).append(slot)
    dated = [
        DatedWeek(valid_from=start, valid_to=end, **_week(group))
        for (start, end), group in sorted(periods.items(), key=lambda item: _sort_key(item[0]))
    ]
    # A holiday slot always has its first date (_read_holiday leaves out one without).
    dated_holidays = [(s.valid_from, s) for s in slots if s.holiday and s.valid_from is not None]
    holidays = [
        HolidayHours(
            start=start,
            end=s.valid_to or start,
            closed=s.closed,
            intervals=() if s.closed else (_interval(s.start, s.end),),
            note=s.note,
        )
        for start, s in sorted(dated_holidays, key=lambda pair: pair[0])
    ][:MAX_HOLIDAYS]
    week = _week(undated)
    always = not dated and not holidays and all(day == (ALL_DAY,) for day in week.values())
    try:
        if always:
            return OpeningHours(always_open=True, bank_holidays_stated=False, timezone=zone)
        return OpeningHours(
            **week,
            bank_holidays_stated=False,
            timezone=zone,
            dated=tuple(dated),
            holidays=tuple(holidays),
        )
    except ValidationError as error:
        raise ScheduleSkip(f"schedule: {error.message}") from None


def _sort_key(period: tuple[date | None, date | None]) -> tuple:
    start, end = period
    return (start or date.min, end or date.max)


def london_today() -> date:
    """Today's date in the UK, for deciding which schedules have ended."""
    return datetime.now(zone_of(LONDON)).date()
