"""Seed the demo council's priority numbers directory from ``fixtures/directory.csv``.

The demo uses the same importer as ``cxdesk admin import-directory``, so the
demo directory is exactly what an administrator would get from that file. A
fixture row that does not import is a bug in the fixtures, so it stops the seed
rather than leaving a quietly shorter directory.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from cxdesk.domain.directory_import import import_csv
from cxdesk.events import validate_payload
from cxdesk.seed import SeedEvent

ORDER = 20


def events(fixtures_dir: Path) -> Iterator[SeedEvent]:
    from cxdesk.seed.staff import seed_admin

    path = fixtures_dir / "directory.csv"
    if not path.exists():
        return
    result = import_csv(path, source="fixture")
    bad = [str(p) for p in result.problems if p.skipped]
    if bad:
        raise ValueError(f"{path} has rows that do not import: {'; '.join(bad)}")
    admin = seed_admin(fixtures_dir)
    for entry in result.entries:
        payload = validate_payload("DirectoryEntryUpdated", entry.model_dump(mode="json"))
        yield SeedEvent("DirectoryEntryUpdated", payload, actor=admin, role="admin")
