"""The issued-voucher log as CSV: a header row, one row per issue, UTF-8, formulas neutralised.

Supervisors open the export in a spreadsheet, and names, reasons and notes are
typed by people (or by a customer at the counter). A cell that begins with
``=``, ``+``, ``-``, ``@``, a tab or a carriage return could run as a formula
there, so, following the OWASP "CSV Injection" guidance, such a cell is
prefixed with a single quote, which spreadsheets show as text. Quoting of
commas, double quotes and new lines is left to the ``csv`` module. Every cell is
first made safe to show (``safe_text``): the same CSV goes to standard output,
where an escape sequence in a name would reach the terminal.

Amounts are written as plain pounds ("5.00") so a spreadsheet can add them;
times are given in UK time for people and in UTC for reconciling with systems.
Files are written as UTF-8 with a byte-order mark so Excel reads accented
names correctly; standard output gets plain UTF-8, for pipes.
"""

from __future__ import annotations

import csv
import os
from collections.abc import Iterable
from pathlib import Path
from typing import TextIO

from cxdesk.domain.issue_log import KIND_LABELS, LONDON, IssueLogRow
from cxdesk.domain.safe_text import safe_text

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

HEADER = (
    "issued_at_uk",
    "issued_at_utc",
    "location",
    "advisor",
    "customer_id",
    "customer_name",
    "year_of_birth",
    "postcode_district",
    "kind",
    "serial",
    "amount_gbp",
    "reason",
    "repeat_claim_result",
    "override_reason",
    "override_approved_by",
    "status",
    "arrived_after_signoff",
    "issue_id",
)


def neutralise(value: object) -> str:
    """The cell text, with a leading quote if a spreadsheet could read it as a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def row_cells(row: IssueLogRow) -> list[str]:
    """One issue as the export's cells, in ``HEADER`` order, already neutralised."""
    pounds, pence = divmod(row.value_pence, 100)
    cells = [
        row.at.astimezone(LONDON).strftime("%Y-%m-%d %H:%M:%S"),
        row.at.strftime("%Y-%m-%dT%H:%M:%SZ"),
        row.location,
        row.advisor,
        row.customer_id or "",
        row.customer_name,
        row.birth_year or "",
        row.postcode_district,
        KIND_LABELS.get(row.kind, row.kind),
        row.serial,
        f"{pounds}.{pence:02d}",
        row.reason,
        row.repeat_result,
        row.override_reason,
        row.approved_by,
        row.status,
        "yes" if row.after_signoff else "",
        row.issue_id,
    ]
    return [neutralise(safe_text(cell, multiline=True)) for cell in cells]


def write_issues_csv(rows: Iterable[IssueLogRow], out: TextIO) -> int:
    """Write the header and one line per issue to ``out``; returns how many issues."""
    writer = csv.writer(out, quoting=csv.QUOTE_MINIMAL, lineterminator="\r\n")
    writer.writerow(HEADER)
    count = 0
    for row in rows:
        writer.writerow(row_cells(row))
        count += 1
    return count


def export_to_file(rows: Iterable[IssueLogRow], path: Path) -> int:
    """Write the export to ``path`` (UTF-8 with BOM, private to the user); returns the count."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8-sig", newline="", opener=_private) as out:
        os.chmod(path, 0o600)  # a file of that name already there keeps its mode otherwise
        return write_issues_csv(rows, out)


def _private(path: str, flags: int) -> int:
    # The export holds customers' names: readable by its owner only, like the store.
    return os.open(path, flags, 0o600)
