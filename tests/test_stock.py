"""Stock: serial ranges, the life of a serial, on-hand arithmetic, supervisor-only records."""

from __future__ import annotations

import pytest

from cxdesk.domain.stock import Move, apply_moves, count_difference, expand_range, range_size
from cxdesk.errors import AuthError, ValidationError
from cxdesk.store import stock_commands as sc
from cxdesk.store import stock_queries as sq
from cxdesk.store.rebuild import verify_store
from tests.crisis_helpers import set_up_council

SUP = {"actor": "SUP1", "role": "supervisor"}


def test_range_arithmetic():
    assert range_size("FV000001", "FV000010") == 10
    assert expand_range("FV000098", "FV000101") == ["FV000098", "FV000099", "FV000100", "FV000101"]
    with pytest.raises(ValidationError, match="comes before"):
        range_size("FV000010", "FV000001")
    with pytest.raises(ValidationError, match="same run"):
        range_size("FV000001", "PC000005")
    with pytest.raises(ValidationError, match="more than one range"):
        range_size("FV000001", "FV100000")


def test_serial_life_in_feed_order():
    moves = [
        Move("received", "CSC"),
        Move("transferred", "CSC", "HUB-N"),
        Move("issued", "HUB-N", issue_id="i1"),
    ]
    s = apply_moves(moves)
    assert (s.status, s.location, s.issue_id) == ("issued", "HUB-N", "i1")
    s = apply_moves([*moves, Move("voided", "HUB-N", issue_id="i1", condition="back_to_stock")])
    assert s.status == "voided_back" and s.on_hand
    s = apply_moves([*moves, Move("issued", "HUB-N", issue_id="i2")])
    assert s.clash and s.notes
    lost = apply_moves([Move("received", "CSC"), Move("written_off", "CSC", condition="lost")])
    assert lost.status == "lost" and not lost.on_hand


def test_count_difference_words():
    assert count_difference(10, 10) == (0, "matches the records")
    assert count_difference(8, 10) == (-2, "2 fewer than the records (10 expected)")


def test_on_hand_transfer_write_off_and_count(admin_store):
    store = admin_store
    set_up_council(store)
    assert sq.on_hand_count(store, "CSC", "food_voucher") == 20
    sc.transfer_stock(
        store,
        **SUP,
        from_location="CSC",
        to_location="HUB-N",
        kind="food_voucher",
        first="FV000011",
        last="FV000015",
    )
    assert sq.on_hand_count(store, "CSC", "food_voucher") == 15
    assert sq.on_hand_count(store, "HUB-N", "food_voucher") == 25
    sc.write_off(
        store,
        **SUP,
        location="CSC",
        kind="food_voucher",
        serials_text="FV000001, FV000002..FV000003",
        condition="spoiled",
        reason="water damage",
    )
    assert sq.on_hand_count(store, "CSC", "food_voucher") == 12
    result = sc.record_count(store, **SUP, location="CSC", kind="food_voucher", counted_text="11")
    assert (result.expected, result.difference) == (12, -1)
    summary = {(r.location, r.kind): r for r in sq.stock_summary(store)}
    csc = summary[("CSC", "food_voucher")]
    assert (csc.on_hand, csc.written_off, csc.last_count, csc.last_difference) == (12, 3, 11, -1)
    assert verify_store(store).ok


def test_refusals(admin_store):
    store = admin_store
    set_up_council(store)
    with pytest.raises(ValidationError, match="Already in the stock records: FV000020"):
        sc.receive_stock(
            store, **SUP, location="CSC", kind="food_voucher", first="FV000020", last="FV000030"
        )
    with pytest.raises(ValidationError, match="Not on hand at CSC: FV000101"):
        sc.transfer_stock(
            store,
            **SUP,
            from_location="CSC",
            to_location="HUB-N",
            kind="food_voucher",
            first="FV000101",
            last="FV000101",
        )
    with pytest.raises(ValidationError, match="payment card serial"):
        sc.receive_stock(
            store, **SUP, location="CSC", kind="food_voucher", first="PC000500", last=""
        )
    with pytest.raises(ValidationError) as err:
        sc.write_off(
            store,
            **SUP,
            location="CSC",
            kind="food_voucher",
            serials_text="FV000004",
            condition="lost",
            reason="  ",
        )
    assert err.value.field == "reason"
    with pytest.raises(ValidationError, match="number of items"):
        sc.record_count(store, **SUP, location="CSC", kind="food_voucher", counted_text="-3")


def test_only_supervisors_record_stock(admin_store):
    set_up_council(admin_store)
    with pytest.raises(AuthError):
        sc.receive_stock(
            admin_store,
            actor="ADV1",
            role="advisor",
            location="CSC",
            kind="food_voucher",
            first="FV000500",
            last="FV000510",
        )
    with pytest.raises(AuthError):  # the catalogue refuses too, whatever the caller checks
        admin_store.record(
            "StockReceived",
            {"location": "CSC", "kind": "food_voucher", "first": "FV000500", "last": "FV000510"},
            actor="ADV1",
            role="advisor",
        )


def test_a_store_from_before_moves_were_clustered_keeps_every_move(admin_store):
    """Stock v2 rebuilds ``stock_moves`` as one ``WITHOUT ROWID`` b-tree keyed by serial:
    an older store's moves all come across, and the serials read as before."""
    from cxdesk.store import open_store
    from tests import peek

    store = admin_store
    set_up_council(store)
    sc.transfer_stock(
        store,
        **SUP,
        from_location="CSC",
        to_location="HUB-N",
        kind="food_voucher",
        first="FV000011",
        last="FV000015",
    )
    columns = (
        "event_id, serial, kind, move, location, to_location, issue_id, condition, at_ms, actor"
    )
    moves = sorted(map(tuple, peek.query(store, f"SELECT {columns} FROM stock_moves")))
    with store.transaction() as conn:  # as stock v1 made it
        conn.execute("ALTER TABLE stock_moves RENAME TO stock_moves_v2")
        conn.execute(
            "CREATE TABLE stock_moves (event_id TEXT NOT NULL, serial TEXT NOT NULL, "
            "kind TEXT NOT NULL, move TEXT NOT NULL, location TEXT NOT NULL, to_location TEXT, "
            "issue_id TEXT, condition TEXT, at_ms INTEGER NOT NULL, actor TEXT NOT NULL, "
            "PRIMARY KEY (event_id, serial))"
        )
        conn.execute("CREATE INDEX stock_moves_serial ON stock_moves (serial)")
        conn.execute(f"INSERT INTO stock_moves SELECT {columns} FROM stock_moves_v2")
        conn.execute("DROP TABLE stock_moves_v2")
        conn.execute("UPDATE schema_components SET version = 1 WHERE component = 'stock'")
    path = store.path
    store.close()
    again = open_store(path)
    try:
        assert sorted(map(tuple, peek.query(again, f"SELECT {columns} FROM stock_moves"))) == moves
        sql = peek.scalar(again, "SELECT sql FROM sqlite_master WHERE name = 'stock_moves'")
        assert "WITHOUT ROWID" in sql
        assert sq.on_hand_count(again, "CSC", "food_voucher") == 15
        assert verify_store(again).ok
    finally:
        again.close()
