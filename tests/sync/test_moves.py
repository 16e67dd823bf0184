"""A changed rule: a resident moves location, or a desk is moved; the desk drops what it
may no longer hold, and the new location receives it with its history.

Real API over SQLite and PostgreSQL. The server says what to drop (signed in the
pull answer's mark); unsent work on a desk is never dropped; ``verify`` passes on
every desk and on the server afterwards.
"""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from cxdesk.cli import cli
from cxdesk.errors import ValidationError
from cxdesk.session import DeskSession
from cxdesk.store import customer_commands as cc
from cxdesk.store import referral_commands as rc
from cxdesk.store.rebuild import verify_store
from cxdesk.store.sync_queries import sync_state
from cxdesk.sync.round import RoundReport, _pull
from cxdesk.sync.server import admin
from cxdesk.sync.server.erasure import verify_central
from tests import peek

from ..customer_helpers import MARIA, REFERRAL_CHOICES
from ..test_customers_store import add_team
from .test_scope import ADV, _issue, hub_with_stock, make_desk

SOUTH_SUP = DeskSession("SUP1", "Sam Super", "supervisor", "HUB-S")


def held(store, customer_id: str) -> bool:
    return bool(peek.scalar(store, "SELECT 1 FROM customers WHERE customer_id = ?", (customer_id,)))


def payloads_about(store, customer_id: str) -> int:
    """Events whose payload still names the resident (a dropped one keeps no payload)."""
    return peek.scalar(
        store,
        "SELECT COUNT(*) FROM events WHERE json_extract(payload, '$.customer_id') = ?",
        (customer_id,),
    )


def all_verify(central, *desks) -> None:
    for desk in desks:
        report = verify_store(desk.store)
        assert report.ok, (desk.name, report.lines())
    assert not verify_central(central.engine).problems


async def pull_only(desk) -> None:
    """A pull with nothing pushed first (the desk's unsent work stays unsent)."""
    await _pull(desk.store, desk.client, RoundReport())


async def test_a_resident_who_moves_takes_their_records_with_them(central):
    north = await hub_with_stock(central)
    add_team(north.store)
    twin, south = make_desk(central, "D-N2", "HUB-N"), make_desk(central, "D-S", "HUB-S")
    maria = cc.register_customer(north.store, ADV, dict(MARIA))
    joe = cc.register_customer(north.store, ADV, {**MARIA, "given_name": "Joe"})
    north.store.record(
        "CustomerNoteAdded",
        {"customer_id": maria, "note": "Prefers mornings."},
        actor="ADV1",
        role="advisor",
    )
    _issue(north.store, "food_voucher", maria, "FV000101")
    # Joe was referred from this hub: that work stands whatever his home.
    rc.raise_referral(north.store, ADV, joe, {**REFERRAL_CHOICES, "story": "Rent arrears."})
    for desk in (north, twin, south):
        await desk.sync()
    assert held(twin.store, maria) and not held(south.store, maria)

    # The twin writes a note about Maria and has not sent it when the move arrives.
    cc.add_customer_note(twin.store, ADV, maria, "Rang about the move.")
    assert cc.move_customer(north.store, ADV, maria, "HUB-S", "Moved to Southfield") == "HUB-S"
    cc.move_customer(north.store, ADV, joe, "HUB-S", "Moved to Southfield")
    await north.sync()
    await pull_only(twin)

    # The old hub's desks drop Maria; Joe stays (referred from here).
    assert not held(north.store, maria) and held(north.store, joe)
    assert payloads_about(north.store, maria) == 1  # the voucher: this hub's stock counts it
    assert not held(twin.store, maria)
    note = "SELECT COUNT(*) FROM events WHERE payload LIKE '%Rang about the move%'"
    assert peek.scalar(twin.store, note) == 1  # unsent: never dropped
    assert "moved away from HUB-N" in (sync_state(twin.store).scope_news or ("",))[0]
    assert peek.scalar(twin.store, "SELECT COUNT(*) FROM claims_index") == 1  # the index stays

    # Sent, it goes to Maria's new hub and leaves this desk.
    await twin.sync()
    assert peek.scalar(twin.store, note) == 0
    await south.sync()
    assert held(south.store, maria) and held(south.store, joe)
    assert peek.scalar(south.store, note) == 1
    assert peek.scalar(
        south.store, "SELECT COUNT(*) FROM events WHERE payload LIKE '%Prefers mornings%'"
    )  # her history came with her
    all_verify(central, north, twin, south)

    # A desk enrolled at the old hub afterwards never receives her.
    late = make_desk(central, "D-N3", "HUB-N")
    await late.sync()
    assert not held(late.store, maria) and held(late.store, joe)

    # She comes back: the old hub holds her again, history included.
    cc.move_customer(south.store, SOUTH_SUP, maria, "HUB-N", "Back in Northfield")
    await south.sync()
    await north.sync()
    assert held(north.store, maria)
    assert peek.scalar(north.store, "SELECT COUNT(*) FROM dropped_events") == 0  # all put back
    assert (
        peek.scalar(north.store, "SELECT given_name FROM customers WHERE customer_id = ?", (maria,))
        == MARIA["given_name"]
    )
    all_verify(central, north, south)


