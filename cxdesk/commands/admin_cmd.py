"""``cxdesk admin`` group and ``cxdesk admin verify``."""

from __future__ import annotations

import click

from cxdesk.config import load_settings
from cxdesk.store import open_store
from cxdesk.store.rebuild import verify_store


@click.group("admin")
def admin() -> None:
    """Administration: verify the store, import the directory, devices, staff, policies."""


@admin.command("verify")
def verify_command() -> None:
    """Check the hash chain and that rebuilding every projection gives the live tables."""
    settings = load_settings()
    store = open_store(settings.store_path)
    try:
        report = verify_store(store)
    finally:
        store.close()
    for line in report.lines():
        click.echo(line)
    if not report.ok:
        raise SystemExit(1)


def register(cli: click.Group) -> None:
    cli.add_command(admin)
