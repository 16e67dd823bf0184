"""Reconciliation: opening, movements, expected on hand, count and difference per day."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from cxdesk.domain.reconciliation import StockCountFact, StockMovement, reconcile


def at(day, hour, minute=0):
    return datetime(2026, 11, day, hour, minute, tzinfo=UTC)


def move(change, when, qty=1, location="CSC", kind="food_voucher"):
    return StockMovement(location, kind, when, change, qty)


def test_one_day_totals_expected_and_difference():
    moves = [
        move("received", at(3, 9), 100),
        move("issued", at(3, 10), 1),
        move("issued", at(3, 11), 1),
        move("voided", at(3, 12), 1),
        move("lost", at(3, 13), 2),
    ]
    counts = [StockCountFact("CSC", "food_voucher", at(3, 16), 96, "S1")]
    [row] = reconcile(moves, counts)
    assert (row.received, row.issued, row.voided, row.lost) == (100, 2, 1, 2)
    assert row.expected == 97 and row.counted == 96 and row.difference == -1
    assert row.counted_by == "S1"


def test_count_is_compared_with_stock_at_the_moment_of_counting():
    moves = [move("received", at(3, 8), 10), move("issued", at(3, 15), 3)]
    counts = [StockCountFact("CSC", "food_voucher", at(3, 9), 10)]
    [row] = reconcile(moves, counts)
    assert row.expected == 7 and row.expected_at_count == 10 and row.difference == 0


def test_opening_carries_forward_from_events_not_counts():
    moves = [move("received", at(3, 9), 10), move("issued", at(4, 10), 1)]
    counts = [StockCountFact("CSC", "food_voucher", at(3, 17), 8)]
    day3, day4 = reconcile(moves, counts)
    assert day3.difference == -2
    assert day4.opening == 10 and day4.expected == 9 and day4.counted is None
    assert day4.difference is None


def test_transfers_and_locations_and_kinds_are_separate():
    moves = [
        move("received", at(3, 9), 10),
        move("transferred_out", at(3, 10), 4),
        move("transferred_in", at(3, 10), 4, location="HUB-N"),
        move("received", at(3, 9), 5, kind="payment_card"),
    ]
    rows = {(r.location, r.stock_kind): r for r in reconcile(moves)}
    assert rows[("CSC", "food_voucher")].expected == 6
    assert rows[("HUB-N", "food_voucher")].expected == 4
    assert rows[("CSC", "payment_card")].expected == 5


def test_days_are_uk_days_and_range_limits_rows_not_balances():
    # 23:30 UTC on 30 June is 00:30 BST on 1 July.
    moves = [
        StockMovement(
            "CSC", "food_voucher", datetime(2026, 6, 30, 23, 30, tzinfo=UTC), "received", 5
        ),
        StockMovement("CSC", "food_voucher", datetime(2026, 7, 2, 10, tzinfo=UTC), "issued", 1),
    ]
    rows = reconcile(moves)
    assert [r.day for r in rows] == [date(2026, 7, 1), date(2026, 7, 2)]
    [only] = reconcile(moves, day_from=date(2026, 7, 2))
    assert only.opening == 5 and only.expected == 4


def test_a_day_with_only_a_count_keeps_the_balance():
    moves = [move("received", at(3, 9), 10)]
    _, day5 = reconcile(moves, [StockCountFact("CSC", "food_voucher", at(5, 9), 10)])
    assert day5.opening == day5.expected == 10 and day5.difference == 0


def test_unknown_movement_is_refused():
    with pytest.raises(ValueError):
        reconcile([move("stolen", at(3, 9))])
