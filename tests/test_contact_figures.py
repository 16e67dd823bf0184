"""Contact figures: the reports over the demo's eight weeks, the export command (supervisor
only, formulas neutralised, recorded), and the supervisor's screen at 80x24."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from click.testing import CliRunner

from cxdesk.cli import cli
from cxdesk.config import load_settings
from cxdesk.domain.contacts import DAY_MS, parse_utc_ms
from cxdesk.domain.validation import london_today
from cxdesk.seed import seed_store
from cxdesk.store import contact_commands as cmd
from cxdesk.store import open_store
from cxdesk.store.contact_reports import REPORTS, Range, contact_rows, report
from tests import peek

from .conftest import TEST_PASSCODE, key_fields_for

ADV = {"actor": "A1", "role": "advisor"}
P1 = "0190b7a4-0000-7000-8000-000000000001"
P2 = "0190b7a4-0000-7000-8000-000000000002"
T0 = parse_utc_ms("2026-10-05T10:00:00Z")  # a Monday, 11:00 in London
OCTOBER = Range.of(
    london_today().replace(year=2026, month=10, day=1),
    london_today().replace(year=2026, month=10, day=31),
)


@pytest.fixture
def council(store):
    from cxdesk import locations
    from cxdesk.seed.contacts import reasons_payload

    payload = reasons_payload(locations.fixtures_dir() / "contact_reasons.json")
    store.record("ContactReasonsSet", payload, actor="S1", role="supervisor")
    return store


def wrap(store, who, reasons, outcome="resolved", day=0.0, channel="phone"):
    cmd.wrap_contact(
        store,
        **ADV,
        customer_id=who,
        reasons=reasons,
        channel=channel,
        outcome=outcome,
        at_ms=T0 + int(day * DAY_MS),
    )


def test_fcr_counts_and_repeat_contacts_from_the_log(council):
    wrap(council, P1, ["bins-missed"])
    wrap(council, P1, ["bins-missed"], "callback", day=3)  # back within 7 days
    wrap(council, P2, ["bins-missed"])
    wrap(council, P2, ["libraries"], day=1)  # back, for something else
    wrap(council, None, ["libraries"], "advice", channel="face")
    as_of = T0 + 30 * DAY_MS
    by_reason = {r[0]: r for r in report(council, "fcr-reason", OCTOBER).rows}
    # judged, resolved first time, rate, came back, pending: P1's first came back
    assert by_reason["Missed bin collection"][1:5] == (3, 1, "33.3%", 1)
    assert by_reason["Libraries"][1:3] == (1, 1)  # the anonymous one is not judged
    repeats = report(council, "repeats", OCTOBER).rows
    assert repeats == [("Missed bin collection", 1, 1)]
    footfall = report(council, "footfall", OCTOBER).rows
    assert footfall == [("CSC", "2026-10-05", 1)]
    hours = report(council, "by-hour", OCTOBER).rows
    assert hours[0][:2] == ("11:00", 5)  # every one at 10:00 UTC, BST in October
    rows = list(contact_rows(council, OCTOBER, as_of_ms=as_of))
    assert [r[-1] for r in rows].count("repeat") == 1
    assert {r[-1] for r in rows} >= {"resolved", "repeat", "not_resolved_here", "anonymous"}


def test_demo_seed_gives_about_2000_contacts_over_eight_weeks_and_every_report(store):
    seed_store(store)
    today = london_today()
    rng = Range.of(today - timedelta(days=57), today)
    assert 1_900 <= peek.scalar(store, "SELECT COUNT(*) FROM contacts") <= 2_100
    assert peek.scalar(store, "SELECT COUNT(*) FROM contacts WHERE customer_id IS NULL") > 200
    assert peek.scalar(store, "SELECT COUNT(*) FROM transfer_outcomes") > 50
    for name in REPORTS:
        assert report(store, name, rng).rows, name
    [(_, judged, resolved, rate, *_)] = [
        r for r in report(store, "fcr-location", rng).rows if r[0] == "CSC"
    ]
    assert 0.5 < resolved / judged < 0.85, rate


def _fill_cli_store():
    store = open_store(load_settings().store_path, device_id="D-CLI", location="CSC")
    try:
        store.record(
            "StaffEnrolled",
            {
                "staff_id": "S1",
                "name": "Sue",
                "role": "supervisor",
                "locations": ["CSC"],
                **key_fields_for("S1"),
            },
            actor="S1",
            role="admin",
        )
        store.record(
            "StaffEnrolled",
            {
                "staff_id": "A1",
                "name": "Ade",
                "role": "advisor",
                "locations": ["CSC"],
                **key_fields_for("A1"),
            },
            actor="S1",
            role="admin",
        )
        hostile = {
            "reasons": [
                {"code": "odd", "label": '=HYPERLINK("x")'},
                {"code": "libraries", "label": "Libraries"},
            ]
        }
        store.record("ContactReasonsSet", hostile, actor="S1", role="supervisor")
        wrap(store, None, ["odd"], "advice", channel="face")
        wrap(store, P1, ["libraries"])
    finally:
        store.close()


def test_export_contacts_needs_a_supervisor_and_neutralises_formulas(tmp_path):
    _fill_cli_store()
    args = ["export", "contacts", "--from", "01/10/2026", "--to", "2026-10-31"]
    refused = CliRunner().invoke(cli, args, input=f"A1\n{TEST_PASSCODE}\n")
    assert refused.exit_code != 0 and "not a supervisor" in refused.output
    result = CliRunner().invoke(cli, args, input=f"S1\n{TEST_PASSCODE}\n")
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert len(rows) == 2
    assert rows[0]["reasons"] == '\'=HYPERLINK("x")' and rows[0]["customer_id"] == ""
    out = tmp_path / "reasons.csv"
    by_reason = CliRunner().invoke(
        cli, [*args, "--report", "by-reason", "--output", str(out)], input=f"S1\n{TEST_PASSCODE}\n"
    )
    assert by_reason.exit_code == 0, by_reason.output
    assert (out.stat().st_mode & 0o777) == 0o600
    assert "'=HYPERLINK" in out.read_text(encoding="utf-8-sig")
    bad = CliRunner().invoke(
        cli, [*args[:3], "31/10/2026", "--to", "01/10/2026"], input=f"S1\n{TEST_PASSCODE}\n"
    )
    assert bad.exit_code != 0 and "after" in bad.output
    store = open_store(load_settings().store_path)
    try:
        assert (
            peek.scalar(store, "SELECT COUNT(*) FROM events WHERE kind = 'ContactsExported'") == 2
        )
    finally:
        store.close()
