"""Turn directory files into ``DirectoryEntry`` lists, reporting bad rows instead of failing.

Whoever keeps the directory (an administrator, or a council's Open Referral UK
feed) hands over a whole file; one bad row must not stop the other fifty, and
the person fixing the file needs to know exactly which row and why. So the
importers never raise on content: they return an ``ImportResult`` with the good
entries (in file order) and a list of ``ImportProblem``s. Importing the same file
twice gives equal entries, so the store can skip unchanged ones (compare
``DirectoryEntry.fingerprint()``).

CSV format (UTF-8, a BOM is fine; header row first, column order free)::

    id,name,team,service,keywords,phone,hours,out_of_hours,out_of_hours_phone,notes,staff_only,email

- ``id``: stable slug (``housing-options``); other text is slugged; blank means
  the slugged name. Required columns: ``name``, ``phone``, ``hours``; the rest
  may be left out of the header.
- ``name`` (up to 120 characters), ``team`` (80), ``service`` (300): plain text,
  any script; control characters are refused.
- ``keywords``: words or phrases separated by ``;`` (each up to 40, at most 30).
- ``phone``: as dialled in the UK (``020 7946 0123``) or E.164; must be a valid
  number (``phonenumbers``, region GB), a UK short number (``999``, ``116 123``)
  or one of Ofcom's drama numbers. An extension written after it
  (``020 7946 0123 ext 2``) is kept; so is an optional ``extension`` column.
- ``hours``: the compact form of ``cxdesk.domain.hours_text``
  (``Mon-Fri 09:00-17:00; Sat 10:00-13:00``, ``24/7``, ``unknown``).
- ``out_of_hours`` (500, may span lines): what to do when the team is closed.
  ``out_of_hours_phone``: the number to ring then; blank takes the first valid
  number written in ``out_of_hours``.
- ``notes`` (1000, may span lines): for advisors.
- ``staff_only``: yes/no/true/false/y/n/1/0, blank is no. Yes means the number
  must never be given to the public.
- ``email``: optional.

Row numbers in problems count the header as row 1, as a spreadsheet shows them.
The Open Referral UK importer lives in ``directory_oruk`` and is re-exported here;
the result types live in ``import_result``.
"""

from __future__ import annotations

import csv
import io

from pydantic import ValidationError as PydanticValidationError

from cxdesk.domain.directory import (
    DirectoryEntry,
    Source,
    clean_email,
    clean_extension,
    clean_text,
    find_phone,
    parse_phone,
    slugify,
)
from cxdesk.domain.directory_oruk import import_oruk
from cxdesk.domain.hours import OpeningHours
from cxdesk.domain.import_result import ImportProblem, ImportResult, PathOrText, read_source
from cxdesk.errors import ValidationError

COLUMNS = (
    "id",
    "name",
    "team",
    "service",
    "keywords",
    "phone",
    "hours",
    "out_of_hours",
    "out_of_hours_phone",
    "notes",
    "staff_only",
    "email",
)
# Read when present, never required: a phone cell may carry "ext 2" instead.
OPTIONAL_COLUMNS = ("extension",)
REQUIRED_COLUMNS = ("name", "phone", "hours")
_YES = {"yes", "y", "true", "1"}
_NO = {"no", "n", "false", "0", ""}


def import_csv(path_or_text: PathOrText, *, source: Source = "csv") -> ImportResult:
    """Entries from a directory CSV (format in the module docstring), plus problems.

    ``path_or_text``: a path, bytes, or CSV text (a str containing a new line).
    """
    try:
        text = read_source(path_or_text, lambda s: "\n" in s or "\r" in s)
    except ValidationError as error:
        return ImportResult([], [ImportProblem(error.message)])
    rows = _csv_rows(text)
    try:
        header = next(rows)[1]
    except StopIteration:
        return ImportResult([], [ImportProblem("the file is empty", row=1)])
    if isinstance(header, ImportProblem):
        return ImportResult([], [header])
    columns = [name.strip().lower().removeprefix("\ufeff") for name in header]
    problems = _check_header(columns)
    if any(p.skipped for p in problems):
        return ImportResult([], problems)
    entries: list[DirectoryEntry] = []
    first_row: dict[str, int] = {}
    for number, cells in rows:
        if isinstance(cells, ImportProblem):
            problems.append(cells)
            continue
        if not any(cell.strip() for cell in cells):
            continue  # blank lines are allowed for readability
        if len(cells) != len(columns):
            problems.append(
                ImportProblem(
                    f"has {len(cells)} values but the header has {len(columns)} "
                    "(check for an unquoted comma)",
                    row=number,
                )
            )
            continue
        entry, row_problems = _entry_from_row(
            dict(zip(columns, cells, strict=True)), number, source
        )
        problems.extend(row_problems)
        if entry is None:
            continue
        if entry.id in first_row:
            problems.append(
                ImportProblem(
                    f"id '{entry.id}' is already used on row {first_row[entry.id]}",
                    row=number,
                    ref=entry.id,
                    field="id",
                )
            )
            continue
        first_row[entry.id] = number
        entries.append(entry)
    return ImportResult(entries, problems)


