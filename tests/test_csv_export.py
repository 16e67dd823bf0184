"""CSV export: header, one row per issue, UTF-8, formulas neutralised, csv quoting."""

from __future__ import annotations

import csv
import io
import os
import stat
from datetime import UTC, datetime

import pytest

from cxdesk.domain.csv_export import HEADER, export_to_file, neutralise, write_issues_csv
from cxdesk.domain.issue_log import IssueLogRow


def row(**changes):
    base = dict(
        issue_id="0190-issue-1",
        at=datetime(2026, 7, 7, 13, 5, tzinfo=UTC),
        location="CSC",
        advisor="A1001",
        customer_id="C1",
        customer_name="Zoë Ní Bhriain",
        birth_year=1980,
        postcode_district="SW1A",
        kind="food_voucher",
        serial="FV000123",
        value_pence=500,
        reason="no food until payday",
        repeat_result="",
        override_reason="",
        approved_by="",
        status="issued",
    )
    base.update(changes)
    return IssueLogRow(**base)


def parse(text):
    return list(csv.reader(io.StringIO(text)))


@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t", "\r"])
def test_formula_starts_are_prefixed_with_a_quote(start):
    assert neutralise(f"{start}1+1") == f"'{start}1+1"


def test_ordinary_cells_are_unchanged():
    assert neutralise("Sam = good") == "Sam = good"
    assert neutralise("") == "" and neutralise(None) == "" and neutralise(42) == "42"


def test_header_and_one_row_per_issue():
    out = io.StringIO()
    assert write_issues_csv([row(), row(issue_id="2")], out) == 2
    lines = parse(out.getvalue())
    assert tuple(lines[0]) == HEADER and len(lines) == 3
    first = dict(zip(lines[0], lines[1], strict=True))
    assert first["issued_at_uk"] == "2026-07-07 14:05:00"  # BST
    assert first["issued_at_utc"] == "2026-07-07T13:05:00Z"
    assert first["amount_gbp"] == "5.00" and first["kind"] == "Food voucher"
    assert first["customer_name"] == "Zoë Ní Bhriain"


def test_dangerous_reason_is_neutralised_and_commas_quotes_newlines_survive():
    nasty = row(
        reason='=HYPERLINK("http://evil","click")',
        override_reason="@SUM(A1:A2)",
        customer_name='O\'Neill, "Pat"\nline two',
        approved_by="+44",
        repeat_result="-1",
    )
    out = io.StringIO()
    write_issues_csv([nasty], out)
    cells = dict(zip(HEADER, parse(out.getvalue())[1], strict=True))
    assert cells["reason"] == '\'=HYPERLINK("http://evil","click")'
    assert cells["override_reason"] == "'@SUM(A1:A2)"
    assert cells["override_approved_by"] == "'+44" and cells["repeat_claim_result"] == "'-1"
    assert cells["customer_name"] == 'O\'Neill, "Pat"\nline two'
    assert '"O\'Neill, ""Pat""\nline two"' in out.getvalue()


def test_file_is_utf8_and_private(tmp_path):
    path = tmp_path / "out" / "issues.csv"
    assert export_to_file([row()], path) == 1
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # BOM so spreadsheets read it as UTF-8
    assert "Zoë".encode() in raw
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    text = raw.decode("utf-8-sig")
    assert parse(text)[1][5] == "Zoë Ní Bhriain"
