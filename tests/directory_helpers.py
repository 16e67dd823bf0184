"""A large made-up directory for search tests and the search benchmark.

Names are built from meaningless syllables, so a real entry mixed in with them
must still be found by its own words; ``model_construct`` skips validation
because ten thousand phone checks would only slow the tests down.
"""

from __future__ import annotations

import random

from cxdesk.domain.directory import DirectoryEntry
from cxdesk.domain.hours import OpeningHours

_OFFICE = OpeningHours.parse("Mon-Fri 09:00-17:00")


def synthetic_entries(count: int, seed: int = 1) -> list[DirectoryEntry]:
    """``count`` plausible-looking but meaningless teams, the same for the same seed."""
    rng = random.Random(seed)
    syllables = [c + v for c in "bcdfgklmnprstvz" for v in "aeiou"]
    vocab = ["".join(rng.choice(syllables) for _ in range(rng.randint(2, 4))) for _ in range(2500)]
    kinds = ["Team", "Service", "Unit", "Office", "Desk", "Line", "Project", "Partnership"]
    out = []
    for n in range(count):
        out.append(
            DirectoryEntry.model_construct(
                id=f"synthetic-{n}",
                name=f"{rng.choice(vocab).title()} {rng.choice(vocab).title()} {rng.choice(kinds)}",
                team=rng.choice(vocab).title(),
                service=" ".join(rng.choice(vocab) for _ in range(8)),
                keywords=tuple(rng.choice(vocab) for _ in range(4)),
                phone=f"+44113496{n % 1000:04d}",  # 0113 496 0xxx, an Ofcom drama range
                hours=_OFFICE,
                out_of_hours="",
                out_of_hours_phone=None,
                notes="",
                staff_only=False,
                email=None,
                source="csv",
            )
        )
    return out
