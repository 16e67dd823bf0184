"""The council-wide log, reconciliation and figures: served to signed-in supervisors only.

A hub issues vouchers and a card; a desk at another location (which holds none
of it) asks the real central API, on SQLite and PostgreSQL, with its device
token and a supervisor's request proof. An advisor's proof, a forged, expired
or replayed one, another device's, and a token alone are refused with the
right status and a reason; the access log names the supervisor.
"""

from __future__ import annotations

import logging
from datetime import timedelta

import httpx

from cxdesk.domain import deskclock
from cxdesk.domain.request_proof import MAX_SKEW_MS, PROOF_HEADER, make_proof
from cxdesk.domain.validation import london_today
from cxdesk.store import issue_commands as ic
from cxdesk.store import supervision_commands as sc
from cxdesk.store.issue_log_queries import log_page as local_log_page
from cxdesk.sync import council_protocol as wire
from cxdesk.sync.server import admin
from cxdesk.sync.server.db import write_transaction

from ..conftest import keys_for
from ..customer_helpers import MARIA
from .test_scope import ADV, SUP, _issue, hub_with_stock, make_desk

ISSUES = "/v1/supervisor/issues"


def week() -> wire.IssueLogAsk:
    today = london_today()
    return wire.IssueLogAsk(date_from=today - timedelta(days=6), date_to=today)


async def ask(central, desk, path, question, *, staff="SUP1", keys=None, **changes):
    """POST ``question`` with ``staff``'s proof (``changes`` alter the proof or body)."""
    body = changes.pop("body", None) or question.model_dump_json().encode()
    proof = make_proof(
        keys or keys_for(staff),
        staff_id=staff,
        device=changes.pop("device", desk.store.device_id),
        method="POST",
        path=changes.pop("signed_path", path),
        body=changes.pop("signed_body", body),
        at_ms=changes.pop("at_ms", deskclock.now_ms()),
    )
    headers = {"Authorization": f"Bearer {desk.token}", "Content-Type": "application/json"}
    header = changes.pop("header", proof.header())
    if header is not None:
        headers[PROOF_HEADER] = header
    async with httpx.AsyncClient(transport=central.transport(), base_url="http://c") as http:
        return await http.post(path, content=body, headers=headers)


async def council_with_issues(central):
    """HUB-N issues a voucher and a card (one voided) and signs the day off; a desk at
    HUB-S, which holds none of it, is the supervisor's."""
    north = await hub_with_stock(central)
    from cxdesk.store import customer_commands as cc

    cid = cc.register_customer(north.store, ADV, dict(MARIA))
    voucher = _issue(north.store, "food_voucher", cid, "FV000101")
    card = _issue(north.store, "payment_card", cid, "PC000101")
    # A second voucher within the week: a repeat claim, given with an override reason.
    ic.issue_item(
        north.store,
        actor="ADV1",
        role="advisor",
        location="HUB-N",
        kind="food_voucher",
        customer_id=cid,
        serial_text="FV000102",
        reason="Lost the first voucher",
        check=ic.check_repeat_claims(north.store, "food_voucher", cid),
        override_reason="Voucher lost on the bus; seen the report",
    )
    ic.void_issue(
        north.store,
        actor="SUP1",
        role="supervisor",
        issue_id=card.issue_id,
        reason="Keyed on the wrong resident",
        item="back_to_stock",
    )
    await north.sync()
    sc.sign_off(north.store, SUP, "HUB-N", london_today(), "Counted.")
    await north.sync()
    south = make_desk(central, "D-S", "HUB-S")
    await south.sync()
    return north, south, cid, voucher, card


