"""``cxdesk admin`` group and ``cxdesk admin verify``."""

from __future__ import annotations

import click

from cxdesk.cli_output import say
from cxdesk.config import load_settings
from cxdesk.store import open_store


@click.group("admin")
def admin() -> None:
    """Administration: verify the store, import the directory, devices, staff, policies."""


@admin.command("verify")
@click.option("--db", default=None, help="Verify the central API's database at this URL instead.")
def verify_command(db: str | None) -> None:
    """Check the hash chain and that rebuilding every projection gives the live tables."""
    if db:
        from cxdesk.sync.server.app import open_database
        from cxdesk.sync.server.db import normalise_url
        from cxdesk.sync.server.erasure import verify_central

        central = verify_central(open_database(normalise_url(db)))
        for line in central.lines():
            say(line)
        raise SystemExit(1 if central.problems else 0)
    from cxdesk.store.rebuild import verify_store

    settings = load_settings()
    store = open_store(settings.store_path)
    try:
        report = verify_store(store)
    finally:
        store.close()
    for line in report.lines():
        say(line)
    if not report.ok:
        raise SystemExit(1)


@admin.command("recover")
@click.option(
    "--server",
    "url",
    default=None,
    help="The central API (default: the settings' or the damaged store's).",
)
def recover_command(url: str | None) -> None:
    """Set a damaged desk store aside (kept), enrol again, pull everything back.

    Asks for the new device token the administrator issued (never on the command
    line, where other users could see it), then lists the events the damaged
    store held that the central API never received.
    """
    from cxdesk.sync.recover import recover_desk

    settings = load_settings()
    token = click.prompt("New device token from the administrator", hide_input=True).strip()
    for line in recover_desk(settings, url, token).lines():
        say(line)


def register(cli: click.Group) -> None:
    cli.add_command(admin)