def _csv_rows(text: str):
    """(row number, cells) pairs; a row the csv module cannot read yields a problem."""
    reader = csv.reader(io.StringIO(text, newline=""))
    number = 0
    while True:
        number += 1
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            yield number, ImportProblem(f"cannot be read as CSV: {error}", row=number)
            continue
        yield number, cells


def _check_header(columns: list[str]) -> list[ImportProblem]:
    problems = []
    missing = [name for name in REQUIRED_COLUMNS if name not in columns]
    if missing:
        problems.append(
            ImportProblem(
                f"the header lacks required column(s): {', '.join(missing)}; "
                f"expected {','.join(COLUMNS)}",
                row=1,
            )
        )
    repeated = sorted({name for name in columns if columns.count(name) > 1})
    if repeated:
        problems.append(ImportProblem(f"column(s) repeated: {', '.join(repeated)}", row=1))
    unknown = [name for name in columns if name not in COLUMNS + OPTIONAL_COLUMNS]
    if unknown:
        problems.append(
            ImportProblem(
                f"column(s) not used and ignored: {', '.join(unknown)}", row=1, skipped=False
            )
        )
    return problems


def _entry_from_row(
    row: dict[str, str], number: int, source: Source
) -> tuple[DirectoryEntry | None, list[ImportProblem]]:
    """The entry for CSV row ``number``, or None, and a problem for each fault found."""
    errors: list[tuple[str | None, str]] = []
    values: dict[str, object] = {"source": source}

    def take(name: str, convert) -> None:
        try:
            values[name] = convert(row.get(name, ""))
        except ValidationError as error:
            errors.append((error.field or name, error.message))

    take("name", lambda v: clean_text(v, "name", required=True))
    raw_id = row.get("id", "").strip() or str(values.get("name", ""))
    ref = slugify(raw_id) or None
    if ref:
        values["id"] = ref
    elif "name" in values:
        errors.append(("id", "id has no letters or digits to make a slug from"))
    for name in ("team", "service", "notes", "out_of_hours"):
        take(name, lambda v, n=name: clean_text(v, n))
    take("keywords", lambda v: [clean_text(word, "keyword") for word in v.split(";")])
    take("phone", lambda v: parse_phone(v, "phone"))
    phone = values.get("phone")
    if isinstance(phone, tuple):
        values["phone"], values["extension"] = phone
    if row.get("extension", "").strip():
        take("extension", clean_extension)
    take("hours", _hours_cell)
    take(
        "out_of_hours_phone",
        lambda v: parse_phone(v, "out_of_hours_phone") if v.strip() else None,
    )
    out_of_hours_phone = values.get("out_of_hours_phone")
    if isinstance(out_of_hours_phone, tuple):
        values["out_of_hours_phone"], values["out_of_hours_extension"] = out_of_hours_phone
    if values.get("out_of_hours_phone") is None and values.get("out_of_hours"):
        values["out_of_hours_phone"] = find_phone(str(values["out_of_hours"]))
    take("staff_only", _yes_no)
    take("email", clean_email)
    try:
        if not errors:
            return DirectoryEntry.model_validate(values), []
    except ValidationError as error:
        errors.append((error.field, error.message))
    except PydanticValidationError as error:  # a backstop: the checks above should catch all
        errors.append((None, str(error.errors()[0]["msg"])))
    return None, [ImportProblem(reason, row=number, ref=ref, field=name) for name, reason in errors]


def _hours_cell(value: str) -> OpeningHours:
    if not value.strip():
        raise ValidationError("hours are required (write 'unknown' if not known)", field="hours")
    try:
        return OpeningHours.parse(value)
    except ValidationError as error:
        raise ValidationError(f"hours: {error.message}", field="hours") from None


def _yes_no(value: str) -> bool:
    word = value.strip().lower()
    if word in _YES:
        return True
    if word in _NO:
        return False
    raise ValidationError(f"staff_only '{value.strip()}' must be yes or no", field="staff_only")


__all__ = [
    "COLUMNS",
    "ImportProblem",
    "ImportResult",
    "import_csv",
    "import_oruk",
    "read_source",
]
