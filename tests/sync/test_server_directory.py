"""``cxdesk admin import-directory FILE --db URL``: the directory imported on the server."""

from __future__ import annotations

import json

from click.testing import CliRunner
from sqlalchemy import text

from cxdesk import locations
from cxdesk.cli import cli
from cxdesk.domain import staff_keys as sk
from tests import peek

from ..oruk_feed_server import serve_feed


def directory_events(engine) -> int:
    with engine.connect() as conn:
        return conn.execute(
            text(
                "SELECT COUNT(*) FROM events WHERE kind = 'DirectoryEntryUpdated' "
                "AND device = 'central'"
            )
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
    assert peek.scalar(
        a.store, "SELECT COUNT(*) FROM events WHERE kind = 'DirectoryEntryUpdated'"
    ) == (imported)


async def test_set_policy_reaches_desks(central, server_url):
    runner = CliRunner()
    args = [
        "admin",
        "set-policy",
        "payment_card",
        "--window",
        "28:1",
        "--action",
        "supervisor",
        "--card-limit",
        "50.00",
        "--db",
        server_url,
    ]
    done = runner.invoke(cli, args)
    assert done.exit_code == 0, done.output
    bad = runner.invoke(
        cli, args[:3] + ["--window", "soon", "--action", "warn", "--db", server_url]
    )
    assert bad.exit_code != 0
    a = central.desk("D-A")
    await a.sync()
    rows = peek.query(a.store, "SELECT payload FROM events WHERE kind = 'PolicySet'")
    assert len(rows) == 1 and '"card_limit_pence":5000' in rows[0]["payload"]


def test_admin_staff_and_device_commands(central, server_url):
    runner = CliRunner()
    weak = runner.invoke(
        cli,
        [
            "admin",
            "add-staff",
            "AB2001",
            "--name",
            "Bo",
            "--role",
            "advisor",
            "--location",
            "CSC",
            "--db",
            server_url,
        ],
        input="short\nshort\nshort\n",
    )
    assert weak.exit_code != 0 and "at least" in weak.output
    done = runner.invoke(
        cli,
        [
            "admin",
            "add-staff",
            "AB2001",
            "--name",
            "Bo",
            "--role",
            "advisor",
            "--location",
            "CSC",
            "--db",
            server_url,
        ],
        input="marmalade kettle drum\nmarmalade kettle drum\n",
    )
    assert done.exit_code == 0, done.output
    assert "marmalade" not in done.output  # hidden, never echoed
    # Only the public key derived from it reaches the roster (no passcode, no hash).
    with central.engine.connect() as conn:
        enrolled = json.loads(
            conn.execute(
                text(
                    "SELECT payload FROM events"
                    " WHERE kind = 'StaffEnrolled' AND payload LIKE '%AB2001%'"
                )
            ).scalar()
        )
    assert "marmalade" not in json.dumps(enrolled) and "passcode_hash" not in enrolled
    derived = sk.derive_staff_keys(
        "marmalade kettle drum", enrolled["key_salt"], sk.KeyParams.parse(enrolled["key_params"])
    )
    assert derived.public_key == enrolled["public_key"]
    changed = runner.invoke(
        cli, ["admin", "change-staff", "AB2001", "--role", "supervisor", "--db", server_url]
    )
    assert changed.exit_code == 0, changed.output
    with central.engine.connect() as conn:
        role = conn.execute(text("SELECT role FROM roster WHERE staff_id = 'AB2001'")).scalar()
    assert role == "supervisor"
    added = runner.invoke(
        cli, ["admin", "add-device", "--location", "HUB-NORTH", "--db", server_url]
    )
    device = added.output.split("device: ")[1].split()[0]
    assert "token: cxd_" in added.output
    assert runner.invoke(cli, ["admin", "revoke-device", device, "--db", server_url]).exit_code == 0
    listing = runner.invoke(cli, ["admin", "devices", "--db", server_url]).output
    assert f"{device}  HUB-NORTH  revoked" in listing
    removed = runner.invoke(cli, ["admin", "remove-staff", "AB2001", "--db", server_url])
    assert removed.exit_code == 0
    epoch = runner.invoke(cli, ["admin", "new-epoch", "--db", server_url])
    assert epoch.exit_code == 0 and "new epoch" in epoch.output


async def test_feed_url_imported_on_the_server(central, server_url):
    """The council's Open Referral UK API, fetched page by page and imported centrally."""
    runner = CliRunner()
    with serve_feed() as feed:
        first = runner.invoke(cli, ["admin", "import-directory", feed, "--db", server_url])
        again = runner.invoke(cli, ["admin", "import-directory", feed, "--db", server_url])
    assert first.exit_code == 0, first.output
    assert "fetched 2 page(s)" in first.output and "added: 4" in first.output
    assert "unchanged: 4" in again.output and directory_events(central.engine) == 4
