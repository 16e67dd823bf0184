"""``cxdesk export issues``: dates validated, location filter, stdout or a file."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

from click.testing import CliRunner

from cxdesk.cli import cli
from cxdesk.config import load_settings
from cxdesk.store import open_store
from tests import peek

from . import supervision_helpers as h
from .conftest import TEST_PASSCODE, key_fields_for

SUPERVISOR = f"S1\n{TEST_PASSCODE}\n"


def fill():
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
        h.receive(store, first="FV000101", last="FV000200", location="HUB-N")
        cid = h.customer(store, "=cmd", "Jones")
        h.voucher(store, cid, "FV000001", at=datetime(2026, 11, 3, 10, tzinfo=UTC))
        h.voucher(
            store, cid, "FV000101", at=datetime(2026, 11, 4, 10, tzinfo=UTC), location="HUB-N"
        )
        h.voucher(store, cid, "FV000002", at=datetime(2026, 11, 9, 10, tzinfo=UTC))
    finally:
        store.close()


def test_export_to_stdout_with_location(tmp_path):
    fill()
    result = CliRunner().invoke(
        cli,
        ["export", "issues", "--from", "01/11/2026", "--to", "2026-11-08", "--location", "csc"],
        input=SUPERVISOR,
    )
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert [r["serial"] for r in rows] == ["FV000001"]
    assert rows[0]["customer_name"] == "'=cmd Jones"


def test_export_to_file_all_locations(tmp_path):
    fill()
    out = tmp_path / "issues.csv"
    result = CliRunner().invoke(
        cli,
        ["export", "issues", "--from", "2026-11-01", "--to", "2026-11-30", "--output", str(out)],
        input=SUPERVISOR,
    )
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8-sig"))))
    assert [r["serial"] for r in rows] == ["FV000002", "FV000101", "FV000001"]
    assert "Wrote 3 issues" in result.stderr


def test_bad_dates_are_one_line_errors():
    fill()
    result = CliRunner().invoke(cli, ["export", "issues", "--from", "31/02/2026", "--to", "x"])
    assert result.exit_code == 1 and "There is no 31 February" in result.output
    result = CliRunner().invoke(
        cli, ["export", "issues", "--from", "2026-11-09", "--to", "2026-11-01"]
    )
    assert result.exit_code == 1 and "after the 'to' date" in result.output


def _exports():
    store = open_store(load_settings().store_path)
    try:
        sql = "SELECT actor, payload, signature FROM events WHERE kind = 'IssuesExported'"
        return [dict(r) for r in peek.query(store, sql)]
    finally:
        store.close()


def test_export_needs_a_supervisor_passcode_and_is_recorded(tmp_path):
    fill()
    args = ["export", "issues", "--from", "2026-11-01", "--to", "2026-11-30"]
    wrong = CliRunner().invoke(cli, args, input="S1\nnot the passcode at all\n")
    assert wrong.exit_code != 0 and "do not match" in wrong.output
    assert "FV000001" not in wrong.stdout
    advisor = CliRunner().invoke(cli, args, input=f"A1\n{TEST_PASSCODE}\n")
    assert advisor.exit_code != 0 and "not a supervisor" in advisor.output
    assert _exports() == []
    result = CliRunner().invoke(cli, [*args, "--location", "HUB-N"], input=SUPERVISOR)
    assert result.exit_code == 0, result.output
    assert TEST_PASSCODE not in result.output  # typed at a hidden prompt
    [export] = _exports()
    assert export["actor"] == "S1" and export["signature"]
    assert '"issues":1' in export["payload"] and '"to":"standard output"' in export["payload"]
    store = open_store(load_settings().store_path)
    try:  # the wrong try counts towards the lock-out, as at sign-in
        assert peek.scalar(store, "SELECT COUNT(*) FROM events WHERE kind = 'SignInFailed'") == 1
    finally:
        store.close()
