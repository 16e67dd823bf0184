"""Bring the central database to the schema in ``models.py``, with Alembic, on every start.

``migrate`` runs ``upgrade head`` from the revisions in ``alembic/versions/``
inside one write transaction: on PostgreSQL an advisory lock stops two API
processes starting together from migrating at once, on SQLite ``BEGIN
IMMEDIATE`` does the same, and a failed revision leaves nothing half done.

Before Alembic, the schema was hand-rolled SQL counted in ``schema_version``
(v1 to v9). A database at v9 has exactly the baseline revision's schema, so it
is stamped at the baseline and nothing is re-created. One at v1 to v8 is
refused: the old steps filled the scope, claims and report tables with the
push path's live code, which cannot stay frozen while that code moves on, and the
cxdesk that wrote such a database brings it to v9 in one start (DESIGN.md).
Either way ``schema_version`` gets a row 10, so a cxdesk from before Alembic
refuses the database as newer than itself instead of serving a schema it does
not know. A database from a newer cxdesk (a revision this one lacks) is
refused, and so is one with tables but no version at all.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util.exc import CommandError
from sqlalchemy import Connection, Engine, inspect, text

from cxdesk import __version__
from cxdesk.errors import StoreError
from cxdesk.sync.server.db import is_postgres, write_transaction

ALEMBIC_DIR = Path(__file__).with_name("alembic")
BASELINE = "0001"
"""The revision whose schema is the hand-rolled v9's."""
LEGACY_LATEST = 9
HANDED_OVER = 10
"""The ``schema_version`` row that says Alembic keeps this database now."""


def utc_now_text() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def alembic_config(conn: Connection) -> Config:
    """Alembic's configuration in code; ``env.py`` runs its revisions on ``conn``."""
    config = Config()
    config.set_main_option("script_location", str(ALEMBIC_DIR))
    config.attributes["connection"] = conn
    return config


def migrate(engine: Engine) -> list[str]:
    """Bring the central database up to date; returns the revisions applied, oldest first."""
    with write_transaction(engine) as conn:
        if is_postgres(conn):
            conn.execute(text("SELECT pg_advisory_xact_lock(8740)"))
        config = alembic_config(conn)
        script = ScriptDirectory.from_config(config)
        current = MigrationContext.configure(conn).get_current_heads()
        if current:
            _refuse_unknown(script, current)
        elif _take_over_legacy(conn):
            command.stamp(config, BASELINE)
            current = (BASELINE,)
        pending = [
            r.revision for r in script.iterate_revisions("heads", current[0] if current else "base")
        ]
        command.upgrade(config, "head")
    return pending[::-1]


def _refuse_unknown(script: ScriptDirectory, current: tuple[str, ...]) -> None:
    for revision in current:
        try:
            script.get_revision(revision)
        except CommandError:
            raise StoreError(
                f"The central database is at schema revision {revision}, newer than this "
                f"cxdesk ({__version__}) knows. Update cxdesk before serving it.",
                title="Database from a newer cxdesk",
            ) from None


def _take_over_legacy(conn: Connection) -> bool:
    """Whether a database without Alembic's stamp is the hand-rolled v9 (True) or empty."""
    tables = set(inspect(conn).get_table_names()) - {"alembic_version"}
    if not tables:
        return False
    if "schema_version" not in tables:
        raise StoreError(
            f"The database has tables ({', '.join(sorted(tables)[:4])}, ...) but no cxdesk "
            "schema version: it is not a cxdesk central database. Give --db an empty "
            "database or the central one.",
            title="Not a cxdesk central database",
        )
    version = conn.execute(text("SELECT MAX(version) FROM schema_version")).scalar() or 0
    if version > LEGACY_LATEST:
        raise StoreError(
            f"The central database has schema v{version} but no Alembic revision: it was "
            "written by a newer cxdesk or damaged. Update cxdesk, or restore a backup.",
            title="Database from a newer cxdesk",
        )
    if version < LEGACY_LATEST:
        raise StoreError(
            f"The central database has the old schema v{version}; this cxdesk takes over "
            f"from v{LEGACY_LATEST} only. Start it once with the cxdesk that wrote it (any "
            f"cxdesk from before Alembic brings it to v{LEGACY_LATEST}), then with this one.",
            title="Central database too old",
        )
    conn.execute(
        text("INSERT INTO schema_version (version, applied_at, written_by) VALUES (:v, :t, :w)"),
        {"v": HANDED_OVER, "t": utc_now_text(), "w": f"{__version__} (alembic)"},
    )
    return True
