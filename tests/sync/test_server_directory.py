"""``cxdesk admin import-directory FILE --db URL``: the directory imported on the server."""

from __future__ import annotations

from click.testing import CliRunner
from sqlalchemy import text

from cxdesk import locations
from cxdesk.cli import cli


def directory_events(engine) -> int:
    with engine.connect() as conn:
        return conn.execute(
            text(
                "SELECT COUNT(*) FROM events WHERE kind = 'DirectoryEntryUpdated' "
                "AND device = 'central'"
            )  # fmt: skip
        ).scalar_one()


async def test_import_on_the_server_reaches_desks_once(central, server_url):
    path = locations.fixtures_dir() / "directory.csv"
    runner = CliRunner()
    first = runner.invoke(cli, ["admin", "import-directory", str(path), "--db", server_url])
    assert first.exit_code == 0, first.output
    imported = directory_events(central.engine)
    assert imported > 5 and f"added: {imported}" in first.output
    again = runner.invoke(cli, ["admin", "import-directory", str(path), "--db", server_url])
    assert again.exit_code == 0 and "added: 0" in again.output
    assert directory_events(central.engine) == imported  # nothing unchanged recorded twice
    a = central.desk("D-A")
    await a.sync()
    assert a.store.scalar("SELECT COUNT(*) FROM events WHERE kind = 'DirectoryEntryUpdated'") == (
        imported
    )
