"""``cxdesk admin import-directory FILE|URL``: load the council's directory into this store.

FILE is a CSV or Open Referral UK JSON file; URL is an Open Referral UK API
(https), whose ``/services`` pages are all fetched first (``cxdesk.sync.oruk_feed``)
and then imported exactly like a file, with the same report.

Prints what changed (added, changed, unchanged) and every row that could not
be imported, with its row (CSV) or record (Open Referral UK JSON) and the
reason, so the file can be fixed and imported again; re-importing only records
what changed. Exit status 0 when any row was good, 1 when none was.

Who is recorded as making the change: ``--as STAFF_ID`` (an administrator or
supervisor on the roster); without it, the roster's only active administrator.
That person types their passcode (prompted, hidden, never an argument): the
events are signed with the key it derives, wrong tries count towards their
sign-in lock-out, and the central API accepts the events only with that
signature.
"""

from __future__ import annotations

from pathlib import Path

import click

from cxdesk.cli_output import say
from cxdesk.commands.admin_cmd import admin
from cxdesk.config import load_settings
from cxdesk.errors import AuthError, CxDeskError
from cxdesk.events import SUPERVISORS


def resolve_actor(store, staff_id: str | None) -> tuple[str, str]:
    """(staff id, role) of the administrator or supervisor the import is recorded under."""
    from cxdesk.store.staff_queries import active_admins, active_member

    if staff_id:
        member = active_member(store, staff_id)
        if member is None:
            raise AuthError(f"{staff_id} is not on this desk's staff list.")
        if member.role not in SUPERVISORS:
            raise AuthError(
                f"{staff_id} is a {member.role}; only an administrator or supervisor may."
            )
        return member.staff_id, member.role
    admins = active_admins(store)
    if len(admins) != 1:
        raise AuthError(
            "Say who is importing with --as STAFF_ID (an administrator or supervisor); "
            f"this desk's staff list has {len(admins)} administrators."
        )
    return admins[0].staff_id, "admin"


@admin.command("import-directory")
@click.argument("file")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["csv", "oruk"]),
    default=None,
    help="csv or oruk (Open Referral UK JSON); by default from the file's extension.",
)
@click.option("--as", "staff_id", default=None, help="The administrator or supervisor importing.")
@click.option(
    "--remove-missing",
    is_flag=True,
    help="Also remove entries the file does not list (only if every row imported).",
)
@click.option("--db", default=None, help="Import on the central API's database (server side).")
def import_directory_command(
    file: str, fmt: str | None, staff_id: str | None, remove_missing: bool, db: str | None = None
) -> None:
    """Import the priority numbers directory from a CSV or Open Referral UK file or API URL."""
    from cxdesk.sync.oruk_feed import fetch_service_pages, is_url

    source: Path | list = Path(file)
    if is_url(file):
        if fmt not in (None, "oruk"):
            raise CxDeskError("A URL is read as an Open Referral UK API; leave out --format.")
        source = fetch_service_pages(file)
        say(f"fetched {len(source)} page(s) from {file}")
    if db:
        from cxdesk.commands.central_cmd import import_directory_on_server

        return import_directory_on_server(db, source, fmt, remove_missing)
    from cxdesk.store import open_store
    from cxdesk.store.directory_commands import import_directory
    from cxdesk.store.signin_commands import confirm_passcode

    settings = load_settings()
    if not settings.store_path.exists():
        raise CxDeskError(f"There is no desk store in {settings.data_dir}.")
    store = open_store(settings.store_path)
    try:
        if store.device_id is None:
            raise CxDeskError("This store has no desk identity yet; enrol the desk first.")
        actor, role = resolve_actor(store, staff_id)
        passcode = click.prompt(
            f"Passcode for {actor}", hide_input=True, default="", show_default=False
        )
        _person, keys = confirm_passcode(store, actor, passcode, purpose="directory import")
        store.use_keys(actor, keys)
        try:
            report = import_directory(
                store, source, actor=actor, role=role, fmt=fmt, remove_missing=remove_missing
            )
        finally:
            store.forget_keys(actor)
    finally:
        store.close()
    print_import_report(report)


def print_import_report(report) -> None:
    """Counts, then each skipped row with its reason; exit 1 if no row was good."""
    say(f"added: {len(report.added)}")
    say(f"changed: {len(report.changed)}")
    say(f"unchanged: {report.unchanged}")
    if report.removed:
        say(f"removed: {len(report.removed)}")
    elif report.missing:
        say(f"not in the file (kept): {report.missing}")
    if report.kept_staff_only:
        say(
            f"staff-only entries kept as they are (a public feed never overwrites them): "
            f"{', '.join(report.kept_staff_only)}"
        )
    say(f"problems: {len(report.problems)}")
    for problem in report.problems:
        say(f"  {problem}")
    if not report.good_rows:
        raise SystemExit(1)


def register(cli: click.Group) -> None:
    """The command hangs off the ``admin`` group, which admin_cmd registers."""
