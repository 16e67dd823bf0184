"""The contact log as CSV, written as the issue log's export is (``domain.csv_export``):
a header row, UTF-8 (with a byte-order mark in files), every cell made safe and any
cell a spreadsheet could read as a formula neutralised, files private to their owner."""

from __future__ import annotations

import csv
import os
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TextIO

from cxdesk.domain.csv_export import _private, neutralise
from cxdesk.domain.safe_text import safe_text


def write_csv(header: Sequence[str], rows: Iterable[Sequence[object]], out: TextIO) -> int:
    """Write ``header`` and ``rows`` to ``out``; returns how many rows."""
    writer = csv.writer(out, quoting=csv.QUOTE_MINIMAL, lineterminator="\r\n")
    writer.writerow(header)
    count = 0
    for row in rows:
        writer.writerow([neutralise(safe_text(cell, multiline=True)) for cell in row])
        count += 1
    return count


def write_csv_file(header: Sequence[str], rows: Iterable[Sequence[object]], path: Path) -> int:
    """As ``write_csv``, to ``path`` (UTF-8 with BOM, mode 0600); returns the row count."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8-sig", newline="", opener=_private) as out:
        os.chmod(path, 0o600)
        return write_csv(header, rows, out)
