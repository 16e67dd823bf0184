"""The short plain-text slip a customer takes away with a voucher or a payment card.

Plain text, 40 columns, so it prints on a receipt printer or an ordinary page
and reads aloud well. It says what they have been given, its value and serial,
what happens next and who to call; it carries no name, date of birth or
address, because slips get left on counters. Who to call is the Welfare
Assistance Team's directory entry (number, hours and out-of-hours route), so
the slip never carries a number the directory does not; a card issued while
the team is closed says so, when they open, and where to turn meanwhile.
"""

from __future__ import annotations

import textwrap
from datetime import datetime
from functools import lru_cache

from cxdesk.domain.crisis_hours import WelfareContact
from cxdesk.domain.money import format_pounds
from cxdesk.domain.sla import london_time

WIDTH = 40


@lru_cache(maxsize=256)
def _wrap(text: str) -> tuple[str, ...]:
    """``text`` in lines of at most ``WIDTH``; most of a slip's text is the same every
    time (the kind's next steps, the team's number and hours, the place), so each is
    wrapped once."""
    return tuple(textwrap.wrap(text, WIDTH))


def slip_text(
    *,
    kind: str,
    serial: str,
    value_pence: int,
    issued_at: datetime,
    location_name: str,
    issue_id: str,
    due_at: datetime | None = None,
    contact: WelfareContact | None = None,
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
        team = contact.name if contact else "Welfare Assistance Team"
        opens = contact.opens_at(issued_at) if contact else None
        if opens is not None:
            next_steps = (
                f"The {team} is closed now and opens "
                f"{london_time(opens, with_date=True)}. They will load {value} onto the card "
                f"within an hour of opening, by {due}. Keep the card safe; you can use it "
                "once the money is loaded."
            )
        else:
            next_steps = (
                f"The {team} will load {value} onto the card by {due}. "
                "Keep the card safe; you can use it once the money is loaded."
            )
    who = ["Ask at any council Community Hub."]
    if contact is not None:
        who = [f"{contact.name}: {contact.phone}", *contact.hours_lines]
        who += ["", f"Urgent help while they are closed: {contact.out_of_hours_route()}"]
    lines = [
        "=" * WIDTH,
        "Your council: what you have been given".center(WIDTH),
        "=" * WIDTH,
        *_wrap(given),
        f"Serial: {serial}",
        f"Given: {london_time(issued_at, with_date=True)}",
        *_wrap(f"At: {location_name}"),
        "",
        "What happens next",
        *_wrap(next_steps),
        "",
        "Who to call",
        *(wrapped for line in who for wrapped in (_wrap(line) or ("",))),
        "",
        f"Reference: {issue_id[-8:].upper()}",
        "=" * WIDTH,
    ]
    return "\n".join(lines) + "\n"
