"""Changing the directory: import a file, recording events only for what actually changed.

An administrator re-imports the council's whole directory file whenever a
team's number or hours change. Recording every row each time would fill the
log (and every desk's sync) with thousands of identical events, so the import
compares each entry's payload digest with the ``fingerprint`` the projection
holds and records ``DirectoryEntryUpdated`` only for new and changed entries:
importing the same file twice changes nothing. Entries missing from the file
are kept unless ``remove_missing`` is asked for (a partial file must not empty
the directory). The whole import is one transaction: all of it or none.

An Open Referral UK file or feed is public: a staff-only entry kept in cxdesk
(a priority line that must not be given out) is never overwritten or removed
by it, even when the feed lists a service with the same id; the report counts
such entries as kept.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cxdesk.domain.directory import DirectoryEntry
from cxdesk.domain.directory_import import ImportProblem, ImportResult, import_csv, import_oruk
from cxdesk.errors import AuthError, ValidationError
from cxdesk.events import SUPERVISORS, validate_payload
from cxdesk.events.envelope import payload_digest
from cxdesk.store import _sql

FORMATS = ("csv", "oruk")


@dataclass
class ImportReport:
    """What an import did, for the administrator to read."""

    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    unchanged: int = 0
    removed: list[str] = field(default_factory=list)
    missing: int = 0
    """Entries on this desk that the file did not mention (kept)."""
    kept_staff_only: list[str] = field(default_factory=list)
    """Staff-only entries the public feed also listed: left as they were."""
    problems: list[ImportProblem] = field(default_factory=list)

    @property
    def good_rows(self) -> int:
        return len(self.added) + len(self.changed) + self.unchanged

    @property
    def skipped(self) -> list[ImportProblem]:
        return [p for p in self.problems if p.skipped]


def detect_format(path: Path, given: str | None = None) -> str:
    """``csv`` or ``oruk``: as given, else from the file's extension."""
    if given:
        if given not in FORMATS:
            raise ValidationError(f"Unknown format {given!r}; use csv or oruk.", field="format")
        return given
    suffix = path.suffix.lower()
    if suffix in (".csv", ".txt"):
        return "csv"
    if suffix == ".json":
        return "oruk"
    raise ValidationError(
        f"Cannot tell the format of {path.name} from its extension; add --format csv or oruk.",
        field="format",
    )


def read_directory_file(path: Path | list | dict, fmt: str | None = None) -> ImportResult:
    """The entries and problems in a CSV or Open Referral UK JSON file.

    Already-parsed JSON (the pages fetched from an Open Referral UK API) is read
    as Open Referral UK.
    """
    if isinstance(path, list | dict):
        return import_oruk(path)
    fmt = detect_format(path, fmt)
    if not path.exists():
        raise ValidationError(f"There is no file {path}.", field="file")
    return import_csv(path) if fmt == "csv" else import_oruk(path)


def current_fingerprints(store) -> dict[str, str]:
    rows = _sql.query(store, "SELECT entry_id, fingerprint FROM directory_entries")
    return {row["entry_id"]: row["fingerprint"] for row in rows}


def staff_only_ids(store) -> set[str]:
    """Ids of the entries marked staff only (priority lines not for the public)."""
    rows = _sql.query(store, "SELECT entry_id, entry FROM directory_entries")
    return {row["entry_id"] for row in rows if json.loads(row["entry"]).get("staff_only")}


def apply_entries(
    store,
    entries: list[DirectoryEntry],
    *,
    actor: str,
    role: str,
    remove_missing: bool = False,
    public_feed: bool = False,
) -> ImportReport:
    """Record the new and changed ``entries`` (and removals if asked) in one transaction.

    ``public_feed``: the entries come from a published Open Referral feed, so
    staff-only entries are neither overwritten nor removed.
    """
    if role not in SUPERVISORS:
        raise AuthError("Only an administrator or a supervisor may change the directory.")
    report = ImportReport()
    known = current_fingerprints(store)
    protected = staff_only_ids(store) if public_feed else set()
    seen: set[str] = set(protected)
    with store.transaction():
        for entry in entries:
            if entry.id in protected:
                report.kept_staff_only.append(entry.id)
                continue
            seen.add(entry.id)
            payload = validate_payload("DirectoryEntryUpdated", entry.model_dump(mode="json"))
            before = known.get(entry.id)
            if before == payload_digest(payload):
                report.unchanged += 1
                continue
            store.record("DirectoryEntryUpdated", payload, actor=actor, role=role)
            (report.changed if before else report.added).append(entry.id)
        for entry_id in sorted(set(known) - seen):
            if remove_missing:
                store.record("DirectoryEntryRemoved", {"id": entry_id}, actor=actor, role=role)
                report.removed.append(entry_id)
            else:
                report.missing += 1
    return report


def import_directory(
    store,
    path: Path | list | dict | Any,
    *,
    actor: str,
    role: str,
    fmt: str | None = None,
    remove_missing: bool = False,
) -> ImportReport:
    """Read ``path`` (a file, or pages fetched from a feed) and record what changed.

    Problems are reported, not raised. Removal of missing entries happens only
    when the file had no skipped rows, so a row with a typo never deletes the
    entry it was meant to update, and never when it had no entries at all: an
    empty file or feed page (a publishing glitch) must not empty the directory.
    """
    if isinstance(path, list | dict):  # pages fetched from a feed: always Open Referral UK
        source, public = path, True
    else:
        source = Path(path)
        public = detect_format(source, fmt) == "oruk"
    result = read_directory_file(source, fmt)
    problems = list(result.problems)
    if not result.entries and not problems:
        problems.append(ImportProblem("no services or rows in it; nothing imported or removed"))
    remove = remove_missing and bool(result.entries) and not any(p.skipped for p in problems)
    report = apply_entries(
        store, result.entries, actor=actor, role=role, remove_missing=remove, public_feed=public
    )
    report.problems = problems
    return report


def remove_entry(store, entry_id: str, *, actor: str, role: str) -> None:
    """Take one entry out of the directory."""
    if role not in SUPERVISORS:
        raise AuthError("Only an administrator or a supervisor may change the directory.")
    store.record("DirectoryEntryRemoved", {"id": entry_id}, actor=actor, role=role)
