"""The CLI prints data made safe: ``cxdesk export issues`` to standard output, ``cxdesk lookup``."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime
from pathlib import Path

from click.testing import CliRunner

from cxdesk.cli import cli
from cxdesk.config import load_settings
from cxdesk.store import open_store
from cxdesk.store.directory_queries import get_entry
from tests import hostile
from tests import supervision_helpers as h
from tests.conftest import TEST_PASSCODE, key_fields_for
from tests.deskkit import build_desk

AT = datetime(2026, 11, 3, 10, tzinfo=UTC)


def test_export_to_standard_output_carries_no_escape(monkeypatch):
    store = open_store(load_settings().store_path, device_id="D-CLI", location="CSC")
    try:
        store.record(
            "StaffEnrolled",
            {
                "staff_id": "ADMIN1",
                "name": "Ada",
                "role": "admin",
                "locations": ["CSC"],
                **key_fields_for("ADMIN1"),
            },
            actor="ADMIN1",
            role="admin",
        )
        h.set_time(store, datetime(2026, 11, 2, 8, tzinfo=UTC))
        h.council(store)
        h.receive(store)
        with hostile.allow_hostile(monkeypatch):
            cid = h.customer(store, hostile.GIVEN, hostile.FAMILY)
            h.voucher(
                store,
                cid,
                "FV000001",
                at=AT,
                reason=hostile.TEXT,
                override=f"{hostile.OSC52}=cmd",
                action="reason",
            )
    finally:
        store.close()
    result = CliRunner().invoke(
        cli,
        ["export", "issues", "--from", "01/11/2026", "--to", "30/11/2026"],
        input=f"S1\n{TEST_PASSCODE}\n",  # a supervisor's passcode, at the prompt
    )
    assert result.exit_code == 0, result.output
    hostile.assert_text_safe(result.stdout, "export issues")
    [row] = list(csv.DictReader(io.StringIO(result.stdout)))
    assert row["customer_name"].startswith("[link='https://evil.example/']Quill[/link]␛]52")
    assert "Markup[/]" in row["customer_name"] and "[b]bold[/b]" in row["reason"]


def test_lookup_prints_a_hostile_directory_entry_safely(monkeypatch):
    store = open_store(load_settings().store_path, device_id="D-CLI", location="CSC")
    try:
        build_desk(store)
        entry = get_entry(store, "housing-options") or get_entry(store, "council-tax")
        assert entry is not None
        payload = entry.model_dump(mode="json")
        payload["name"] = f"Quill {hostile.OSC52}{hostile.BIDI} Markup[/] {hostile.C1_CSI}"
        payload["keywords"] = [*payload["keywords"], "quill"]
        with hostile.allow_hostile(monkeypatch):
            store.record("DirectoryEntryUpdated", payload, actor="ADMIN1", role="admin")
    finally:
        store.close()
    runner = CliRunner()
    plain = runner.invoke(cli, ["lookup", "quill"])
    assert plain.exit_code == 0, plain.output
    hostile.assert_text_safe(plain.output, "lookup")
    assert "Quill ␛]52;c;" in plain.output and "Markup[/]" in plain.output
    as_json = runner.invoke(cli, ["lookup", "quill", "--json"])
    assert as_json.exit_code == 0, as_json.output
    hostile.assert_text_safe(as_json.output, "lookup --json")
    assert json.loads(as_json.output)[0]["name"].startswith("Quill ")


def test_every_command_prints_through_say():
    """A bare ``click.echo`` or ``print`` in a command would print data raw."""
    import cxdesk

    package = Path(cxdesk.__file__).parent
    offenders = [
        f"{path.relative_to(package)}:{number}"
        for path in [package / "cli.py", *sorted((package / "commands").glob("*.py"))]
        for number, line in enumerate(path.read_text().splitlines(), start=1)
        if "click.echo(" in line or line.lstrip().startswith("print(")
    ]
    assert offenders == []
