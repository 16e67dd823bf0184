"""Import services from an Open Referral UK (HSDS) JSON export into the directory.

Councils and partners publish their service directories in the Open Referral UK
shape; importing one saves the directory's keeper from retyping it. Exports
differ in the details, so this reads the common shapes and says plainly what it
could not use:

- the file is a list of services, a page ``{"content": [...]}`` or
  ``{"services": [...]}``, or a list of such pages;
- ``id`` (slugged into the entry id, so re-imports update the same entry),
  ``name``, ``description`` (shortened to fit ``service``),
  ``organization.name`` (the team), ``email``, ``url`` (kept in notes);
- numbers from ``phones[].number``, else ``contacts[].phones[].number``; the
  first valid one is the direct number, and one described as "out of hours" or
  "emergency" becomes the out-of-hours number;
- ``regular_schedules`` (or ``schedules``) with ``opens_at``/``closes_at`` and
  either ``weekday`` (1 = Monday to 7 = Sunday, ISO 8601, or a day name) or
  ``byday`` ("MO,TU"); times are read as UK local time; ``00:00``-``00:00``
  means all day and a ``23:59`` closing means midnight; only weekly schedules
  are understood; no schedule at all gives "hours not known";
- ``taxonomies[].name``, ``service_taxonomys[].taxonomy.name`` and
  ``taxonomy_terms[].name`` become keywords.

A record that lacks an id, a name, a valid number or readable hours is skipped
with a problem naming its position, id and name; lesser faults (a bad email, a
monthly schedule) are warnings and the record is imported without that part.
"""

from __future__ import annotations

import json
import re
from typing import Any

from pydantic import ValidationError as PydanticValidationError

from cxdesk.domain.directory import (
    MAX_KEYWORDS,
    MAX_LENGTHS,
    DirectoryEntry,
    Source,
    clean_email,
    clean_text,
    slugify,
    to_e164,
)
from cxdesk.domain.hours import OpeningHours
from cxdesk.domain.hours_text import ALL_DAY, DAYS
from cxdesk.domain.import_result import ImportProblem, ImportResult, PathOrText, read_source
from cxdesk.errors import ValidationError

_BYDAY = {"MO": 0, "TU": 1, "WE": 2, "TH": 3, "FR": 4, "SA": 5, "SU": 6}
_DAY_NAMES = {name: i for i, name in enumerate(
    ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
)}  # fmt: skip
_TIME = re.compile(r"(?:^|T)(\d{1,2}):(\d{2})(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?$")
_OUT_OF_HOURS = re.compile(r"out[- ]of[- ]hours|emergenc|night|weekend", re.IGNORECASE)


