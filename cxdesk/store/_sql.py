"""Raw reads of the desk store, private to ``cxdesk.store``.

The store's public surface is its per-feature query and command modules, which
return typed records; SQL stays inside this package so a table can change
without a screen, a command or the sync worker noticing. Only modules of
``cxdesk.store`` import this one (``tests/test_closed_store.py`` checks), and
the tests, which look inside the tables on purpose.
"""

from __future__ import annotations

import sqlite3
from typing import TYPE_CHECKING, Any

from cxdesk.store import db

if TYPE_CHECKING:
    from cxdesk.store.store import Store

Params = tuple[Any, ...] | list[Any] | dict[str, Any]


def query(store: Store, sql: str, params: Params = ()) -> list[sqlite3.Row]:
    """Every row of ``sql`` (rows index by name or position)."""
    with store.reading() as conn:
        cur = conn.execute(sql, params)
        cur.row_factory = db.sqlite.Row
        return cur.fetchall()


def state(store: Store, key: str) -> str | None:
    """One ``sync_state`` value as kept (text), or None: for the typed accessors."""
    return scalar(store, "SELECT value FROM sync_state WHERE key = ?", (key,))


def scalar(store: Store, sql: str, params: Params = ()) -> Any:
    """The first column of the first row of ``sql``, or None."""
    with store.reading() as conn:
        row = conn.execute(sql, params).fetchone()
        return row[0] if row else None
