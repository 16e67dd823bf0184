"""Read what remains of a damaged desk store (a copy of it; nothing is ever written).

``cxdesk admin recover`` (``cxdesk.sync.recover``) gets the desk's identity,
its central API's address and every event SQLCipher can still read, in apply
order, stopping at the first unreadable part.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from cxdesk.events.envelope import Event
from cxdesk.store import db
from cxdesk.store.eventlog import EVENT_COLUMNS, row_to_event
from cxdesk.store.keys import DataKey
from cxdesk.store.sync_queries import SERVER_URL


@dataclass(frozen=True, slots=True)
class Remains:
    events: tuple[Event, ...]
    device: str | None
    server_url: str | None
    problem: str | None
    """Why reading stopped early, in words; None if everything was read."""


def read_remains(copy: Path, key: DataKey) -> Remains:
    """Everything readable in the store file ``copy``; raises ``StoreError`` if it cannot open."""
    conn = db.connect(copy, key=key, check_filesystem=False)
    device = url = problem = None
    events: list[Event] = []
    try:
        row = conn.execute("SELECT device_id FROM desk").fetchone()
        device = row[0] if row else None
        found = conn.execute("SELECT value FROM sync_state WHERE key = ?", (SERVER_URL,))
        row = found.fetchone()
        url = row[0] if row else None
        for row in conn.execute(f"SELECT {EVENT_COLUMNS} FROM events ORDER BY rowid_"):
            events.append(row_to_event(row))
    except db.ERRORS as exc:
        problem = str(exc)
    except ValueError as exc:  # a row that reads but does not parse: stop there
        problem = f"an event could not be read ({exc})"
    finally:
        conn.close()
    return Remains(tuple(events), device, url, problem)
