"""Printing a letter or a slip: through the desk's print command, else saved as a file.

``P`` on a slip or a letter hands its text to ``Settings.print_command``
(``lp`` by default, which reads what to print on its standard input). A desk
with no printer set up (no such command, or it refuses) still gets the text
saved for printing, and the advisor is told in a sentence which happened and
what to do; never a raw exception. The command is run without a shell, with
the text on stdin, so nothing in a resident's letter can be taken as a
command.
"""

from __future__ import annotations

import shlex
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

PRINT_TIMEOUT_SECONDS = 20


@dataclass(frozen=True)
class PrintOutcome:
    printed: bool
    path: Path | None
    message: str
    """What the advisor is told."""


def _run(command: str, text: str) -> str | None:
    """Send ``text`` to the print command; None if it printed, else why not (in words)."""
    try:
        args = shlex.split(command)
    except ValueError:
        return "the print command in the settings cannot be read"
    if not args:
        return "no print command is set"
    try:
        done = subprocess.run(
            args,
            input=text.encode("utf-8"),
            capture_output=True,
            timeout=PRINT_TIMEOUT_SECONDS,
            check=False,
        )
    except FileNotFoundError:
        return f"no printer is set up on this desk ({args[0]} is not installed)"
    except subprocess.TimeoutExpired:
        return "the printer did not answer"
    except OSError:
        return "the print command could not be started"
    if done.returncode != 0:
        return "the printer refused it (is one set up for this desk?)"
    return None


def print_or_save(text: str, command: str, save: Callable[[], Path], what: str) -> PrintOutcome:
    """Print ``text``; if that fails, save it with ``save`` and say where.

    ``what`` names it for the message ("the slip", "the letter").
    """
    problem = _run(command, text)
    if problem is None:
        return PrintOutcome(True, None, f"Sent {what} to the printer.")
    try:
        path = save()
    except OSError:
        return PrintOutcome(
            False,
            None,
            f"Could not print {what}: {problem}; and it could not be saved either (the disk "
            "may be full). Read it to the customer or write it down, and tell a supervisor.",
        )
    return PrintOutcome(
        False, path, f"Could not print {what}: {problem}. Saved it for printing to {path}."
    )
