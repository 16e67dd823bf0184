"""``cxdesk admin set-contact-reasons``: the council's list of contact reasons, for every desk.

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
from cxdesk.commands.serve_cmd import db_option, resolve_db_url
from cxdesk.errors import ValidationError


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


def register(cli: click.Group) -> None:
    """The command hangs off the ``admin`` group, which admin_cmd registers."""
