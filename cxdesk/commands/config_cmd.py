"""``cxdesk config``: the settings in force and where each came from."""

from __future__ import annotations

import click

from cxdesk import locations
from cxdesk.config import describe_settings


@click.command("config")
def config_command() -> None:
    """Print the settings in force and where each one came from."""
    click.echo(f"settings file: {locations.config_file()}")
    for row in describe_settings():
        click.echo(f"{row.name} = {row.value!r}  ({row.source})")


def register(cli: click.Group) -> None:
    cli.add_command(config_command)
