"""Seed the council's contact reasons from ``fixtures/contact_reasons.json`` (ORDER 31).

Set by the first supervisor on the roster fixture, as the repeat-claim
policies are; later the list comes from the server (``cxdesk admin
set-contact-reasons``).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

from cxdesk.seed import SeedEvent
from cxdesk.seed.policies import supervisor

ORDER = 31


def reasons_payload(path: Path) -> dict:
    """The ``ContactReasonsSet`` payload in a reasons file (its ``_comment`` dropped)."""
    data = json.loads(path.read_text(encoding="utf-8"))
    return {"reasons": data["reasons"], "fcr_window_days": data.get("fcr_window_days", 7)}


def events(fixtures_dir: Path) -> Iterator[SeedEvent]:
    path, who = fixtures_dir / "contact_reasons.json", supervisor(fixtures_dir)
    if not path.exists() or who is None:
        return
    yield SeedEvent("ContactReasonsSet", reasons_payload(path), actor=who[0], role=who[1])
