"""Bring every component's tables up to date, and refuse a store from a newer cxdesk.

Each component numbers its own migrations, recorded in ``schema_components``.
A store whose recorded version of a component is beyond what this cxdesk knows,
or that holds a component this cxdesk has never heard of, was written by a newer
version: opening it could lose data, so we refuse with a clear message.
"""

from __future__ import annotations

import sqlite3

from cxdesk import __version__
from cxdesk.errors import StoreError
from cxdesk.store import schema_versions

BOOKKEEPING = """
CREATE TABLE IF NOT EXISTS schema_components (
    component TEXT PRIMARY KEY,
    version INTEGER NOT NULL,
    written_by TEXT NOT NULL
)
"""


def recorded_versions(conn: sqlite3.Connection) -> dict[str, int]:
    conn.execute(BOOKKEEPING)
    return dict(conn.execute("SELECT component, version FROM schema_components"))


def migrate(conn: sqlite3.Connection) -> list[str]:
    """Apply what is missing; returns ``component vN`` for each migration applied."""
    recorded = recorded_versions(conn)
    if recorded == schema_versions.CURRENT:
        return []  # up to date: no need to import every component to learn it
    from cxdesk.store.components import load_components

    components = load_components()
    known = {c.name: len(c.migrations) for c in components}
    for name, version in recorded.items():
        if name not in known or version > known[name]:
            raise StoreError(
                f"This store was written by a newer version of cxdesk ({name} schema "
                f"v{version}; this is cxdesk {__version__}, which knows "
                f"v{known.get(name, 0)}). Update cxdesk on this desk before opening it.",
                title="Store from a newer cxdesk",
            )
    applied = []
    for comp in components:
        current = recorded.get(comp.name, 0)
        for number, step in enumerate(comp.migrations[current:], start=current + 1):
            conn.execute("BEGIN IMMEDIATE")
            try:
                if isinstance(step, str):
                    for statement in _statements(step):
                        conn.execute(statement)
                else:
                    step(conn)
                conn.execute(
                    "INSERT INTO schema_components (component, version, written_by) "
                    "VALUES (?, ?, ?) ON CONFLICT (component) DO UPDATE "
                    "SET version = excluded.version, written_by = excluded.written_by",
                    (comp.name, number, __version__),
                )
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")
            applied.append(f"{comp.name} v{number}")
    return applied


def _statements(script: str) -> list[str]:
    """Split a migration script into statements, keeping trigger bodies whole."""
    statements, buffer = [], ""
    for line in script.splitlines(keepends=True):
        buffer += line
        if sqlite3.complete_statement(buffer):
            if buffer.strip():
                statements.append(buffer.strip())
            buffer = ""
    if buffer.strip():
        statements.append(buffer.strip())
    return statements
