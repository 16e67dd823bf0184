"""The compact text form of opening hours, and the readable lines shown to advisors.

People who keep the directory type hours the way they would write them on a
poster, so the text form follows that habit::

    Mon-Fri 09:00-17:00; Sat 10:00-13:00
    Mon-Thu 08:30-17:00; Fri 08:30-16:30; Sat, Sun closed
    Fri-Sat 22:00-02:00                  (open until 2am the next day)
    Daily 00:00-24:00; bank holidays open
    24/7
    unknown                              (no hours recorded)

Clauses are separated by ``;`` (or new lines). A clause is a day list and either
intervals separated by commas, ``closed`` or ``all day``. Day lists take short or
full names, ranges (``Fri-Mon`` wraps over the weekend), ``daily``, ``weekdays``
and ``weekends``. ``closed`` clears a day set by an earlier clause, so
``Daily 09:00-17:00; Sun closed`` reads naturally. The clause ``bank holidays
open`` (or ``bank holidays closed``, the default) sets the bank holiday rule.

This module only turns text into plain data and back; the model that checks and
uses it is ``cxdesk.domain.hours.OpeningHours``.
"""

from __future__ import annotations

import re

from cxdesk.errors import ValidationError

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
DAY_LABELS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
ALL_DAY = "00:00-24:00"

_DAY_WORDS = {
    "mon": 0,
    "monday": 0,
    "mo": 0,
    "tue": 1,
    "tues": 1,
    "tuesday": 1,
    "tu": 1,
    "wed": 2,
    "weds": 2,
    "wednesday": 2,
    "we": 2,
    "thu": 3,
    "thur": 3,
    "thurs": 3,
    "thursday": 3,
    "th": 3,
    "fri": 4,
    "friday": 4,
    "fr": 4,
    "sat": 5,
    "saturday": 5,
    "sa": 5,
    "sun": 6,
    "sunday": 6,
    "su": 6,
}
_DAY_GROUPS = {
    "daily": tuple(range(7)),
    "every day": tuple(range(7)),
    "everyday": tuple(range(7)),
    "weekdays": tuple(range(5)),
    "weekends": (5, 6),
    "weekend": (5, 6),
}
_TIME = re.compile(r"^(\d{1,2}):(\d{2})$")
_DASHES = re.compile(r"\s*(?:-|–|—|\bto\b)\s*")
# Where the day list stops and the times start inside one clause.
_TIMES_START = re.compile(r"\d{1,2}:\d{2}|\bclosed\b|\ball day\b|\b24 hours\b", re.IGNORECASE)


def parse_minutes(text: str, *, is_end: bool) -> int:
    """Minutes after midnight for "HH:MM"; "24:00" is allowed only as an end."""
    match = _TIME.match(text.strip())
    if not match:
        raise ValidationError(f"'{text.strip()}' is not a time like 09:30", field="hours")
    hour, minute = int(match.group(1)), int(match.group(2))
    if minute > 59 or hour > 24 or (hour == 24 and minute != 0):
        raise ValidationError(f"'{text.strip()}' is not a real time of day", field="hours")
    if hour == 24 and not is_end:
        raise ValidationError("An opening time cannot be 24:00; use 00:00", field="hours")
    return hour * 60 + minute


def format_minutes(minutes: int) -> str:
    """ "HH:MM" for minutes after midnight (1440 gives "24:00")."""
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def parse_interval(text: str) -> tuple[int, int]:
    """(start, end) minutes for "HH:MM-HH:MM"; an end before the start means the next day.

    An end of 00:00 after a later start is the same as 24:00 (closes at midnight).
    """
    parts = _DASHES.split(text.strip())
    if len(parts) != 2 or not all(parts):
        raise ValidationError(
            f"'{text.strip()}' is not an interval like 09:00-17:00", field="hours"
        )
    start = parse_minutes(parts[0], is_end=False)
    end = parse_minutes(parts[1], is_end=True)
    if end == 0 and start > 0:
        end = 24 * 60
    if end == start:
        raise ValidationError(
            f"'{text.strip()}' opens and closes at the same time; use 00:00-24:00 for all day",
            field="hours",
        )
    return start, end


def _parse_days(text: str) -> list[int]:
    words = text.strip().lower().rstrip(":").strip()
    if not words:
        raise ValidationError("Each clause needs days, e.g. 'Mon-Fri 09:00-17:00'", field="hours")
    if words in _DAY_GROUPS:
        return list(_DAY_GROUPS[words])
    days: list[int] = []
    for part in re.split(r"\s*(?:,|&|\band\b)\s*", words):
        if not part:
            continue
        ends = _DASHES.split(part)
        if len(ends) > 2:
            raise ValidationError(f"'{part}' is not a day or a range of days", field="hours")
        for word in ends:
            if word not in _DAY_WORDS and word not in _DAY_GROUPS:
                raise ValidationError(
                    f"Unknown day '{word}'; use Mon, Tue, Wed, Thu, Fri, Sat, Sun", field="hours"
                )
        if len(ends) == 1:
            days.extend(_DAY_GROUPS.get(ends[0], (_DAY_WORDS.get(ends[0], 0),)))
            continue
        first, last = (_DAY_WORDS.get(w) for w in ends)
        if first is None or last is None:
            raise ValidationError(f"'{part}' is not a range of days", field="hours")
        # A range may wrap over the weekend: Fri-Mon is Fri, Sat, Sun, Mon.
        days.extend((first + i) % 7 for i in range((last - first) % 7 + 1))
    return days


