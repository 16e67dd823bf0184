"""What the CLI prints: every line made safe to show, since most of it is data.

Names, reasons and server answers reach a terminal here just as on the desk's
screens, so ``say`` passes each line through ``safe_text`` (escape sequences
and bidi overrides become visible placeholders; line breaks stay) before
``click.echo``. Commands use ``say`` instead of ``click.echo`` (it lives outside
``cxdesk.commands``, whose every module is a command group).
"""

from __future__ import annotations

import click

from cxdesk.domain.safe_text import safe_text


def say(text: object = "", *, err: bool = False) -> None:
    """Print ``text`` (made safe) and a newline, to standard error if ``err``."""
    click.echo(safe_text(text, multiline=True), err=err)