async def test_a_move_is_refused_for_a_resident_the_desk_does_not_hold(central):
    north = await hub_with_stock(central)
    south = make_desk(central, "D-S", "HUB-S")
    maria = cc.register_customer(north.store, ADV, dict(MARIA))
    await north.sync()
    # A forged move from a desk that never worked with her: rejected with the reason.
    south.store.record(
        "CustomerMoved",
        {"customer_id": maria, "to_location": "HUB-S", "reason": "Taking her record"},
        actor="SUP1",
        role="supervisor",
    )
    await south.sync()
    reason = peek.scalar(south.store, "SELECT reason FROM event_acks WHERE status = 'rejected'")
    assert "does not hold this resident" in reason
    assert not held(south.store, maria)
    with pytest.raises(ValidationError, match="not a location this desk knows"):
        cc.move_customer(north.store, ADV, maria, "NOWHERE", "Moved away")


async def test_a_desk_moved_by_the_administrator_drops_and_refills(central, server_url):
    north = await hub_with_stock(central)
    south = make_desk(central, "D-S", "HUB-S")
    maria = cc.register_customer(north.store, ADV, dict(MARIA))
    sian = cc.register_customer(south.store, SOUTH_SUP, {**MARIA, "given_name": "Sian"})
    await north.sync()
    await south.sync()
    assert held(north.store, maria) and not held(north.store, sian)

    done = CliRunner().invoke(
        cli, ["admin", "move-device", "D-N", "--location", "hub-s", "--db", server_url]
    )
    assert done.exit_code == 0, done.output
    assert "D-N moved from HUB-N to HUB-S" in done.output
    # Work written at the old place before the desk learns of the move is kept and accepted.
    cc.add_customer_note(north.store, ADV, maria, "Last note from the north.")
    await pull_only(north)
    assert north.store.location == "HUB-S"
    assert not held(north.store, maria) and held(north.store, sian)
    assert peek.scalar(north.store, "SELECT COUNT(*) FROM stock_items") == 0  # HUB-N's stock
    note = "SELECT COUNT(*) FROM events WHERE payload LIKE '%Last note from the north%'"
    assert peek.scalar(north.store, note) == 1
    news = (sync_state(north.store).scope_news or ("",))[0]
    assert "moved from HUB-N to HUB-S" in news and "1 of this desk's own records" in news

    report = await north.sync()
    assert report.counts.accepted == 1 and report.counts.rejected == 0
    assert peek.scalar(north.store, note) == 0  # the server has it now; HUB-S may not hold it
    # Once it writes at its new place, the old one is refused.
    cc.add_customer_note(north.store, SOUTH_SUP, sian, "Seen at the south hub.")
    north.store.record(
        "CustomerNoteAdded",
        {"customer_id": sian, "note": "Claims to be at the north hub."},
        actor="SUP1",
        role="supervisor",
        location="HUB-N",
    )
    report = await north.sync()
    assert (report.counts.accepted, report.counts.rejected) == (1, 1)
    assert "but device D-N is at HUB-S" in " ".join(report.counts.reasons)
    twin = make_desk(central, "D-N2", "HUB-N")
    await twin.sync()
    assert peek.scalar(twin.store, note) == 1  # it reached Maria's hub
    all_verify(central, north, south, twin)

    again = CliRunner().invoke(
        cli, ["admin", "move-device", "D-N", "--location", "NOWHERE", "--db", server_url]
    )
    assert again.exit_code != 0 and "not a location the server knows" in again.output


