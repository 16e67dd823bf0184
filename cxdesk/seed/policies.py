"""Seed the repeat-claim policies from ``fixtures/policies.json`` (ORDER 30).

Set by the first supervisor on the roster fixture, as a real council's
supervisor or administrator would; later the policies come from the server.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

from cxdesk.seed import SeedEvent

ORDER = 30


def supervisor(fixtures_dir: Path) -> tuple[str, str, list[str]] | None:
    """(staff id, role, locations) of the first supervisor in ``staff.json``, if any."""
    path = fixtures_dir / "staff.json"
    if not path.exists():
        return None
    data = json.loads(path.read_text(encoding="utf-8"))
    for person in data.get("staff", []) if isinstance(data, dict) else data:
        if person.get("role") == "supervisor":
            return person["staff_id"], "supervisor", person.get("locations") or []
    return None


def events(fixtures_dir: Path) -> Iterator[SeedEvent]:
    path, who = fixtures_dir / "policies.json", supervisor(fixtures_dir)
    if not path.exists() or who is None:
        return
    for policy in json.loads(path.read_text(encoding="utf-8"))["policies"]:
        yield SeedEvent("PolicySet", policy, actor=who[0], role=who[1])
