"""Transfer outcomes at 80x24: after copying a directory number, one key records what
happened on that team's line; anything else closes the question with nothing recorded."""

from __future__ import annotations

from cxdesk.screens.transfer_outcome import TransferOutcomeScreen
from tests import peek
from tests.deskkit import build_desk, make_test_app, settle, shows, sign_in

SIZE = (80, 24)


def outcomes(store):
    return [
        tuple(r) for r in peek.query(store, "SELECT entry_id, team, result FROM transfer_outcomes")
    ]


async def test_one_key_after_copying_records_the_outcome_against_the_team(store):
    build_desk(store)
    app = make_test_app(store)
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(pilot, "A1001")
        await pilot.press(*"housing options")
        await settle(pilot)
        await pilot.press("ctrl+y")
        await settle(pilot)
        assert isinstance(app.screen, TransferOutcomeScreen)
        assert shows(app, "what happened on the line?") and shows(app, "R Refused")
        await pilot.press("r")
        await settle(pilot)
        assert not isinstance(app.screen, TransferOutcomeScreen)
        [(entry_id, team, result)] = outcomes(store)
        assert result == "refused" and "Housing" in team and entry_id
        # From the entry itself: C copies, then A records an answer.
        await pilot.press("enter")
        await settle(pilot)
        await pilot.press("c")
        await settle(pilot)
        await pilot.press("a")
        await settle(pilot)
        assert [r[2] for r in outcomes(store)] == ["refused", "answered"]


async def test_any_other_key_closes_the_question_and_records_nothing(store):
    build_desk(store)
    app = make_test_app(store)
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(pilot, "A1001")
        await pilot.press(*"housing options")
        await settle(pilot)
        await pilot.press("ctrl+y")
        await settle(pilot)
        await pilot.press("x")
        await settle(pilot)
        assert not isinstance(app.screen, TransferOutcomeScreen)
        assert outcomes(store) == []


async def test_supervisor_figures_give_answer_and_refusal_rates(store):
    from cxdesk.domain.contacts import transfer_figures
    from cxdesk.store import contact_commands as cmd

    build_desk(store)
    adv = {"actor": "A1001", "role": "advisor"}
    for result in ("answered", "answered", "refused", "no_answer"):
        cmd.record_transfer(store, **adv, entry_id="housing", team="Housing", result=result)
    rows = peek.query(store, "SELECT team, week, result FROM transfer_outcomes")
    [figures] = transfer_figures((r["team"], r["week"], r["result"]) for r in rows)
    assert (figures.answer_rate.text(), figures.refusal_rate.text()) == ("50.0%", "25.0%")
