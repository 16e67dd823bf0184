"""``cxdesk config``: the settings in force and where each came from."""

from __future__ import annotations

import click

from cxdesk import locations
from cxdesk.cli_output import say
from cxdesk.config import describe_settings


@click.command("config")
def config_command() -> None:
    """Print the settings in force and where each one came from."""
    say(f"settings file: {locations.config_file()}")
    rows = describe_settings()
    for row in rows:
        say(f"{row.name} = {row.value!r}  ({row.source})")
    from cxdesk.config import load_settings
    from cxdesk.store.keys import describe_key

    say(f"store key: {describe_key(load_settings().store_path)}")


def register(cli: click.Group) -> None:
    cli.add_command(config_command)
