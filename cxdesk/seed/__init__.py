"""Seed events for a demo council, built from ``fixtures/``.

Each module in this package covers one feature and defines ``ORDER`` (lower
runs first: locations and staff before stock) and ``events(fixtures_dir)``
yielding ``SeedEvent``s. The same events seed a desk store (offline demo,
tests) or the central API (demo with sync), so both show the same council.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cxdesk import locations


@dataclass(frozen=True)
class SeedEvent:
    kind: str
    payload: dict[str, Any]
    actor: str
    role: str
    location: str | None = None


def seed_events(fixtures_dir: Path | None = None) -> Iterator[SeedEvent]:
    """Every seed event of every feature, in dependency order."""
    folder = fixtures_dir or locations.fixtures_dir()
    modules = [
        importlib.import_module(f"{__name__}.{info.name}")
        for info in pkgutil.iter_modules(__path__)
    ]
    for module in sorted(modules, key=lambda m: (m.ORDER, m.__name__)):
        yield from module.events(folder)


def seed_store(store, fixtures_dir: Path | None = None) -> int:
    """Record every seed event into a desk store in one transaction; returns the count."""
    return store.record_many(seed_events(fixtures_dir))
