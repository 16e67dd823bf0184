"""The short plain-text slip a customer takes away with a voucher or a payment card.

Plain text, 40 columns, so it prints on a receipt printer or an ordinary page
and reads aloud well. It says what they have been given, its value and serial,
what happens next and who to call; it carries no name, date of birth or
address, because slips get left on counters.
"""

from __future__ import annotations

import textwrap
from datetime import datetime

from cxdesk.domain.money import format_pounds
from cxdesk.domain.sla import london_time

WIDTH = 40


def slip_text(
    *,
    kind: str,
    serial: str,
    value_pence: int,
    issued_at: datetime,
    location_name: str,
    issue_id: str,
    due_at: datetime | None = None,
    help_line: str = "",
) -> str:
    """The slip's text, lines of at most ``WIDTH`` characters."""
    value = format_pounds(value_pence)
    if kind == "food_voucher":
        given = f"A {value} food voucher"
        next_steps = (
            "Use it at the supermarket named on the voucher for food and essentials. "
            "It cannot be exchanged for cash."
        )
    else:
        given = f"A payment card for a crisis payment of {value}"
        due = london_time(due_at, with_date=True) if due_at else "within one hour"
        next_steps = (
            f"The Welfare Assistance Team will load {value} onto the card by {due}. "
            "Keep the card safe; you can use it once the money is loaded."
        )
    lines = [
        "=" * WIDTH,
        "Your council: what you have been given".center(WIDTH),
        "=" * WIDTH,
        *textwrap.wrap(given, WIDTH),
        f"Serial: {serial}",
        f"Given: {london_time(issued_at, with_date=True)}",
        *textwrap.wrap(f"At: {location_name}", WIDTH),
        "",
        "What happens next",
        *textwrap.wrap(next_steps, WIDTH),
        "",
        "Who to call",
        *textwrap.wrap(help_line or "Ask at any council Community Hub.", WIDTH),
        "",
        f"Reference: {issue_id[-8:].upper()}",
        "=" * WIDTH,
    ]
    return "\n".join(lines) + "\n"