class _Skip(Exception):
    """A record cannot be imported; the message says why, ``field`` where."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


def import_oruk(path_or_text: PathOrText | list | dict, *, source: Source = "oruk") -> ImportResult:
    """Entries from an Open Referral UK JSON export (path, bytes, JSON text or parsed data)."""
    try:
        if isinstance(path_or_text, list | dict):
            data: Any = path_or_text
        else:
            text = read_source(path_or_text, lambda s: s.lstrip()[:1] in ("[", "{"))
            data = json.loads(text)
    except ValidationError as error:
        return ImportResult([], [ImportProblem(error.message)])
    except json.JSONDecodeError as error:
        return ImportResult([], [ImportProblem(f"not JSON: {error.msg} at line {error.lineno}")])
    records = _services(data)
    if records is None:
        return ImportResult(
            [], [ImportProblem("no services found: expected a list, 'content' or 'services'")]
        )
    entries: list[DirectoryEntry] = []
    problems: list[ImportProblem] = []
    first_record: dict[str, int] = {}
    for number, record in enumerate(records, start=1):
        ref = _ref(record)
        warnings: list[str] = []
        try:
            entry = _entry(record, source, warnings)
        except (_Skip, ValidationError) as error:
            reason = error.message if isinstance(error, ValidationError) else str(error)
            problems.append(ImportProblem(reason, record=number, ref=ref, field=error.field))
            continue
        except PydanticValidationError as error:  # a backstop: _entry checks every field
            problems.append(ImportProblem(str(error.errors()[0]["msg"]), record=number, ref=ref))
            continue
        if entry.id in first_record:
            problems.append(
                ImportProblem(
                    f"id '{entry.id}' is already used by record {first_record[entry.id]}",
                    record=number,
                    ref=ref,
                    field="id",
                )
            )
            continue
        first_record[entry.id] = number
        entries.append(entry)
        problems.extend(ImportProblem(w, record=number, ref=ref, skipped=False) for w in warnings)
    return ImportResult(entries, problems)


def _services(data: Any) -> list | None:
    if isinstance(data, dict):
        for key in ("content", "services", "items"):
            if isinstance(data.get(key), list):
                return data[key]
        return [data] if "id" in data and "name" in data else None
    if isinstance(data, list):
        if data and all(isinstance(p, dict) and not ("id" in p and "name" in p) for p in data):
            pages = [_services(page) for page in data]
            if all(page is not None for page in pages):
                return [service for page in pages for service in page]
        return data
    return None


def _ref(record: Any) -> str | None:
    if not isinstance(record, dict):
        return None
    parts = [str(record[k]).strip()[:60] for k in ("id", "name") if record.get(k)]
    return " ".join(dict.fromkeys(parts)) or None


def _entry(record: Any, source: Source, warnings: list[str]) -> DirectoryEntry:
    if not isinstance(record, dict):
        raise _Skip("is not a JSON object")
    raw_id = record.get("id")
    entry_id = slugify(str(raw_id)) if raw_id not in (None, "") else ""
    if not entry_id:
        raise _Skip("has no id", "id")
    name = clean_text(record.get("name"), "name", required=True)
    organization = record.get("organization")
    team = organization.get("name", "") if isinstance(organization, dict) else ""
    phone, ooh_phone, ooh_text = _phones(record)
    email = None
    try:
        email = clean_email(record.get("email"))
    except ValidationError as error:
        warnings.append(f"{error.message}; left out")
    url = clean_text(record.get("url"), "notes")
    return DirectoryEntry(
        id=entry_id,
        name=name,
        # Cleaned under their ORUK names (no length limit), then shortened to fit.
        team=_shorten(clean_text(team, "organization"), MAX_LENGTHS["team"]),
        service=_shorten(
            clean_text(record.get("description"), "description"), MAX_LENGTHS["service"]
        ),
        keywords=_keywords(record),
        phone=phone,
        hours=_hours(record, warnings),
        out_of_hours=ooh_text,
        out_of_hours_phone=ooh_phone,
        notes=f"Website: {url}" if url else "",
        email=email,
        source=source,
    )


def _shorten(text: str, limit: int) -> str:
    """Cut at a word boundary with an ellipsis, so long descriptions still fit."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 1].rsplit(" ", 1)[0].rstrip(" ,.;:")
    return cut + "…"


def _phones(record: dict) -> tuple[str, str | None, str]:
    """(direct number, out-of-hours number, out-of-hours text) from the record's phones."""
    found: list[tuple[object, str]] = []
    for phone in _dicts(record.get("phones")):
        found.append((phone.get("number"), str(phone.get("description") or "")))
    for contact in _dicts(record.get("contacts")):
        for phone in _dicts(contact.get("phones")):
            found.append((phone.get("number"), str(phone.get("description") or "")))
    direct = ooh = None
    ooh_text = ""
    bad = []
    for number, description in found:
        try:
            e164 = to_e164(number, "phone")
        except ValidationError:
            bad.append(str(number))
            continue
        if _OUT_OF_HOURS.search(description) and ooh is None:
            ooh, ooh_text = e164, clean_text(description, "out_of_hours")
        elif direct is None:
            direct = e164
    if direct is None:
        direct, ooh = ooh, None
    if direct is None:
        if bad:
            raise _Skip(f"no valid phone number: '{bad[0]}' is not a valid phone number", "phones")
        raise _Skip("has no phone number", "phones")
    if ooh is None:
        ooh_text = ""
    return direct, ooh, ooh_text


