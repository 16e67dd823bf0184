"""What an import hands back: the entries that made it and a problem for each that did not.

Shared by the CSV and Open Referral UK importers (and any later ones) so the
store and the screens show problems one way: which row or record, which field,
why, and whether the row was skipped or imported with a warning.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from os import PathLike
from pathlib import Path

from cxdesk.domain.directory import DirectoryEntry
from cxdesk.errors import ValidationError


@dataclass(frozen=True)
class ImportProblem:
    """Something wrong with one row or record, said so a person can fix the file."""

    reason: str
    row: int | None = None  # CSV row number, the header being row 1
    record: int | None = None  # position of a JSON record, from 1
    ref: str | None = None  # the record's id or name, when it has one
    field: str | None = None
    skipped: bool = True  # False: imported anyway, this is a warning

    def __str__(self) -> str:
        where = []
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.record is not None:
            where.append(f"record {self.record}")
        if self.ref:
            where.append(f"({self.ref})")
        prefix = " ".join(where) or "file"
        return f"{prefix}: {self.reason}" + ("" if self.skipped else " (imported anyway)")


@dataclass(frozen=True)
class ImportResult:
    """The entries that imported cleanly, in file order, and what was wrong with the rest."""

    entries: list[DirectoryEntry] = field(default_factory=list)
    problems: list[ImportProblem] = field(default_factory=list)


PathOrText = str | bytes | PathLike


def read_source(path_or_text: PathOrText, looks_like_text) -> str:
    """The file's text: a path is read as UTF-8, text that ``looks_like_text`` is used as is.

    Raises ValidationError when the file cannot be read.
    """
    if isinstance(path_or_text, bytes):
        data = path_or_text
    elif isinstance(path_or_text, str) and looks_like_text(path_or_text):
        return path_or_text.removeprefix("\ufeff")
    else:
        try:
            data = Path(path_or_text).read_bytes()
        except OSError as error:
            raise ValidationError(f"cannot read {path_or_text}: {error.strerror}") from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ValidationError(f"the file is not UTF-8 text (byte {error.start})") from None
