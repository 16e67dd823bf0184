"""``cxdesk admin`` commands for the central API's database: devices, staff, epochs.

They run on the server machine against its database (``--db``, or
``CXDESK_SERVER_DB``, or the embedded SQLite file), and write their changes as
central events so every desk learns of them through the feed.

``admin import-directory FILE --db URL`` imports on the server (the desk-side
command hands over to ``import_directory_on_server`` when ``--db`` is given).
``admin set-policy`` sets a repeat-claim policy (``PolicySet``) for every desk.
"""

from __future__ import annotations

import click

from cxdesk.cli_output import say
from cxdesk.commands.admin_cmd import admin
from cxdesk.commands.serve_cmd import db_option, resolve_db_url
from cxdesk.errors import ValidationError


def _engine(db: str | None):
    from cxdesk.sync.server.app import open_database

    return open_database(resolve_db_url(db))


def _ask_passcode(staff_id: str, name: str | None = None) -> dict[str, str]:
    """Prompt (hidden, twice) for a new passcode; the roster's key fields derived from it.

    Only the public key, its salt and parameters leave this function: the
    passcode and the private key are dropped here.
    """
    from cxdesk.domain.passcodes import check_passcode_strength
    from cxdesk.domain.staff_keys import enrol_keys

    for _ in range(3):
        first = click.prompt("Passcode", hide_input=True)
        try:
            check_passcode_strength(first, staff_id=staff_id, name=name)
        except ValidationError as exc:
            say(exc.message, err=True)
            continue
        if click.prompt("Passcode again", hide_input=True) == first:
            return enrol_keys(first).roster_fields()
        say("The two passcodes differ.", err=True)
    raise ValidationError("No passcode set.", field="passcode")


@admin.command("add-device")
@click.option("--location", required=True, help="Where the desk is, e.g. CSC or HUB-NORTH.")
@click.option("--id", "device_id", default=None, help="A device id (default: made up).")
@db_option
def add_device_command(location: str, device_id: str | None, db: str | None) -> None:
    """Enrol a desk; prints its id and token ONCE (the server keeps only a hash)."""
    from cxdesk.sync.server import admin as server_admin

    device, token = server_admin.add_device(_engine(db), location, device_id)
    say(f"device: {device}")
    say(f"token: {token}")
    say("Give the token to the desk (cxdesk enrol); it cannot be shown again.", err=True)


@admin.command("revoke-device")
@click.argument("device_id")
@click.option("--reason", default="", help="Why (kept in the log).")
@db_option
def revoke_device_command(device_id: str, reason: str, db: str | None) -> None:
    """Stop a desk's token working at once (a lost laptop); the desk wipes itself."""
    from cxdesk.sync.server import admin as server_admin

    server_admin.revoke_device(_engine(db), device_id, reason)
    say(
        f"{device_id} revoked: its token no longer works. The desk deletes its store and "
        "files at its next contact with the central API (records it made since its last "
        "sync are lost with them)."
    )


@admin.command("move-device")
@click.argument("device_id")
@click.option("--location", required=True, help="The desk's new location, e.g. HUB-SOUTH.")
@db_option
def move_device_command(device_id: str, location: str, db: str | None) -> None:
    """Move a desk to another location; it changes what the desk may hold."""
    from cxdesk.sync.server import admin as server_admin

    was = server_admin.move_device(_engine(db), device_id, location)
    now = location.strip().upper()
    say(
        f"{device_id} moved from {was} to {now}. At its next contact with the central API "
        f"the desk removes the records only {was} may hold, keeps and sends its own unsent "
        f"work, and receives {now}'s records. Whoever is signed in there is signed out."
    )


@admin.command("add-staff")
@click.argument("staff_id")
@click.option("--name", required=True)
@click.option(
    "--role", required=True, type=click.Choice(["advisor", "hub", "welfare", "supervisor", "admin"])
)
@click.option("--location", "locations", multiple=True, required=True, help="Repeatable.")
@db_option
def add_staff_command(staff_id, name, role, locations, db) -> None:
    """Put someone on the roster (asks for their passcode twice, hidden)."""
    from cxdesk.sync.server import admin as server_admin

    staff_id = staff_id.strip().upper()
    engine = _engine(db)
    key_fields = _ask_passcode(staff_id, name)
    server_admin.add_staff(
        engine,
        staff_id,
        name=name,
        role=role,
        locations=[x.upper() for x in locations],
        key_fields=key_fields,
    )
    say(f"{staff_id} added as {role}.")


@admin.command("change-staff")
@click.argument("staff_id")
@click.option("--name", default=None)
@click.option(
    "--role", default=None, type=click.Choice(["advisor", "hub", "welfare", "supervisor", "admin"])
)
@click.option("--location", "locations", multiple=True, help="Repeatable; replaces the list.")
@click.option("--passcode", "new_passcode", is_flag=True, help="Set a new passcode (asks).")
@db_option
def change_staff_command(staff_id, name, role, locations, new_passcode, db) -> None:
    """Change someone's name, role, locations or passcode."""
    from cxdesk.sync.server import admin as server_admin

    staff_id = staff_id.strip().upper()
    engine = _engine(db)
    key_fields = _ask_passcode(staff_id, name) if new_passcode else {}
    server_admin.change_staff(
        engine,
        staff_id,
        name=name,
        role=role,
        locations=[x.upper() for x in locations] or None,
        **key_fields,
    )
    say(f"{staff_id} changed.")


