"""The ``cxdesk`` command: the desk app, the demo, the central API, admin and export.

Sub-commands live in ``cxdesk.commands`` (one module per area, each with a
``register(cli)`` function), so adding one never means editing a long file.
A ``CxDeskError`` becomes a plain message and exit status 1, never a traceback.
"""

from __future__ import annotations

import importlib
import pkgutil
import sys

import click

from cxdesk import __version__
from cxdesk.cli_output import say
from cxdesk.errors import CxDeskError


class FriendlyGroup(click.Group):
    """Turns our own errors into a one-line message for the person at the keyboard."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except CxDeskError as exc:
            say(f"{exc.title}: {exc.message}", err=True)
            ctx.exit(1)


@click.group(cls=FriendlyGroup, invoke_without_command=True)
@click.version_option(__version__, prog_name="cxdesk")
@click.pass_context
def cli(ctx: click.Context) -> None:
    """cxdesk: priority numbers, referrals and crisis support at the council desk.

    Run with no command to open the desk app.
    """
    if ctx.invoked_subcommand is None:
        ctx.invoke(cli.commands["run"])


def _load_commands() -> None:
    from cxdesk import commands

    for info in sorted(pkgutil.iter_modules(commands.__path__), key=lambda i: i.name):
        module = importlib.import_module(f"{commands.__name__}.{info.name}")
        module.register(cli)


_load_commands()


def main() -> None:
    cli(prog_name="cxdesk")


if __name__ == "__main__":
    sys.exit(main())
