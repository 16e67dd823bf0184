"""Reading the directory: its entries, a search index kept warm, and open-now status.

Building a ``DirectoryIndex`` over 10,000 entries takes a noticeable moment,
so one index per store is cached and rebuilt only when the directory has
changed: a cheap signature of the directory events (how many, the newest, how
many have their place from the server) says whether the cached one is stale.

Entries in the projection were validated when they were recorded, so loading
them skips re-checking every phone number; opening hours are parsed once per
distinct schedule (most teams share a handful).
"""

from __future__ import annotations

import json
import threading
import weakref
from dataclasses import dataclass
from datetime import UTC, datetime

from cxdesk.domain.directory import DirectoryEntry, DirectoryIndex, SearchHit
from cxdesk.domain.hours import OpeningHours, is_open, status_text
from cxdesk.store import _sql

_SIGNATURE = """
SELECT COUNT(e.rowid_), MAX(e.rowid_), COUNT(a.server_seq)
FROM events e LEFT JOIN event_acks a ON a.event_id = e.id
WHERE e.kind IN ('DirectoryEntryUpdated', 'DirectoryEntryRemoved')
"""

_cache: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_cache_lock = threading.Lock()


def directory_signature(store) -> tuple:
    """Changes whenever the directory may have changed."""
    return tuple(_sql.query(store, _SIGNATURE)[0])


def _entry_from_json(text: str, hours_cache: dict[str, OpeningHours]) -> DirectoryEntry:
    data = json.loads(text)
    hours_key = json.dumps(data["hours"], sort_keys=True)
    hours = hours_cache.get(hours_key)
    if hours is None:
        hours = hours_cache[hours_key] = OpeningHours.model_validate(data["hours"])
    data["hours"] = hours
    data["keywords"] = tuple(data.get("keywords") or ())
    return DirectoryEntry.model_construct(**data)


def load_entries(store) -> list[DirectoryEntry]:
    """Every current directory entry, by name."""
    rows = _sql.query(store, "SELECT entry FROM directory_entries ORDER BY name, entry_id")
    hours_cache: dict[str, OpeningHours] = {}
    return [_entry_from_json(row["entry"], hours_cache) for row in rows]


def get_entry(store, entry_id: str) -> DirectoryEntry | None:
    """One entry by id, or None if it is not (or no longer) in the directory."""
    rows = _sql.query(store, "SELECT entry FROM directory_entries WHERE entry_id = ?", (entry_id,))
    return _entry_from_json(rows[0]["entry"], {}) if rows else None


def directory_index(store) -> DirectoryIndex:
    """The search index for ``store``'s directory, rebuilt only after a change."""
    signature = directory_signature(store)
    with _cache_lock:
        cached = _cache.get(store)
        if cached is not None and cached[0] == signature:
            return cached[1]
    index = DirectoryIndex(load_entries(store))
    with _cache_lock:
        _cache[store] = (signature, index)
    return index


@dataclass(frozen=True)
class LookupResult:
    """A search hit with what the results list shows about the line right now."""

    entry: DirectoryEntry
    score: float
    open_now: bool
    status: str


def lookup(
    index: DirectoryIndex, query: str, *, limit: int = 20, now: datetime | None = None
) -> list[LookupResult]:
    """The best entries in ``index`` for ``query``, with open-now status at ``now``."""
    now = now or datetime.now(UTC)
    hits: list[SearchHit] = index.search(query, limit=limit)
    return [
        LookupResult(h.entry, h.score, is_open(h.entry.hours, now), status_text(h.entry.hours, now))
        for h in hits
    ]


def search_directory(
    store, query: str, *, limit: int = 20, now: datetime | None = None
) -> list[LookupResult]:
    """The best entries in ``store``'s directory for ``query`` (what the lookup screen shows)."""
    return lookup(directory_index(store), query, limit=limit, now=now)


def directory_size(store) -> int:
    """How many entries the directory holds."""
    return int(_sql.scalar(store, "SELECT COUNT(*) FROM directory_entries") or 0)
