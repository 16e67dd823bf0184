"""Import services from an Open Referral UK (HSDS 3.0) JSON export or API into the directory.

Councils and partners publish their service directories in the Open Referral UK
shape; importing one saves the directory's keeper from retyping it. Exports
differ in the details, so this reads the common shapes and says plainly what it
could not use:

- the data is a list of services; an HSDS 3.0 API page (``{"contents": [...],
  "total_items": ..., "page_number": ..., "total_pages": ...}``), or an older
  ``{"content": [...]}`` / ``{"services": [...]}`` page; a list of such pages;
  or organizations holding their ``services`` (a nested service without its
  own ``organization`` block belongs to the organization it sits in);
- ``id`` (slugged into the entry id, so re-imports update the same entry),
  ``name``, ``description`` (shortened to fit ``service``),
  ``organization.name`` (the team), ``email``, ``url`` (kept in notes);
- numbers from ``phones[]``, else ``contacts[].phones[]``: ``number`` (UK short
  numbers such as 999, 111 and 116 123 are dialable; Ofcom drama numbers are
  accepted) and ``extension`` (kept and shown as "ext 2"); the first valid one
  is the direct number, and one described as "out of hours" or "emergency"
  becomes the out-of-hours number;
- schedules as ``cxdesk.domain.oruk_schedules`` explains (offsets, ``timezone``,
  ``valid_from``/``valid_to``, holidays);
- ``taxonomies[].name``, ``service_taxonomys[].taxonomy.name`` and
  ``taxonomy_terms[].name`` become keywords.

A record that lacks an id, a name, a valid number or readable hours is skipped
with a problem naming its position, id and name; lesser faults (a bad email, a
monthly schedule, a schedule that has ended) are notes and the record is
imported without that part.
"""

from __future__ import annotations

import json
import re
from datetime import date
from typing import Any

from pydantic import ValidationError as PydanticValidationError

from cxdesk.domain.directory import (
    MAX_KEYWORDS,
    MAX_LENGTHS,
    DirectoryEntry,
    Source,
    clean_email,
    clean_extension,
    clean_text,
    parse_phone,
    slugify,
)
from cxdesk.domain.import_result import ImportProblem, ImportResult, PathOrText, read_source
from cxdesk.domain.oruk_schedules import ScheduleSkip, london_today, read_hours
from cxdesk.errors import ValidationError

PAGE_KEYS = ("contents", "content", "items")
_OUT_OF_HOURS = re.compile(r"out[- ]of[- ]hours|emergenc|night|weekend", re.IGNORECASE)


class _Skip(Exception):
    """A record cannot be imported; the message says why, ``field`` where."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


def import_oruk(
    path_or_text: PathOrText | list | dict,
    *,
    source: Source = "oruk",
    today: date | None = None,
) -> ImportResult:
    """Entries from an Open Referral UK JSON export (path, bytes, JSON text or parsed data).

    ``today`` (UK date; default now) decides which schedules have ended.
    """
    today = today or london_today()
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
            [],
            [
                ImportProblem(
                    "no services found: expected a list of services, a page with "
                    "'contents', or organizations with 'services'"
                )
            ],
        )
    entries: list[DirectoryEntry] = []
    problems: list[ImportProblem] = []
    first_record: dict[str, int] = {}
    for number, (record, team) in enumerate(records, start=1):
        ref = _ref(record)
        warnings: list[str] = []
        try:
            entry = _entry(record, source, warnings, team=team, today=today)
        except (_Skip, ScheduleSkip, ValidationError) as error:
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


def _services(data: Any, team: str = "", depth: int = 0) -> list[tuple[Any, str]] | None:
    """(service record, team of the organization it sits in) pairs, or None if none found."""
    if depth > 4:  # pages of organizations of services is as deep as real files go
        return None
    if isinstance(data, dict):
        for key in PAGE_KEYS:
            if isinstance(data.get(key), list):
                return _services(data[key], team, depth + 1)
        if isinstance(data.get("services"), list):
            # An organization holding its services, or a plain wrapper around them.
            name = data.get("name") if "id" in data and isinstance(data.get("name"), str) else ""
            return _services(data["services"], name or team, depth + 1)
        return [(data, team)] if "id" in data and "name" in data else None
    if isinstance(data, list):
        found: list[tuple[Any, str]] = []
        for item in data:
            nested = (
                _services(item, team, depth + 1)
                if isinstance(item, dict) and _is_container(item)
                else None
            )
            found.extend(nested if nested is not None else [(item, team)])
        return found
    return None


def _is_container(item: dict) -> bool:
    """A page or an organization (something holding services), not a service."""
    return any(isinstance(item.get(key), list) for key in (*PAGE_KEYS, "services"))


def _ref(record: Any) -> str | None:
    if not isinstance(record, dict):
        return None
    parts = [str(record[k]).strip()[:60] for k in ("id", "name") if record.get(k)]
    return " ".join(dict.fromkeys(parts)) or None


def _entry(
    record: Any, source: Source, warnings: list[str], *, team: str, today: date
) -> DirectoryEntry:
    if not isinstance(record, dict):
        raise _Skip("is not a JSON object")
    raw_id = record.get("id")
    entry_id = slugify(str(raw_id)) if raw_id not in (None, "") else ""
    if not entry_id:
        raise _Skip("has no id", "id")
    name = clean_text(record.get("name"), "name", required=True)
    organization = record.get("organization")
    if isinstance(organization, dict) and organization.get("name"):
        team = organization["name"]
    phone, ooh_phone, ooh_text = _phones(record, warnings)
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
        keywords=tuple(_keywords(record)),
        phone=phone[0],
        extension=phone[1],
        hours=read_hours(record, today=today, warnings=warnings),
        out_of_hours=ooh_text,
        out_of_hours_phone=ooh_phone[0] if ooh_phone else None,
        out_of_hours_extension=ooh_phone[1] if ooh_phone else None,
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


Phone = tuple[str, str | None]  # (number, extension)


def _phones(record: dict, warnings: list[str]) -> tuple[Phone, Phone | None, str]:
    """(direct number, out-of-hours number, out-of-hours text) from the record's phones."""
    found = list(_dicts(record.get("phones")))
    for contact in _dicts(record.get("contacts")):
        found.extend(_dicts(contact.get("phones")))
    direct: Phone | None = None
    ooh: Phone | None = None
    ooh_text = ""
    bad = []
    for phone in found:
        number, description = phone.get("number"), str(phone.get("description") or "")
        try:
            e164, extension = parse_phone(number, "phone")
        except ValidationError:
            bad.append(str(number))
            continue
        if phone.get("extension") not in (None, ""):
            try:
                extension = clean_extension(phone.get("extension"))
            except ValidationError as error:
                warnings.append(f"{error.message}; extension left out")
        if _OUT_OF_HOURS.search(description) and ooh is None:
            ooh, ooh_text = (e164, extension), clean_text(description, "out_of_hours")
        elif direct is None:
            direct = (e164, extension)
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
