"""Seed each location's opening stock from ``fixtures/stock.json`` (ORDER 40)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

from cxdesk.seed import SeedEvent
from cxdesk.seed.policies import supervisor

ORDER = 40


def events(fixtures_dir: Path) -> Iterator[SeedEvent]:
    path, who = fixtures_dir / "stock.json", supervisor(fixtures_dir)
    if not path.exists() or who is None:
        return
    for item in json.loads(path.read_text(encoding="utf-8"))["stock"]:
        payload = {k: item[k] for k in ("location", "kind", "first", "last")}
        payload["note"] = "opening stock"
        yield SeedEvent(
            "StockReceived", payload, actor=who[0], role=who[1], location=item["location"]
        )
