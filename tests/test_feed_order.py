"""Feed order is one rule (``cxdesk.store.feed``): the latest policy is the last in the feed.

Two policies for one kind are placed by the server in the opposite order to the
one this desk recorded them in: the projection and the serial format must both
follow the server's order (both sort keys reversed for "latest", not only the
last), and a rejected policy counts for nothing.
"""

from __future__ import annotations

from cxdesk.store import issue_commands as ic
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
