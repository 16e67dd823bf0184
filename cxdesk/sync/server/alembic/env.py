"""Alembic's environment for the central database, driven from ``migrations.py``.

There is no ``alembic.ini`` and no URL here: ``cxdesk.sync.server.migrations``
hands over a connection already inside its write transaction (holding the
advisory lock on PostgreSQL, ``BEGIN IMMEDIATE`` on SQLite), so every revision
and the version stamp commit together or not at all. ``render_as_batch`` makes
autogenerate write SQLite's copy-and-move for changes ``ALTER TABLE`` cannot do.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

from cxdesk.sync.server.models import metadata

connection = context.config.attributes.get("connection")
if not isinstance(connection, Connection):
    raise RuntimeError(
        "The central schema is migrated by cxdesk itself (cxdesk serve, cxdesk admin ...) "
        "or revised with `make central-migration`; there is no alembic.ini."
    )


def _skip_empty(_context, _revision, directives) -> None:
    """Autogenerate with nothing to do writes no file (``revision.py`` says so)."""
    script = directives[0]
    if context.config.attributes.get("autogenerate") and script.upgrade_ops.is_empty():
        directives[:] = []


context.configure(
    connection=connection,
    process_revision_directives=_skip_empty,
    target_metadata=metadata,
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
    user_module_prefix="sa.",
)
with context.begin_transaction():
    context.run_migrations()
