"""Issuing through the store: refusals, voids, crisis requests, and one serial issued
at two desks offline (both kept, the clash shown, whatever order they arrive in)."""

from __future__ import annotations

import pytest

from cxdesk.errors import AuthError, ValidationError
from cxdesk.store import crisis_commands as cc
from cxdesk.store import crisis_queries as cq
from cxdesk.store import issue_commands as ic
from cxdesk.store import open_store
from cxdesk.store.eventlog import EVENT_COLUMNS, ingest_remote, row_to_event
from cxdesk.store.rebuild import verify_store
from tests import peek
from tests.crisis_helpers import register, set_up_council

ADV = {"actor": "ADV1", "role": "advisor", "location": "CSC"}


def issue(store, cid, serial, kind="food_voucher", amount=""):
    check = ic.check_repeat_claims(store, kind, cid)
    return ic.issue_item(
        store,
        **ADV,
        kind=kind,
        customer_id=cid,
        serial_text=serial,
        amount_text=amount,
        reason="no food in the house",
        check=check,
        override_reason="reviewed",
    )


def test_bad_serials_and_amounts_refused(admin_store):
    store = admin_store
    set_up_council(store)
    cid = register(store)
    first = issue(store, cid, "FV000001")
    cases = {
        "FV00001": "5 digits",
        "FVOOOOO2": "letter among the digits",
        "FV000101": "belongs to the stock at HUB-N",
        "FV000999": "not in the stock recorded",
        "FV000001": "already been issued",
        "PC000001": "payment card serial",
    }
    for typed, words in cases.items():
        with pytest.raises(ValidationError, match=words):
            ic.check_serial(store, "food_voucher", typed, "CSC")
    ic.void_issue(
        store,
        actor="ADV1",
        role="advisor",
        issue_id=first.issue_id,
        reason="wrong person",
        item="spoiled",
    )
    with pytest.raises(ValidationError, match="spoiled"):
        ic.check_serial(store, "food_voucher", "FV000001", "CSC")
    for typed, words in {
        "0": "more than £0",
        "-5": "negative",
        "60": "most allowed here is £50",
        "12.345": "not in pence",
        "": "enter an amount",
    }.items():
        with pytest.raises(ValidationError, match=words):
            ic.parse_card_amount(store, typed)
    with pytest.raises(ValidationError) as err:
        ic.issue_item(
            store,
            **ADV,
            kind="food_voucher",
            customer_id=cid,
            serial_text="FV000002",
            reason="   ",
            check=ic.check_repeat_claims(store, "food_voucher", cid),
        )
    assert err.value.field == "reason"


def test_void_back_to_stock_and_card_request(admin_store):
    store = admin_store
    set_up_council(store)
    cid = register(store)
    card = issue(store, cid, "PC000003", kind="payment_card", amount="£30.50")
    req = cq.request_for_issue(store, card.issue_id)
    assert (req.amount_pence, req.status) == (3050, "open")
    assert req.due_ms - req.requested_at_ms == 3_600_000
    assert [i.id for i in cq.open_queue(store)] == [req.request_id]
    with pytest.raises(AuthError):
        cc.complete_payment(store, actor="ADV1", role="advisor", request_id=req.request_id)
    with pytest.raises(ValidationError):
        cc.decline_payment(
            store, actor="WEL1", role="welfare", request_id=req.request_id, reason=""
        )
    cc.complete_payment(store, actor="WEL1", role="welfare", request_id=req.request_id)
    assert cq.request(store, req.request_id).status == "completed"
    with pytest.raises(ValidationError, match="already completed"):
        cc.decline_payment(
            store, actor="WEL1", role="welfare", request_id=req.request_id, reason="late"
        )
    voucher = issue(store, cid, "FV000004")
    ic.void_issue(
        store,
        actor="ADV1",
        role="advisor",
        issue_id=voucher.issue_id,
        reason="typed the wrong customer",
        item="back_to_stock",
    )
    with pytest.raises(ValidationError, match="already been voided"):
        ic.void_issue(
            store,
            actor="ADV1",
            role="advisor",
            issue_id=voucher.issue_id,
            reason="again",
            item="back_to_stock",
        )
    assert ic.check_serial(store, "food_voucher", "FV000004", "CSC") == "FV000004"
    row = peek.query(
        store, "SELECT status, void_reason FROM issues WHERE issue_id = ?", (voucher.issue_id,)
    )[0]
    assert tuple(row) == ("voided", "typed the wrong customer")
    assert verify_store(store).ok


def _events(store):
    return [
        row_to_event(r)
        for r in peek.query(store, f"SELECT {EVENT_COLUMNS} FROM events ORDER BY rowid_")
    ]