def parse_text(text: str) -> dict:
    """Plain data for OpeningHours from the compact form; raises ValidationError."""
    if not isinstance(text, str) or not text.strip():
        raise ValidationError("Opening hours are empty; write e.g. 'Mon-Fri 09:00-17:00'")
    result: dict = {"always_open": False, "open_bank_holidays": False}
    days: dict[int, list[str]] = {i: [] for i in range(7)}
    clauses = [c.strip() for c in re.split(r"[;\n]", text) if c.strip()]
    for clause in clauses:
        low = " ".join(clause.lower().split())
        if low in ("24/7", "24x7", "always open"):
            result["always_open"] = True
        elif low in ("unknown", "not known"):
            continue
        elif "bank hol" in low:
            if "closed" in low or "except" in low:
                result["open_bank_holidays"] = False
            elif "open" in low or "incl" in low:
                result["open_bank_holidays"] = True
            else:
                raise ValidationError(
                    f"'{clause}': say 'bank holidays open' or 'bank holidays closed'",
                    field="hours",
                )
        else:
            _parse_day_clause(clause, days)
    if result["always_open"] and any(days.values()):
        raise ValidationError("'24/7' cannot be mixed with day-by-day hours", field="hours")
    for index, name in enumerate(DAYS):
        result[name] = days[index]
    return result


def _parse_day_clause(clause: str, days: dict[int, list[str]]) -> None:
    match = _TIMES_START.search(clause)
    if not match:
        raise ValidationError(
            f"'{clause}' has no times; write e.g. 'Mon-Fri 09:00-17:00' or 'Sun closed'",
            field="hours",
        )
    day_list = _parse_days(clause[: match.start()])
    times = clause[match.start() :].strip().lower()
    if times == "closed":
        for day in day_list:
            days[day] = []
        return
    if times in ("all day", "24 hours"):
        intervals = [ALL_DAY]
    else:
        intervals = []
        for piece in times.split(","):
            start, end = parse_interval(piece)
            intervals.append(f"{format_minutes(start)}-{format_minutes(end)}")
    for day in day_list:
        days[day].extend(intervals)


def _day_ranges(indexes: list[int]) -> str:
    """'Mon-Wed, Fri' for [0, 1, 2, 4]: runs of three or more days become ranges."""
    runs: list[list[int]] = []
    for index in indexes:
        if runs and runs[-1][-1] == index - 1:
            runs[-1].append(index)
        else:
            runs.append([index])
    parts = []
    for run in runs:
        if len(run) >= 3:
            parts.append(f"{DAY_LABELS[run[0]]}-{DAY_LABELS[run[-1]]}")
        else:
            parts.extend(DAY_LABELS[i] for i in run)
    return ", ".join(parts)


def format_compact(week: list[tuple[str, ...]], always_open: bool, bank_open: bool) -> str:
    """The canonical compact form: days with the same intervals share one clause."""
    if always_open:
        return "24/7"
    groups: dict[tuple[str, ...], list[int]] = {}
    for index, intervals in enumerate(week):
        if intervals:
            groups.setdefault(intervals, []).append(index)
    if not groups:
        return "unknown"
    clauses = [f"{_day_ranges(idx)} {', '.join(iv)}" for iv, idx in groups.items()]
    if bank_open:
        clauses.append("bank holidays open")
    return "; ".join(clauses)


def readable(interval: str) -> str:
    """ "09:00–17:00", "22:00–02:00 next day", "all day" for one interval."""
    if interval == ALL_DAY:
        return "all day"
    start, end = interval.split("-")
    if end == "24:00":
        return f"{start}–midnight"
    if end < start:
        return f"{start}–{end} next day"
    return f"{start}–{end}"


def bank_line(bank_open: bool) -> str:
    return "Open on bank holidays" if bank_open else "Closed on bank holidays"


def describe_lines(
    week: list[tuple[str, ...]], always_open: bool, bank_open: bool | None
) -> list[str]:
    """Readable lines for the detail screen, one per run of days with the same hours.

    ``bank_open`` None: the source said nothing about bank holidays, so nothing is claimed.
    """
    if always_open:
        if bank_open is None:
            return ["Open 24 hours, every day"]
        return ["Open 24 hours, every day, including bank holidays"]
    if not any(week):
        return ["Opening hours not known"]
    lines = []
    start = 0
    for index in range(1, 8):
        if index == 7 or week[index] != week[start]:
            label = DAY_LABELS[start]
            if index - 1 > start:
                label = f"{label}–{DAY_LABELS[index - 1]}"
            hours = ", ".join(readable(iv) for iv in week[start]) or "closed"
            lines.append(f"{label}: {hours}")
            start = index
    if bank_open is not None:
        lines.append(bank_line(bank_open))
    return lines
