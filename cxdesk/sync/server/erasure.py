"""Retention and right-to-erasure on the central database, and its ``verify``.

``erase`` writes a ``RecordsErased`` event (so every desk applies the same
rule from the feed) and, in the same transaction, blanks the personal fields
of the events the rule names. The events table refuses UPDATE by trigger (the
central schema's baseline revision); the one sanctioned change is a payload
rewrite of an event listed in ``erased_events``, with every other column (the
digest and hash included) unchanged, so each chain still verifies (the hash
covers the digest, not the payload). ``verify_central`` checks exactly that.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from sqlalchemy import Connection, Engine, text

from cxdesk.domain import claim_keys, erasure
from cxdesk.events.envelope import GENESIS, canonical_json, new_event_id
from cxdesk.sync.server.central import record_one
from cxdesk.sync.server.db import read_transaction, write_transaction
from cxdesk.sync.server.feed import head


def erase(
    engine: Engine,
    *,
    reason: str,
    before: str | None = None,
    customer_id: str | None = None,
    retention_days: dict[str, int] | None = None,
) -> tuple[str, int]:
    """Record and apply one erasure; returns (erasure id, events blanked)."""
    with write_transaction(engine) as conn:
        rule = {
            "erasure_id": new_event_id(),
            "before": before,
            "customer_id": customer_id,
            "reason": reason,
            "upto_seq": head(conn),
            "retention_days": retention_days or (erasure.RETENTION_DAYS if before else {}),
        }
        event = record_one(conn, "RecordsErased", rule)
        seq = head(conn)
        return event.payload["erasure_id"], apply_erasure(conn, event.payload, seq)


FORGET_KEYS = (
    "UPDATE claims_index SET given_key = '', family_key = '', dob_key = '', "
    "postcode_key = '' WHERE record_key = :r"
)


def apply_erasure(conn: Connection, rule: dict, erasure_seq: int) -> int:
    if rule.get("customer_id"):
        # The person's match keys go too: their issues stay countable by record only.
        conn.execute(
            text("DELETE FROM claim_people WHERE customer_id = :c"), {"c": rule["customer_id"]}
        )
        conn.execute(text(FORGET_KEYS), {"r": claim_keys.record_key(rule["customer_id"])})
        # Canonical JSON (sorted keys, no spaces) spells the id one way in every payload.
        needle = f'%"customer_id":{json.dumps(rule["customer_id"])}%'
        rows = conn.execute(
            text(
                "SELECT server_seq, id, kind, payload, hlc FROM events "
                "WHERE server_seq <= :u AND payload LIKE :n"
            ),
            {"u": rule["upto_seq"], "n": needle},
        )
    else:
        kinds = list(rule.get("retention_days", {})) or [""]
        marks = ", ".join(f":k{i}" for i in range(len(kinds)))
        rows = conn.execute(
            text(
                "SELECT server_seq, id, kind, payload, hlc FROM events "
                f"WHERE server_seq <= :u AND kind IN ({marks})"
            ),
            {"u": rule["upto_seq"], **{f"k{i}": k for i, k in enumerate(kinds)}},
        )
    count = 0
    for seq, event_id, kind, payload_text, hlc in rows.all():
        payload = json.loads(payload_text)
        if not erasure.applies(rule, kind, payload, int(hlc.split("-", 1)[0])):
            continue
        blanked = canonical_json(erasure.blank(kind, payload))
        if blanked == payload_text:
            continue
        conn.execute(
            text(
                "INSERT INTO erased_events (event_id, erasure_seq) VALUES (:i, :s) "
                "ON CONFLICT (event_id) DO NOTHING"
            ),
            {"i": event_id, "s": erasure_seq},
        )
        conn.execute(
            text("UPDATE events SET payload = :p WHERE server_seq = :s"),
            {"p": blanked, "s": seq},
        )
        count += 1
    return count


@dataclass
class CentralReport:
    events: int = 0
    erased: int = 0
    problems: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        out = [f"{self.events} events checked on the central API ({self.erased} erased)."]
        out += [f"chain: {p}" for p in self.problems]
        out.append("OK: every chain intact." if not self.problems else "PROBLEMS FOUND.")
        return out


def verify_central(engine: Engine) -> CentralReport:
    """Every event's hash and each device's links; a digest may differ only if erased."""
    from cxdesk.sync.server.push import row_to_event

    report = CentralReport()
    with read_transaction(engine) as conn:
        erased = {r[0] for r in conn.execute(text("SELECT event_id FROM erased_events"))}
        previous: dict[str, tuple[int, str]] = {}
        rows = conn.execute(text("SELECT * FROM events ORDER BY device, device_seq"))
        for row in rows:
            event = row_to_event(row)
            report.events += 1
            where = f"{event.device}#{event.device_seq}"
            if event.id in erased:
                report.erased += 1
            elif not event.digest_ok():
                report.problems.append(f"{where}: payload does not match digest")
            if not event.hash_ok():
                report.problems.append(f"{where}: hash does not match its fields")
            last_seq, last_hash = previous.get(event.device, (0, GENESIS))
            if event.device_seq == last_seq + 1 and event.prev_hash != last_hash:
                report.problems.append(f"{where}: does not link to the event before")
            previous[event.device] = (event.device_seq, event.hash)
    return report
