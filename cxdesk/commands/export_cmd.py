"""``cxdesk export issues``: the issued-voucher log for a date range as CSV.

The same rows and the same CSV as the supervisor's screen export (header row,
one row per issue, UTF-8, formulas neutralised), for a manager's spreadsheet or
an auditor. With no ``--output`` it writes to standard output so it can be
piped; dates are UK calendar days, both inclusive, typed as 31/01/2026 or
2026-01-31.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from cxdesk.cli_output import say
from cxdesk.config import load_settings
from cxdesk.errors import StoreError


@click.group("export")
def export() -> None:
    """Export data for reporting: the issued-voucher log."""


@export.command("issues")
@click.option("--from", "date_from", required=True, help="First day, e.g. 01/11/2026.")
@click.option("--to", "date_to", required=True, help="Last day (inclusive).")
@click.option("--location", default=None, help="Only this location id, e.g. CSC.")
@click.option(
    "--output", type=click.Path(dir_okay=False, path_type=Path), default=None,
    help="CSV file to write (default: standard output).",
)  # fmt: skip
def export_issues(date_from: str, date_to: str, location: str | None, output: Path | None):
    """Every voucher and card issued in a date range, as CSV, newest first."""
    # Imported here: the desk app starts through this CLI and needs none of it.
    from cxdesk.domain.csv_export import export_to_file, write_issues_csv
    from cxdesk.domain.issue_log import IssueFilter
    from cxdesk.domain.validation import parse_date, parse_location_id
    from cxdesk.store import open_store
    from cxdesk.store.issue_log_queries import iter_log

    flt = IssueFilter(
        date_from=parse_date(date_from, field="from"),
        date_to=parse_date(date_to, field="to"),
        location=parse_location_id(location, field="location") if location else None,
    )
    settings = load_settings()
    if not settings.store_path.exists():
        raise StoreError(f"No desk store at {settings.store_path}; nothing to export.")
    store = open_store(settings.store_path)
    try:
        rows = iter_log(store, flt)
        if output is None:
            write_issues_csv(rows, sys.stdout)
        else:
            count = export_to_file(rows, output)
            say(f"Wrote {count} issues to {output}", err=True)
    finally:
        store.close()


def register(cli: click.Group) -> None:
    cli.add_command(export)
