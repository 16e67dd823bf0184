"""A push's receipt is read by its closing writes: the same statement a separate read gives."""

from __future__ import annotations

from cxdesk.sync import receipts
from cxdesk.sync.server import admin, push, signing
from cxdesk.sync.server.app import open_database
from cxdesk.sync.server.db import write_transaction

from .test_feed_concurrency import chained_events


def test_the_receipt_read_by_the_closing_writes_is_the_one_read_after_them(server_url):
    engine = open_database(server_url)
    key = receipts.new_key()
    try:
        admin.add_device(engine, "CSC", "D-A")
        events = chained_events("D-A", 4)
        for batch in (events[:1], events[1:]):
            with write_transaction(engine) as conn:
                outcome = push.apply_push(conn, "D-A", batch)
                read = signing.receipt(conn, key, "D-A")
                signed = signing.receipt(conn, key, "D-A", outcome.receipt)
            assert signed.body == read.body
            assert read.body["head_id"] == batch[-1].id
            assert read.body["last_hash"] == batch[-1].hash
            if "postgresql" in server_url:
                assert outcome.receipt is not None  # no round trip of its own
    finally:
        engine.dispose()