def _dicts(value: Any) -> list[dict]:
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []


def _keywords(record: dict) -> list[str]:
    names = [t.get("name") for t in _dicts(record.get("taxonomies"))]
    names += [t.get("name") for t in _dicts(record.get("taxonomy_terms"))]
    for link in _dicts(record.get("service_taxonomys")):
        taxonomy = link.get("taxonomy")
        names.append(taxonomy.get("name") if isinstance(taxonomy, dict) else link.get("name"))
    words = []
    for name in names:
        if isinstance(name, str):
            word = _shorten(clean_text(name, "taxonomy"), MAX_LENGTHS["keyword"])
            if word and word.casefold() not in (w.casefold() for w in words):
                words.append(word)
    return words[:MAX_KEYWORDS]


def _hours(record: dict, warnings: list[str]) -> OpeningHours:
    schedules = _dicts(record.get("regular_schedules")) or _dicts(record.get("schedules"))
    if not schedules:
        return OpeningHours()
    week: dict[int, list[str]] = {day: [] for day in range(7)}
    for position, schedule in enumerate(schedules, start=1):
        freq = str(schedule.get("freq") or "WEEKLY").upper()
        if freq != "WEEKLY":
            warnings.append(f"schedule {position} is {freq.lower()}, not weekly; left out")
            continue
        days = _schedule_days(schedule, position)
        opens = _clock(schedule.get("opens_at"), "opens_at", position)
        closes = _clock(schedule.get("closes_at"), "closes_at", position)
        if closes == "23:59" or (closes == "00:00" and opens != "00:00"):
            closes = "24:00"
        interval = ALL_DAY if opens == closes == "00:00" else f"{opens}-{closes}"
        for day in days:
            if interval not in week[day]:
                week[day].append(interval)
    if all(week[day] == [ALL_DAY] for day in range(7)):
        return OpeningHours(always_open=True)
    try:
        return OpeningHours(**{DAYS[day]: intervals for day, intervals in week.items()})
    except ValidationError as error:
        raise _Skip(f"schedule: {error.message}", "regular_schedules") from None


def _schedule_days(schedule: dict, position: int) -> list[int]:
    weekday, byday = schedule.get("weekday"), schedule.get("byday")
    if weekday not in (None, ""):
        if isinstance(weekday, int) and not isinstance(weekday, bool) and 1 <= weekday <= 7:
            return [weekday - 1]
        text = str(weekday).strip().lower()
        if text.isdigit() and 1 <= int(text) <= 7:
            return [int(text) - 1]
        if text in _DAY_NAMES:
            return [_DAY_NAMES[text]]
        if text[:2].upper() in _BYDAY and len(text) == 2:
            return [_BYDAY[text.upper()]]
        raise _Skip(
            f"schedule {position}: weekday {weekday!r} is not 1-7 or a day name",
            "regular_schedules",
        )
    if isinstance(byday, str) and byday.strip():
        days = []
        for code in byday.upper().replace(" ", "").split(","):
            if code not in _BYDAY:
                raise _Skip(
                    f"schedule {position}: byday {code!r} is not a weekly day code",
                    "regular_schedules",
                )
            days.append(_BYDAY[code])
        return days
    raise _Skip(f"schedule {position} says no day (weekday or byday)", "regular_schedules")


def _clock(value: Any, name: str, position: int) -> str:
    match = _TIME.search(str(value or "").strip())
    if not match or int(match.group(1)) > 23 or int(match.group(2)) > 59:
        raise _Skip(
            f"schedule {position}: {name} {value!r} is not a time of day", "regular_schedules"
        )
    return f"{int(match.group(1)):02d}:{match.group(2)}"
