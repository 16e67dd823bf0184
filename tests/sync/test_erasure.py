"""Retention and right-to-erasure: blanked on the server and on every desk, chains still verify.

Real API over SQLite and PostgreSQL; the erasure is written by ``cxdesk admin
erase`` (through its function), reaches desks through the feed, and
``cxdesk admin verify`` passes on the server and on each desk afterwards.
"""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from cxdesk.cli import cli
from cxdesk.store import customer_commands as cc
from cxdesk.store.rebuild import verify_store
from cxdesk.sync.server.erasure import erase, verify_central
from tests import peek

from ..customer_helpers import MARIA
from .test_scope import ADV, _issue, hub_with_stock, make_desk


async def _two_hub_desks(central):
    north = await hub_with_stock(central)
    twin = make_desk(central, "D-N2", "HUB-N")
    maria = cc.register_customer(north.store, ADV, dict(MARIA))
    joe = cc.register_customer(
        north.store, ADV, {**MARIA, "given_name": "Joe", "address": "9 Elm Row"}
    )
    north.store.record(
        "CustomerNoteAdded",
        {"customer_id": maria, "note": "Fled violence."},
        actor="ADV1",
        role="advisor",
    )
    for desk in (north, twin, north):
        await desk.sync()
    return north, twin, maria, joe


def _payloads(store) -> str:
    return repr([tuple(r) for r in peek.query(store, "SELECT payload FROM events")])


async def test_a_residents_erasure_reaches_every_desk_and_verify_passes(central):
    north, twin, maria, joe = await _two_hub_desks(central)
    issue = _issue(north.store, "food_voucher", maria, "FV000101")
    await north.sync()
    await twin.sync()
    _id, count = erase(central.engine, reason="Request ER-1", customer_id=maria)
    assert count == 3  # her registration, the note, the voucher's reason; Joe is untouched
    for desk in (north, twin):
        await desk.sync()
        text = _payloads(desk.store)
        assert "Fled violence" not in text and "Mere Road" not in text
        assert peek.scalar(desk.store, "SELECT COUNT(*) FROM erased_events") == 3
        keys = "SELECT given_key || dob_key FROM claims_index WHERE issue_id = ?"
        assert peek.scalar(desk.store, keys, (issue.issue_id,)) == ""  # her match keys gone
        row = peek.query(
            desk.store, "SELECT given_name, address FROM customers WHERE customer_id = ?", (maria,)
        )[0]
        assert tuple(row) == ("", "")
        assert (
            peek.scalar(
                desk.store, "SELECT given_name FROM customers WHERE customer_id = ?", (joe,)
            )
            == "Joe"
        )
        report = verify_store(desk.store)
        assert report.ok, report.lines()
    report = verify_central(central.engine)
    assert not report.problems and report.erased == 3
    with central.engine.connect() as conn:  # her match keys are gone from the server
        left = conn.exec_driver_sql(
            "SELECT COUNT(*) FROM claim_people WHERE customer_id = ?"
            if central.engine.dialect.name == "sqlite"
            else "SELECT COUNT(*) FROM claim_people WHERE customer_id = %s",
            (maria,),
        ).scalar()
    assert left == 0
    # A desk enrolled afterwards gets the blanked events and verifies too.
    late = make_desk(central, "D-N3", "HUB-N")
    await late.sync()
    assert "Fled violence" not in _payloads(late.store)
    assert verify_store(late.store).ok


async def test_retention_erasure_blanks_only_what_is_past_its_period(central):
    north, twin, maria, _joe = await _two_hub_desks(central)
    # Nothing here is two years old today; in three years all of it is.
    assert erase(central.engine, reason="Retention sweep", before="2026-01-01")[1] == 0
    _id, count = erase(central.engine, reason="Retention sweep", before="2036-01-01")
    assert count >= 3
    for desk in (north, twin):
        await desk.sync()
        assert "Fled violence" not in _payloads(desk.store)
        assert verify_store(desk.store).ok
    assert not verify_central(central.engine).problems


async def test_the_central_events_table_still_refuses_any_other_change(central):
    from sqlalchemy import text

    await _two_hub_desks(central)
    with pytest.raises(Exception, match="append-only"), central.engine.begin() as conn:
        conn.execute(text("UPDATE events SET payload = '{}' WHERE server_seq = 1"))
    with pytest.raises(Exception, match="append-only"), central.engine.begin() as conn:
        conn.execute(text("DELETE FROM events WHERE server_seq = 1"))


async def test_admin_erase_and_verify_commands(central, server_url):
    _north, _twin, maria, _joe = await _two_hub_desks(central)
    run = CliRunner().invoke
    done = run(cli, ["admin", "erase", "--customer", maria, "--reason", "ER-2", "--db", server_url])
    assert done.exit_code == 0, done.output
    assert "2 events blanked" in done.output
    checked = run(cli, ["admin", "verify", "--db", server_url])
    assert checked.exit_code == 0 and "OK: every chain intact." in checked.output
    refused = run(cli, ["admin", "erase", "--reason", "x", "--db", server_url])
    assert refused.exit_code != 0


@pytest.mark.parametrize("desk_erased_first", [True, False], ids=["blanked-copy", "original-copy"])
async def test_an_erased_event_pushed_again_after_a_new_epoch_is_a_duplicate(
    central, desk_erased_first
):
    """After a restore the desk pushes everything again from its first event. An
    event the server erased since comes back either blanked (the desk applied the
    erasure) or whole (it had not pulled yet): both are the event the server holds
    (the hash covers the digest), so both are answered ``duplicate``, and the desk
    ends up with the erasure applied."""
    from cxdesk.sync.server.db import write_transaction
    from cxdesk.sync.server.epochs import start_new_epoch

    north, _twin, maria, _joe = await _two_hub_desks(central)
    erase(central.engine, reason="Request ER-3", customer_id=maria)
    if desk_erased_first:
        await north.sync()
        assert "Fled violence" not in _payloads(north.store)
    with write_transaction(central.engine) as conn:
        start_new_epoch(conn, "restored from a backup")
    report = await north.sync()
    assert report.epoch_resets == 1
    assert report.counts.rejected == 0 and report.counts.accepted == 0
    assert report.counts.duplicate >= 3  # her registration and note among them
    text = _payloads(north.store)
    assert "Fled violence" not in text and "Mere Road" not in text
    assert peek.scalar(north.store, "SELECT COUNT(*) FROM erased_events") == 2
    assert verify_store(north.store).ok, verify_store(north.store).lines()
    assert not verify_central(central.engine).problems