async def test_a_page_that_says_drop_must_carry_the_servers_signature(central):
    """The drop list is signed in the mark: a page whose list was changed is not applied."""
    import json

    from cxdesk.sync import apply
    from cxdesk.sync.client import SyncUnavailable

    north = await hub_with_stock(central)
    maria = cc.register_customer(north.store, ADV, dict(MARIA))
    await north.sync()
    cursor = sync_state(north.store).cursor
    raw = await north.client.pull_raw(cursor, 100)
    mark = north.client.last_mark
    from cxdesk.sync import receipts

    signed = receipts.from_header(mark)
    assert signed is not None
    forged = json.loads(raw)
    forged["dropped"] = [maria]
    with pytest.raises(SyncUnavailable, match="does not match what it signed"):
        apply.apply_pull_page(
            north.store, json.dumps(forged).encode(), cursor, signed.model_dump_json()
        )
    assert held(north.store, maria)


async def test_the_desk_app_says_it_was_moved_and_signs_the_person_out(central, tmp_path):
    """The running desk learns of its move at its next contact: a one-line notice, the
    person signed in for the old location signed out, and F8 says what happened."""
    import asyncio

    from cxdesk.app import make_app
    from cxdesk.config import load_settings
    from cxdesk.screens.sync_status import SyncStatusScreen
    from cxdesk.store import open_store
    from cxdesk.sync.desk import enrol_desk

    from .helpers import ThreadServer
    from .test_app_sync import wait_for
    from .test_scope import set_up_council

    set_up_council(central)
    _, token = admin.add_device(central.engine, "HUB-N", "D-APP")
    settings = load_settings(data_dir=tmp_path / "desk", sync_interval_seconds=0.2)
    with ThreadServer(central.app) as server:
        store = await asyncio.to_thread(open_store, settings.store_path)
        await asyncio.to_thread(enrol_desk, settings, store, server.url, token)
        app = make_app(settings, store=store)
        async with app.run_test(size=(80, 24)) as pilot:
            await wait_for(pilot, lambda: app.sync_text.startswith("Online"))
            app.session = DeskSession("SUP1", "Sam Super", "supervisor", "HUB-N")
            await asyncio.to_thread(admin.move_device, central.engine, "D-APP", "HUB-S")
            await wait_for(pilot, lambda: app.session is None)
            said = [n.message for n in app._notifications]
            assert any("moved from HUB-N to HUB-S by the administrator" in m for m in said), said
            assert any("now at HUB-S. Please sign in again" in m for m in said), said
            assert store.location == "HUB-S"
            await app.push_screen(SyncStatusScreen())
            await pilot.pause()
            state = app.screen.query_one("#sync-state")
            await wait_for(pilot, lambda: "Records changed" in str(state.render()))
            assert "moved from HUB-N to HUB-S" in str(state.render())
            assert app.sync is not None
            app.sync.stop()
        store.close()


async def test_a_central_search_with_a_reason_keeps_the_resident_after_a_move(central):
    """The old home keeps a resident it asked the council for (a recorded reason);
    day-to-day work there does not keep them."""
    from cxdesk.sync.protocol import CentralSearch

    north = await hub_with_stock(central)
    south = make_desk(central, "D-S", "HUB-S")
    maria = cc.register_customer(north.store, ADV, dict(MARIA))
    await north.sync()
    await south.sync()
    ask = CentralSearch(
        given_name=MARIA["given_name"],
        family_name=MARIA["family_name"],
        date_of_birth="1984-02-11",
        reason="She came in about a crisis payment",
    )
    found = await south.client.search_central(ask)
    assert [m.customer_id for m in found.matches] == [maria]
    await south.sync()
    assert held(south.store, maria)
    # Moved to the south hub, then on to the north again: the south hub, her old home,
    # keeps her because it searched for her with a reason.
    cc.move_customer(north.store, ADV, maria, "HUB-S", "Moved to Southfield")
    await north.sync()
    assert not held(north.store, maria)
    cc.add_customer_note(south.store, SOUTH_SUP, maria, "Settled in.")
    cc.move_customer(south.store, SOUTH_SUP, maria, "HUB-N", "Back to Northfield")
    await south.sync()
    await north.sync()
    assert held(south.store, maria) and held(north.store, maria)
    all_verify(central, north, south)