@admin.command("remove-staff")
@click.argument("staff_id")
@db_option
def remove_staff_command(staff_id: str, db: str | None) -> None:
    """Take someone off the roster: they cannot sign in once a desk has synced."""
    from cxdesk.sync.server import admin as server_admin

    server_admin.remove_staff(_engine(db), staff_id.strip().upper())
    say(f"{staff_id} removed.")


@admin.command("new-epoch")
@click.option("--reason", default="administrator", help="Kept with the epoch.")
@db_option
def new_epoch_command(reason: str, db: str | None) -> None:
    """Start a new epoch (after restoring the database by hand): desks resend and re-pull."""
    from cxdesk.sync.server import admin as server_admin

    say(f"new epoch {server_admin.new_epoch(_engine(db), reason)}")


@admin.command("rejected")
@click.option("--limit", default=50, show_default=True)
@db_option
def rejected_command(limit: int, db: str | None) -> None:
    """Events the central API refused, newest first, with the reason."""
    from cxdesk.sync.server import admin as server_admin

    for row in server_admin.rejected_events(_engine(db), limit):
        say(
            f"{row['rejected_at']}  {row['device']} #{row['device_seq']}  {row['kind']}"
            f"  by {row['actor']}: {row['reason']}"
        )


@admin.command("devices")
@db_option
def devices_command(db: str | None) -> None:
    """The enrolled desks, how far each has synced, and the requests the API refused it."""
    from cxdesk.sync.server import admin as server_admin

    for row in server_admin.devices(_engine(db)):
        state = "revoked" if row["revoked"] else "active"
        refused = ", ".join(f"{n}x{status}" for status, n in sorted(row["refusals"].items()))
        line = f"{row['id']}  {row['location']}  {state}  last #{row['last_seq']}"
        say(line + (f"  refused: {refused}" if refused else ""))


@admin.command("erase")
@click.option(
    "--before",
    default=None,
    metavar="YYYY-MM-DD",
    help="Blank personal fields of events past their kind's retention on this date.",
)
@click.option("--customer", "customer_id", default=None, help="One resident's erasure request.")
@click.option("--reason", required=True, help="Why (kept in the log, e.g. the request reference).")
@db_option
def erase_command(before, customer_id, reason, db) -> None:
    """Erase personal data: past retention (--before) or one resident (--customer)."""
    from datetime import date

    from cxdesk.sync.server.erasure import erase

    if (before is None) == (customer_id is None):
        raise ValidationError("Give either --before DATE or --customer ID.", "before")
    if before is not None:
        try:
            date.fromisoformat(before)
        except ValueError:
            raise ValidationError(
                f"--before is a date like 2020-04-01 (not {before!r}).", "before"
            ) from None
    erasure_id, count = erase(_engine(db), reason=reason, before=before, customer_id=customer_id)
    say(f"Erasure {erasure_id}: {count} events blanked; desks apply it at their next sync.")


@admin.command("set-policy")
@click.argument("kind", type=click.Choice(["food_voucher", "payment_card"]))
@click.option(
    "--window",
    "windows",
    multiple=True,
    required=True,
    metavar="DAYS:MAX",
    help="At most MAX issues in DAYS days, e.g. 7:1 (repeatable).",
)
@click.option(
    "--action",
    required=True,
    type=click.Choice(["warn", "reason", "supervisor"]),
    help="What a repeat claim needs: a warning, a reason, or a supervisor.",
)
@click.option("--card-limit", default=None, help="Payment cards: the most per card, e.g. 50.00")
@click.option("--help-line", default="", help="Who the customer calls (printed on the slip).")
@click.option("--note", default="", help="Why the policy is what it is.")
@click.option("--serial-prefix", default=None, help="The kind's serial letters, e.g. FV.")
@click.option(
    "--serial-digits",
    type=click.IntRange(6, 10),
    default=None,
    help="How many digits follow the letters (6 to 10).",
)
@db_option
def set_policy_command(
    kind, windows, action, card_limit, help_line, note, serial_prefix, serial_digits, db
) -> None:
    """Set the repeat-claim policy for food vouchers or payment cards, for every desk."""
    from cxdesk.domain.money import parse_amount_pence
    from cxdesk.sync.server.central import record_one
    from cxdesk.sync.server.db import write_transaction

    parsed = []
    for text in windows:
        days, _, most = text.partition(":")
        if not (days.strip().isdigit() and most.strip().isdigit()):
            raise ValidationError(f"A window is DAYS:MAX, such as 7:1 (not {text!r}).", "window")
        parsed.append({"days": int(days), "max": int(most)})
    payload = {
        "kind": kind,
        "windows": parsed,
        "action": action,
        "help_line": help_line,
        "note": note,
    }
    if card_limit:
        payload["card_limit_pence"] = parse_amount_pence(card_limit, field="card_limit")
    if serial_prefix:
        payload["serial_prefix"] = serial_prefix.strip().upper()
    if serial_digits:
        payload["serial_digits"] = serial_digits
    with write_transaction(_engine(db)) as conn:
        record_one(conn, "PolicySet", payload)
    say(f"Policy for {kind} set; desks apply it after their next sync.")


def import_directory_on_server(db: str, file, fmt: str | None, remove_missing: bool) -> None:
    """``admin import-directory --db``: import into the central database and print the report."""
    from cxdesk.commands.directory_cmd import print_import_report
    from cxdesk.sync.server.directory import import_directory_central

    report = import_directory_central(_engine(db), file, fmt=fmt, remove_missing=remove_missing)
    print_import_report(report)


def register(cli: click.Group) -> None:
    """The commands hang off the ``admin`` group, which admin_cmd registers."""
