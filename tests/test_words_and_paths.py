"""Words and paths: no fixed abode and BFPO registrable, the refused-consent letter names the
service, P prints (or saves, saying so), and failures are sentences."""

from __future__ import annotations

import sys
from types import SimpleNamespace

from cxdesk.domain.customers import clean_customer
from cxdesk.domain.letters import referral_confirmation
from cxdesk.domain.ukcontact import parse_uk_postcode
from cxdesk.printing import print_or_save
from cxdesk.store import customer_commands
from tests import peek
from tests.customer_helpers import MARIA
from tests.deskkit import build_desk, give_keys
from tests.test_screens_customers import ADVISOR


def test_bfpo_is_a_postcode():
    assert parse_uk_postcode("bfpo 1234") == "BFPO 1234"
    assert parse_uk_postcode("BFPO12") == "BFPO 12"


def test_no_fixed_abode_is_a_choice_not_a_blank(store):
    raw = dict(MARIA, postcode="", address="", no_fixed_abode="yes")
    clean, errors = clean_customer(raw)
    assert not errors and clean["postcode"] == "NFA" and clean["address"] == "No fixed abode"
    _clean, errors = clean_customer(dict(MARIA, postcode=""))
    assert "postcode" in errors  # a blank is still asked about
    build_desk(store, with_directory=False)
    give_keys(store, ADVISOR.staff_id)
    cid = customer_commands.register_customer(store, ADVISOR, raw)
    assert (
        peek.scalar(store, "SELECT postcode FROM customers WHERE customer_id = ?", (cid,)) == "NFA"
    )
    bfpo = customer_commands.register_customer(
        store, ADVISOR, dict(MARIA, given_name="Sam", postcode="BFPO 1234")
    )
    assert peek.scalar(store, "SELECT postcode FROM customers WHERE customer_id = ?", (bfpo,)) == (
        "BFPO 1234"
    )


def test_refused_consent_letter_names_the_service_and_how_to_reach_it():
    referral = SimpleNamespace(
        reference="R-ABC123",
        advice_only=True,
        to_team="housing-options",
        to_team_name="Housing Options",
        customer_actions="",
    )
    text = referral_confirmation(
        referral,
        SimpleNamespace(given_name="Maria", family_name="Okafor"),
        team_phone="+442079460101",
        team_phone_public=True,
        location_name="CSC",
    )
    flat = " ".join(text.split())
    assert "About: Housing Options" in flat
    assert "not to have your details passed to Housing Options" in flat
    assert "call 020 7946 0101" in flat and "R-ABC123" in flat
    assert "If you have not heard" not in flat  # nobody will be in touch


def test_print_goes_to_the_print_command(tmp_path):
    out = tmp_path / "printed.txt"
    outcome = print_or_save("SLIP", f"tee {out}", lambda: tmp_path / "never", "the slip")
    assert outcome.printed and out.read_text() == "SLIP"


def test_no_printer_saves_and_says_so(tmp_path):
    saved = tmp_path / "slip.txt"

    def save():
        saved.write_text("SLIP")
        return saved

    outcome = print_or_save("SLIP", "no-such-printer-command", save, "the slip")
    assert not outcome.printed and outcome.path == saved
    assert "no printer is set up" in outcome.message and str(saved) in outcome.message
    refused = print_or_save("SLIP", f"{sys.executable} -c 'raise SystemExit(1)'", save, "it")
    assert "refused" in refused.message


def test_nothing_printed_or_saved_is_a_sentence(tmp_path):
    def disk_full():
        raise OSError(28, "No space left on device")

    outcome = print_or_save("SLIP", "no-such-printer-command", disk_full, "the slip")
    assert outcome.path is None and "disk may be full" in outcome.message
    assert "Errno" not in outcome.message and "OSError" not in outcome.message


async def test_p_prints_the_slip_after_an_issue(admin_store, tmp_path):
    from tests.deskkit import make_test_app, settle, shows
    from tests.test_screens_shared_terminal import council_with_customer, open_issue_form

    printed = tmp_path / "printer.txt"
    cid = council_with_customer(admin_store)
    app = make_test_app(admin_store, print_command=f"tee {printed}")
    async with app.run_test(size=(80, 24)) as pilot:
        await open_issue_form(app, pilot, cid)
        await pilot.press(*"FV000003", "enter", *"no food", "ctrl+s")
        await settle(pilot)
        assert shows(app, "CONFIRMED")
        await pilot.press("p")
        await settle(pilot)
    assert "FV000003" in printed.read_text()


def test_over_200_earlier_issues_still_make_a_valid_record():
    from datetime import UTC, datetime, timedelta

    from cxdesk.domain import repeat_claims as rc
    from cxdesk.events.issuing import RepeatCheck
    from cxdesk.store.issue_commands import _check_payload

    start = datetime(2026, 1, 1, tzinfo=UTC)
    issues = [
        rc.PastIssue(f"0193{i:08d}-0000", "food_voucher", "c1", "CSC", start + timedelta(hours=i))
        for i in range(250)
    ]
    result = rc.CheckResult(matches=[rc.Match(i, "same record") for i in issues], checked_at=start)
    payload = _check_payload(result)
    check = RepeatCheck.model_validate(payload)
    assert len(check.matches) == 200 and check.more_matches == 50
    assert check.matches[0].issued_at.startswith("2026-01-11")  # the newest are listed
