"""``cxdesk admin set-contact-reasons`` and ``cxdesk export contacts``.

``set-contact-reasons`` sets the council's list of contact reasons, for every desk.

The list is policy data, kept centrally: a JSON file like
``fixtures/contact_reasons.json`` (``reasons``: code, label, keywords; and
``fcr_window_days``) becomes one ``ContactReasonsSet`` event that every desk
pulls. Codes already used in wrap-ups should stay on the list (drop one and the
server refuses new wrap-ups naming it; old ones keep counting).
"""

from __future__ import annotations

import json
from pathlib import Path

import click

from cxdesk.cli_output import say
from cxdesk.commands.admin_cmd import admin
from cxdesk.commands.export_cmd import export, output_option, supervisor_option
from cxdesk.commands.serve_cmd import db_option, resolve_db_url
from cxdesk.errors import ValidationError

REPORT_NAMES = (
    "by-reason",
    "by-channel",
    "by-location",
    "by-hour",
    "by-week",
    "fcr-reason",
    "fcr-location",
    "footfall",
    "transfers",
    "repeats",
    "exclusion",
)
"""``contact_reports.REPORTS``, named here so ``--help`` does not import the store."""


@admin.command("set-contact-reasons")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@db_option
def set_contact_reasons_command(file: Path, db: str | None) -> None:
    """Set the council's contact reasons (wrap codes) and FCR window from a JSON FILE."""
    from cxdesk.events import validate_payload
    from cxdesk.seed.contacts import reasons_payload
    from cxdesk.sync.server.app import open_database
    from cxdesk.sync.server.central import record_one
    from cxdesk.sync.server.db import write_transaction

    try:
        payload = reasons_payload(file)
    except (OSError, UnicodeDecodeError, json.JSONDecodeError, KeyError, TypeError) as exc:
        raise ValidationError(f"{file} is not a contact reasons file: {exc}", "file") from None
    clean = validate_payload("ContactReasonsSet", payload)
    with write_transaction(open_database(resolve_db_url(db))) as conn:
        record_one(conn, "ContactReasonsSet", clean)
    say(f"{len(clean['reasons'])} contact reasons set; desks use them after their next sync.")


@export.command("contacts")
@click.option("--from", "date_from", required=True, help="First day, e.g. 01/11/2026.")
@click.option("--to", "date_to", required=True, help="Last day (inclusive).")
@click.option("--location", default=None, help="Only this location id, e.g. HUB-NORTH.")
@click.option(
    "--report",
    "report_name",
    default="contacts",
    type=click.Choice(["contacts", *REPORT_NAMES]),
    help="contacts: one row per contact (default); or one of the figures.",
)
@output_option
@supervisor_option
def export_contacts(date_from, date_to, location, report_name, output, staff_id) -> None:
    """The contact log for a date range as CSV: every contact, or one of the figures.

    Only a supervisor may export, confirmed by their passcode at the prompt, and
    the export is recorded (``ContactsExported``, signed by them).
    """
    import sys

    from cxdesk.commands.export_cmd import _supervisor
    from cxdesk.config import load_settings
    from cxdesk.domain.contact_csv import write_csv, write_csv_file
    from cxdesk.domain.validation import parse_date, parse_location_id
    from cxdesk.errors import StoreError
    from cxdesk.store import open_store
    from cxdesk.store.contact_reports import CONTACT_HEADER, Range, contact_rows, report

    first = parse_date(date_from, field="from")
    last = parse_date(date_to, field="to")
    if first > last:
        raise ValidationError("The 'from' date is after the 'to' date.", "from")
    where = parse_location_id(location, field="location") if location else None
    settings = load_settings()
    if not settings.store_path.exists():
        raise StoreError(f"No desk store at {settings.store_path}; nothing to export.")
    store = open_store(settings.store_path)
    try:
        who, keys = _supervisor(store, staff_id)
        rng = Range.of(first, last, where)
        if report_name == "contacts":
            header, rows = CONTACT_HEADER, contact_rows(store, rng)
        else:
            found = report(store, report_name, rng)
            header, rows = found.header, found.rows
        if output is None:
            count = write_csv(header, rows, sys.stdout)
        else:
            count = write_csv_file(header, rows, output)
            say(f"Wrote {count} rows to {output}", err=True)
        payload = {
            "date_from": first.isoformat(),
            "date_to": last.isoformat(),
            "location": where,
            "report": report_name,
            "rows": count,
            "to": "standard output" if output is None else "file",
        }
        store.record(
            "ContactsExported", payload, actor=who["staff_id"], role=who["role"], keys=keys
        )
    finally:
        store.close()


def register(cli: click.Group) -> None:
    """The command hangs off the ``admin`` group, which admin_cmd registers."""