def test_same_serial_at_two_desks_kept_and_flagged(tmp_path, admin_store):
    one = admin_store
    set_up_council(one)
    cid = register(one)
    two = open_store(tmp_path / "two.sqlite3", device_id="D-TWO", location="CSC")
    seq = iter(range(1, 10_000))
    ingest_remote(two.conn, two.clock, ((e, next(seq)) for e in _events(one)))
    a = issue(one, cid, "FV000007")
    b = issue(two, cid, "FV000007")  # offline: desk two has not seen desk one's issue
    ev_a = [e for e in _events(one) if e.id == a.event.id]
    ev_b = [e for e in _events(two) if e.id == b.event.id]
    three = open_store(tmp_path / "three.sqlite3", device_id="D-3", location="CSC")
    ingest_remote(three.conn, three.clock, ((e, n) for n, e in enumerate(_events(one), 1)))
    ingest_remote(two.conn, two.clock, [(ev_a[0], 5000)])
    ingest_remote(three.conn, three.clock, [(ev_b[0], 5001)])
    for store in (two, three):
        rows = peek.query(
            store, "SELECT issue_id, serial_clash FROM issues WHERE serial = 'FV000007'"
        )
        assert {(r[0], r[1]) for r in rows} == {(a.issue_id, 1), (b.issue_id, 1)}
        item = peek.query(store, "SELECT status, clash FROM stock_items WHERE serial = 'FV000007'")[
            0
        ]
        assert tuple(item) == ("issued", 1)
        assert verify_store(store).ok
    ic.void_issue(
        three,
        actor="SUP1",
        role="supervisor",
        issue_id=a.issue_id,
        reason="duplicate entry",
        item="back_to_stock",
    )
    clash = peek.query(three, "SELECT serial_clash FROM issues WHERE issue_id = ?", (b.issue_id,))
    assert clash[0][0] == 0
    # A fourth desk hears of the void before the issue it voids, then of the other issue.
    four = open_store(tmp_path / "four.sqlite3", device_id="D-4", location="CSC")
    ingest_remote(four.conn, four.clock, ((e, n) for n, e in enumerate(_events(one)[:-1], 1)))
    [void] = [e for e in _events(three) if e.kind == "IssueVoided"]
    for event, place in ((void, 6000), (ev_a[0], 6001), (ev_b[0], 6002)):
        ingest_remote(four.conn, four.clock, [(event, place)])
    rows = peek.query(four, "SELECT issue_id, status, serial_clash FROM issues")
    assert {tuple(r) for r in rows} == {(a.issue_id, "voided", 0), (b.issue_id, "issued", 0)}
    assert verify_store(four).ok
    two.close()
    three.close()
    four.close()


def test_crisis_flag_open_and_close(admin_store):
    store = admin_store
    set_up_council(store, stock=False)
    cid = register(store)
    with pytest.raises(ValidationError, match="at least one sign"):
        cc.flag_crisis(
            store,
            actor="ADV1",
            role="advisor",
            customer_id=cid,
            signs=[],
            other_signs="",
            actions="called housing",
        )
    ev = cc.flag_crisis(
        store,
        actor="ADV1",
        role="advisor",
        customer_id=cid,
        signs=["eviction_today", "no_food"],
        other_signs="",
        actions="called housing options",
    )
    flag_id = ev.payload["flag_id"]
    assert ev.payload["signs"] == ["no_food", "eviction_today"]
    [item] = cq.open_queue(store)
    assert item.item == "flag" and "eviction today" in item.what
    cc.close_flag(store, actor="ADV1", role="advisor", flag_id=flag_id, outcome="housed tonight")
    assert cq.open_queue(store) == []
    with pytest.raises(ValidationError, match="already closed"):
        cc.close_flag(store, actor="ADV1", role="advisor", flag_id=flag_id, outcome="x")
    assert verify_store(store).ok


def test_funds_loaded_on_a_voided_card_is_an_anomaly(admin_store):
    """Welfare loads the money at one desk while another desk voids the card: both facts stay."""
    from datetime import date

    from cxdesk.store.supervisor_reports import find_anomalies

    store = admin_store
    set_up_council(store)
    cid = register(store)
    card = issue(store, cid, "PC000003", kind="payment_card", amount="£30")
    req = cq.request_for_issue(store, card.issue_id)
    today = date.today()
    assert not [f for f in find_anomalies(store, today, today) if f.rule == "funds-after-void"]
    ic.void_issue(
        store,
        actor="ADV1",
        role="advisor",
        issue_id=card.issue_id,
        reason="wrong customer",
        item="spoiled",
    )
    # The completion made at another desk before it heard of the void, arriving now.
    store.record(
        "CrisisPaymentCompleted",
        {"request_id": req.request_id, "customer_id": cid},
        actor="WEL1",
        role="welfare",
    )
    assert cq.request(store, req.request_id).status == "cancelled"
    found = [f for f in find_anomalies(store, today, today) if f.rule == "funds-after-void"]
    assert len(found) == 1 and "£30.00 was loaded on card PC000003" in found[0].detail
    assert found[0].issue_ids == (card.issue_id,)


