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
from cxdesk.errors import AuthError, StoreError

# Every export writes CSV to a file or standard output, for a supervisor who signs for it.
output_option = click.option(
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="CSV file to write (default: standard output).",
)
supervisor_option = click.option(
    "--as",
    "staff_id",
    default=None,
    help="The supervisor exporting (asked for if not given); the passcode is "
    "always asked for, never taken as an argument.",
)


@click.group("export")
def export() -> None:
    """Export data for reporting: the issued-voucher log."""


@export.command("issues")
@click.option("--from", "date_from", required=True, help="First day, e.g. 01/11/2026.")
@click.option("--to", "date_to", required=True, help="Last day (inclusive).")
@click.option("--location", default=None, help="Only this location id, e.g. CSC.")
@output_option
@supervisor_option
def export_issues(
    date_from: str,
    date_to: str,
    location: str | None,
    output: Path | None,
    staff_id: str | None,
):
    """Every voucher and card issued in a date range, as CSV, newest first.

    Only a supervisor may export, confirmed by their passcode at the prompt,
    and the export is recorded (``IssuesExported``, signed by them).
    """
    # Imported here: the desk app starts through this CLI and needs none of it.
    from cxdesk.domain.csv_export import export_to_file, write_issues_csv
    from cxdesk.domain.issue_log import IssueFilter
    from cxdesk.domain.validation import parse_date, parse_location_id
    from cxdesk.store import open_store
    from cxdesk.store.issue_log_queries import iter_log

    day_from, day_to = parse_date(date_from, field="from"), parse_date(date_to, field="to")
    flt = IssueFilter(
        date_from=day_from,
        date_to=day_to,
        location=parse_location_id(location, field="location") if location else None,
    )
    settings = load_settings()
    if not settings.store_path.exists():
        raise StoreError(f"No desk store at {settings.store_path}; nothing to export.")
    store = open_store(settings.store_path)
    try:
        who, keys = _supervisor(store, staff_id)
        rows = iter_log(store, flt)
        if output is None:
            count = write_issues_csv(rows, sys.stdout)
        else:
            count = export_to_file(rows, output)
            say(f"Wrote {count} issues to {output}", err=True)
        payload = {
            "date_from": day_from.isoformat(),
            "date_to": day_to.isoformat(),
            "location": flt.location,
            "issues": count,
            "to": "standard output" if output is None else "file",
        }
        store.record("IssuesExported", payload, actor=who["staff_id"], role=who["role"], keys=keys)
    finally:
        store.close()


def _supervisor(store, staff_id: str | None):
    """(staff row, signing keys) of the supervisor at the prompt; AuthError otherwise.

    The desk's own passcode check (``confirm_passcode``): wrong tries count
    towards the same lock-out as signing in, and are recorded.
    """
    from cxdesk.events import SUPERVISORS
    from cxdesk.store.signin_commands import confirm_passcode

    staff_id = staff_id or click.prompt("Supervisor staff ID", err=True)
    passcode = click.prompt("Passcode", hide_input=True, err=True)
    person, keys = confirm_passcode(store, staff_id, passcode, purpose="export")
    if person["role"] not in SUPERVISORS:
        raise AuthError(f"{person['name']} is not a supervisor, so cannot export the log.")
    return person, keys


def register(cli: click.Group) -> None:
    cli.add_command(export)
