"""Erasures applied on the desk: the events blanked, and the one change allowed to an event.

The log is append-only (triggers refuse UPDATE and DELETE). A ``RecordsErased``
from the feed is the one sanctioned change: the personal fields of the events
it names (``cxdesk.domain.erasure``) are blanked, with every other column kept,
after the event is listed in ``erased_events``; the trigger allows nothing
else. The chain hashes each payload's digest, so it still verifies; ``verify``
accepts a digest that no longer matches only for an erased event. Not a
projection (``tables`` is empty): it records changes made to the log itself.
"""

from __future__ import annotations

import json
import sqlite3
from typing import TYPE_CHECKING

from cxdesk.domain import erasure
from cxdesk.events.envelope import canonical_json
from cxdesk.store.components import Component, register

if TYPE_CHECKING:
    from cxdesk.events.envelope import Event

SAME = " AND ".join(
    f"NEW.{c} = OLD.{c}"
    for c in (
        "id",
        "kind",
        "payload_digest",
        "actor",
        "device",
        "location",
        "device_seq",
        "hlc",
        "prev_hash",
        "hash",
    )
)

V1 = f"""
CREATE TABLE erased_events (event_id TEXT PRIMARY KEY, erasure_id TEXT NOT NULL);
DROP TRIGGER events_no_update;
CREATE TRIGGER events_no_update BEFORE UPDATE ON events
WHEN NOT ({SAME} AND EXISTS (SELECT 1 FROM erased_events x WHERE x.event_id = OLD.id))
BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;
"""

register(Component("erasure", migrations=[V1]))


def apply_erasures(conn: sqlite3.Connection, events: list[Event]) -> int:
    """Apply the ``RecordsErased`` among ``events`` to the feed events held; returns how many."""
    count = 0
    for rule_event in events:
        if rule_event.kind != "RecordsErased":
            continue
        rule = rule_event.payload
        if rule.get("customer_id"):  # their match keys in the claims index go too
            # Here, not at the top: the store opens (sign-in) without the customer models.
            from cxdesk.domain.claim_keys import record_key

            conn.execute(
                "UPDATE claims_index SET given_key = '', family_key = '', dob_key = '', "
                "postcode_key = '' WHERE record_key = ?",
                (record_key(rule["customer_id"]),),
            )
        rows = conn.execute(
            "SELECT e.id, e.kind, e.payload, e.hlc FROM events e JOIN event_acks a "
            "ON a.event_id = e.id WHERE a.server_seq IS NOT NULL AND a.server_seq <= ?",
            (rule["upto_seq"],),
        ).fetchall()
        for event_id, kind, payload_text, hlc in rows:
            payload = json.loads(payload_text)
            if not erasure.applies(rule, kind, payload, int(hlc.split("-", 1)[0])):
                continue
            # Recorded even when it came blank from the feed (a desk that synced later).
            conn.execute(
                "INSERT OR IGNORE INTO erased_events (event_id, erasure_id) VALUES (?, ?)",
                (event_id, rule["erasure_id"]),
            )
            blanked = canonical_json(erasure.blank(kind, payload))
            if blanked != payload_text:
                conn.execute("UPDATE events SET payload = ? WHERE id = ?", (blanked, event_id))
                count += 1
    return count