async def test_a_supervisor_elsewhere_sees_the_hubs_issues(central, caplog):
    north, south, cid, voucher, card = await council_with_issues(central)
    local = local_log_page(south.store, week().issue_filter())
    assert local.rows == []  # the desk holds none of the hub's issues

    with caplog.at_level(logging.INFO, logger="cxdesk.access"):
        answer = await ask(central, south, ISSUES, week())
    assert answer.status_code == 200, answer.text
    got = wire.IssueLogAnswer.model_validate_json(answer.content)
    assert voucher.issue_id in {r.issue_id for r in got.rows}
    assert card.issue_id in {r.issue_id for r in got.rows}
    assert got.total_count == 3 and got.total_pence == 500 + 2000 + 500
    mine = local_log_page(north.store, week().issue_filter())
    assert [r.__dict__ for r in got.rows] == [r.__dict__ for r in mine.rows]  # as the hub sees
    by_id = {r.issue_id: r for r in got.rows}
    assert by_id[card.issue_id].status == "voided"
    assert by_id[voucher.issue_id].customer_name == "Maria Okafor"
    assert by_id[voucher.issue_id].reason == "No money for food"
    line = next(r.getMessage() for r in caplog.records if ISSUES in r.getMessage())
    assert "staff=SUP1" in line and "device=D-S" in line and "sig=" not in line

    # Filters, paging and totals as on a desk.
    voided = await ask(central, south, ISSUES, week().model_copy(update={"voided": False}))
    assert wire.IssueLogAnswer.model_validate_json(voided.content).total_count == 2
    named = await ask(central, south, ISSUES, week().model_copy(update={"customer": "oka"}))
    assert wire.IssueLogAnswer.model_validate_json(named.content).total_count == 3
    nobody = await ask(central, south, ISSUES, week().model_copy(update={"customer": "Smith"}))
    assert wire.IssueLogAnswer.model_validate_json(nobody.content).rows == []
    first = wire.IssueLogAnswer.model_validate_json(
        (await ask(central, south, ISSUES, week().model_copy(update={"limit": 1}))).content
    )
    assert len(first.rows) == 1 and first.next_cursor is not None
    after = week().model_copy(
        update={"limit": 1, "after_ms": first.next_cursor[0], "after_id": first.next_cursor[1]}
    )
    second = wire.IssueLogAnswer.model_validate_json(
        (await ask(central, south, ISSUES, after)).content
    )
    assert [r.issue_id for r in second.rows] != [r.issue_id for r in first.rows]
    assert second.next_cursor is not None

    # Every filter answers as the hub's own desk answers it (the hub holds all of these).
    seen = set()
    for change in (
        {"kind": "payment_card"},
        {"location": "HUB-N"},
        {"location": "HUB-S"},
        {"advisor": "ADV1"},
        {"overrides_only": True},
        {"repeats_only": True},
        {"late_only": True},
        {"voided": True},
        {"customer": cid},
        {"date_from": london_today() + timedelta(days=1), "date_to": None},
    ):
        question = week().model_copy(update=change)
        answer = await ask(central, south, ISSUES, question)
        assert answer.status_code == 200, (change, answer.text)
        got = wire.IssueLogAnswer.model_validate_json(answer.content)
        mine = local_log_page(north.store, question.issue_filter())
        assert [r.issue_id for r in got.rows] == [r.issue_id for r in mine.rows], change
        assert (got.total_count, got.total_pence) == (mine.total_count, mine.total_pence)
        seen.add(bool(got.rows))
    assert seen == {True, False}  # some filters found rows, some none
    for change in ({"overrides_only": True}, {"repeats_only": True}):
        answer = await ask(central, south, ISSUES, week().model_copy(update=change))
        [row] = wire.IssueLogAnswer.model_validate_json(answer.content).rows
        assert row.override_reason == "Voucher lost on the bus; seen the report"

    # Reconciliation and figures, council-wide, as the hub's own desk reckons them.
    from cxdesk.store.supervisor_reports import manager_figures, reconciliation

    today = london_today()
    span = wire.RangeAsk(date_from=today - timedelta(days=6), date_to=today)
    recon = wire.ReconciliationAnswer.model_validate_json(
        (await ask(central, south, "/v1/supervisor/reconciliation", span)).content
    )
    hub = reconciliation(north.store, span.date_from, span.date_to)
    assert [(d.row, d.signed_by) for d in recon.rows] == [(d.row, d.signed_by) for d in hub]
    assert any(d.signed_by == "SUP1" for d in recon.rows)
    weeks = wire.FiguresAnswer.model_validate_json(
        (await ask(central, south, "/v1/supervisor/figures", span)).content
    )
    assert weeks.weeks and [w.__dict__ for w in weeks.weeks] == [
        w.__dict__ for w in manager_figures(north.store, span.date_from, span.date_to)
    ]


async def test_only_a_signed_in_supervisors_fresh_proof_is_answered(central):
    _north, south, *_ = await council_with_issues(central)

    async def refused(expected: int, code: str, **kw):
        answer = await ask(central, south, ISSUES, week(), **kw)
        assert answer.status_code == expected, answer.text
        assert answer.json()["detail"]["code"] == code
        return answer.json()["detail"]["message"]

    assert "device token alone" in await refused(401, "proof_missing", header=None)
    await refused(401, "proof_malformed", header="v1 staff=SUP1")
    await refused(403, "not_supervisor", staff="ADV1")
    # Signed with someone else's key, or over another body: forged.
    await refused(401, "proof_forged", keys=keys_for("ADV1"))
    await refused(401, "proof_forged", signed_body=b'{"limit": 500}')
    await refused(401, "proof_forged", signed_path="/v1/supervisor/figures")
    await refused(401, "proof_device", device="D-N")
    await refused(401, "proof_unknown", staff="NOBODY")
    await refused(401, "proof_expired", at_ms=deskclock.now_ms() - MAX_SKEW_MS - 60_000)
    await refused(401, "proof_expired", at_ms=deskclock.now_ms() + MAX_SKEW_MS + 60_000)

    # A proof answers once: the same header again is a replay.
    question = week()
    body = question.model_dump_json().encode()
    proof = make_proof(
        keys_for("SUP1"),
        staff_id="SUP1",
        device=south.store.device_id,
        method="POST",
        path=ISSUES,
        body=body,
        at_ms=deskclock.now_ms(),
    )
    first = await ask(central, south, ISSUES, question, header=proof.header())
    assert first.status_code == 200
    await refused(401, "proof_replayed", header=proof.header(), body=body)

    # A bad question is a 422 with the reason, never a 500.
    bad = b'{"date_from": "2026-02-10", "date_to": "2026-02-01"}'
    answer = await ask(central, south, ISSUES, week(), body=bad, signed_body=bad)
    assert answer.status_code == 422 and "after" in answer.json()["detail"]["message"]

    # Removed from the roster: refused however good the proof.
    admin.remove_staff(central.engine, "SUP1")
    await refused(403, "removed")


async def test_the_migration_fills_the_report_tables_from_held_events(central):
    """A database from before the report tables gets them from the events it holds."""
    from sqlalchemy import text

    from cxdesk.sync.server.council_tables import backfill_reports

    _north, south, *_ = await council_with_issues(central)
    with write_transaction(central.engine) as conn:
        before = conn.execute(text("SELECT * FROM report_issues ORDER BY issue_id")).all()
        stock = conn.execute(text("SELECT * FROM report_stock ORDER BY server_seq")).all()
        conn.execute(text("DELETE FROM report_issues"))
        conn.execute(text("DELETE FROM report_stock"))
        backfill_reports(conn)
        assert conn.execute(text("SELECT * FROM report_issues ORDER BY issue_id")).all() == before
        assert conn.execute(text("SELECT * FROM report_stock ORDER BY server_seq")).all() == stock
    assert len(before) == 3