def _btrees(store, table: str) -> int:
    """The b-trees an insert into ``table`` writes: its own (unless clustered) and indexes."""
    sql = peek.scalar(store, "SELECT sql FROM sqlite_master WHERE name = ?", (table,))
    return len(peek.query(store, f'PRAGMA index_list("{table}")')) + ("WITHOUT ROWID" not in sql)


def test_a_store_from_before_the_leaner_issue_reads_the_same(admin_store):
    """Customers v5 (the timeline clustered by customer), stock v3 (the on-hand index
    partial) and issuing v6 (the kind index for cards only): an older store's rows all come
    across, and the history, the drawer counts and the log read as before."""
    from cxdesk.domain.issue_log import IssueFilter
    from cxdesk.store import customer_queries, schema_versions
    from cxdesk.store import stock_queries as sq
    from cxdesk.store.issue_log_queries import log_page

    store = admin_store
    set_up_council(store)
    cid = register(store)
    issue(store, cid, "PC000003", kind="payment_card", amount="£20")
    voucher = issue(store, cid, "FV000004")
    issue(store, cid, "FV000005")
    ic.void_issue(
        store, actor="ADV1", role="advisor", issue_id=voucher.issue_id, reason="x", item="spoiled"
    )
    timeline = "event_id, customer_id, at_ms, kind, location, actor, summary"

    def reads(s):
        return (
            sorted(map(tuple, peek.query(s, f"SELECT {timeline} FROM customer_timeline"))),
            customer_queries.customer_history(s, cid, include_views=True),
            {
                kind: sq.on_hand_count(s, place, kind)
                for place in ("CSC", "HUB-N")
                for kind in ("food_voucher", "payment_card")
            },
            sq.stock_summary(s),
            [
                [r.issue_id for r in log_page(s, IssueFilter(kind=k), now_ms=0).rows]
                for k in (None, "food_voucher", "payment_card")
            ],
        )

    before = reads(store)
    assert [len(ids) for ids in before[4]] == [3, 2, 1]
    assert _btrees(store, "customer_timeline") == 1
    with store.transaction() as conn:  # as customers v4, stock v2 and issuing v5 left them
        conn.execute("ALTER TABLE customer_timeline RENAME TO timeline_v5")
        conn.execute(
            "CREATE TABLE customer_timeline (event_id TEXT PRIMARY KEY, customer_id TEXT NOT NULL, "
            "at_ms INTEGER NOT NULL, kind TEXT NOT NULL, location TEXT NOT NULL, "
            "actor TEXT NOT NULL, summary TEXT NOT NULL)"
        )
        conn.execute(
            "CREATE INDEX customer_timeline_customer ON customer_timeline (customer_id, at_ms)"
        )
        conn.execute(f"INSERT INTO customer_timeline SELECT {timeline} FROM timeline_v5")
        conn.execute("DROP TABLE timeline_v5")
        conn.execute("DROP INDEX stock_items_on_hand")
        conn.execute("CREATE INDEX stock_items_place ON stock_items (location, kind, status)")
        conn.execute("DROP INDEX issues_log_cards")
        conn.execute("CREATE INDEX issues_log_kind ON issues (kind, at_ms, issue_id)")
        for name, version in (("customers", 4), ("stock", 2), ("issuing", 5)):
            conn.execute(
                "UPDATE schema_components SET version = ? WHERE component = ?", (version, name)
            )
    assert _btrees(store, "customer_timeline") == 3
    path = store.path
    store.close()
    again = open_store(path)
    try:
        assert reads(again) == before
        assert _btrees(again, "customer_timeline") == 1
        names = {r[0] for r in peek.query(again, "SELECT name FROM sqlite_master")}
        assert {"issues_log_cards", "stock_items_on_hand"} <= names
        assert not {"issues_log_kind", "stock_items_place", "customer_timeline_customer"} & names
        versions = dict(
            map(tuple, peek.query(again, "SELECT component, version FROM schema_components"))
        )
        assert versions == schema_versions.CURRENT
        assert verify_store(again).ok
        issue(again, cid, "FV000006")  # and the next issue goes in
        assert (
            len(customer_queries.customer_history(again, cid, include_views=True))
            == len(before[1]) + 1
        )
    finally:
        again.close()
