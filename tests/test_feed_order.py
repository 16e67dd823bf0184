"""Feed order is one rule (``cxdesk.store.feed``): the latest policy is the last in the feed.

Two policies for one kind are placed by the server in the opposite order to the
one this desk recorded them in: the projection and the serial format must both
follow the server's order (both sort keys reversed for "latest", not only the
last), and a rejected policy counts for nothing.
"""

from __future__ import annotations

from cxdesk.store import issue_commands as ic
from cxdesk.store import open_store
from cxdesk.store import stock_queries as sq
from cxdesk.store.eventlog import record_ack
from cxdesk.store.rebuild import rebuild_projections

SUP = {"actor": "SUP1", "role": "supervisor"}
WARN = {"kind": "food_voucher", "windows": [{"days": 7, "max": 1}], "action": "warn"}
EIGHT = {**WARN, "action": "reason", "serial_prefix": "FV", "serial_digits": 8}


def test_the_policy_the_server_placed_last_wins(admin_store):
    store = admin_store
    first = store.record("PolicySet", EIGHT, **SUP)
    second = store.record("PolicySet", WARN, **SUP)
    # Unplaced: apply order, so the second one recorded here is current.
    assert ic.load_policy(store, "food_voucher").action == "warn"
    assert sq.kind_serial_format(store, "food_voucher").digits == 6
    with store.transaction() as conn:  # the server placed them the other way round
        record_ack(conn, second, status="accepted", server_seq=10)
        record_ack(conn, first, status="accepted", server_seq=11)
    assert ic.load_policy(store, "food_voucher").action == "reason"
    assert sq.kind_serial_format(store, "food_voucher").digits == 8


def test_a_rejected_policy_counts_for_nothing(admin_store):
    store = admin_store
    kept = store.record("PolicySet", WARN, **SUP)
    refused = store.record("PolicySet", EIGHT, **SUP)
    with store.transaction() as conn:
        record_ack(conn, kept, status="accepted", server_seq=10)
        record_ack(conn, refused, status="rejected", reason="not a supervisor here")
    rebuild_projections(store)
    assert ic.load_policy(store, "food_voucher").action == "warn"
    assert sq.kind_serial_format(store, "food_voucher").digits == 6


def test_a_store_from_before_the_format_was_kept_reads_it_from_its_events(admin_store):
    """Issuing v5 keeps each policy's serial format beside it: an older store's
    policies get theirs from the events they already hold."""
    store = admin_store
    store.record("PolicySet", WARN, **SUP)
    card = {**EIGHT, "kind": "payment_card", "serial_prefix": "PCX", "card_limit_pence": 5000}
    store.record("PolicySet", card, **SUP)
    path = store.path
    with store.transaction() as conn:  # as issuing v4 left it
        for table in ("policy_versions", "policies"):
            conn.execute(f"ALTER TABLE {table} DROP COLUMN serial_prefix")
            conn.execute(f"ALTER TABLE {table} DROP COLUMN serial_digits")
        conn.execute("UPDATE schema_components SET version = 4 WHERE component = 'issuing'")
    store.close()
    again = open_store(path)
    try:
        card = sq.kind_serial_format(again, "payment_card")
        assert (card.prefix, card.digits) == ("PCX", 8)
        voucher = sq.kind_serial_format(again, "food_voucher")
        assert (voucher.prefix, voucher.digits) == ("FV", 6)
    finally:
        again.close()
