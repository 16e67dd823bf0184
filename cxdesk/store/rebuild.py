"""Rebuild projections from the log, and verify a store: the chain, and rebuild == live.

``cxdesk admin verify`` uses ``verify_store``: it checks every event's hash and
each device's chain, then rebuilds every projection in a copy of the store
(``VACUUM INTO``, so the live store is never touched) and compares each table
row by row with the live one, saying what differs.
"""

from __future__ import annotations

import sqlite3
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from cxdesk.events.envelope import GENESIS
from cxdesk.store import feed
from cxdesk.store.components import load_components, project_in_feed_order, projection_tables
from cxdesk.store.eventlog import EVENT_COLUMNS, row_to_event


def rebuild_projections(store) -> int:
    """Clear every projection table and replay the log into it; returns events replayed."""
    count = 0
    with store.transaction() as conn:
        conn.execute("PRAGMA defer_foreign_keys = ON")
        for table in reversed(projection_tables()):
            conn.execute(f'DELETE FROM "{table}"')
        rows = conn.execute(
            f"SELECT {', '.join('e.' + c.strip() for c in EVENT_COLUMNS.split(','))} "
            "FROM events e LEFT JOIN event_acks a ON a.event_id = e.id "
            f"WHERE {feed.NOT_REJECTED} "
            "AND e.id NOT IN (SELECT event_id FROM dropped_events) ORDER BY e.rowid_"
        )
        rows = rows.fetchall()  # all read before any handler writes
        for start in range(0, len(rows), 2000):  # runs of a kind go to batch handlers
            events = [row_to_event(row) for row in rows[start : start + 2000]]
            project_in_feed_order(conn, events)
            count += len(events)
    return count


@dataclass
class VerifyReport:
    events: int = 0
    chain_problems: list[str] = field(default_factory=list)
    table_differences: dict[str, list[str]] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.chain_problems and not self.table_differences

    def lines(self) -> list[str]:
        out = [f"{self.events} events checked."]
        out += [f"chain: {p}" for p in self.chain_problems]
        for table, diffs in self.table_differences.items():
            out.append(f"table {table}: rebuild differs from live")
            out += [f"  {d}" for d in diffs]
        out.append("OK: chain intact, rebuild equals live." if self.ok else "PROBLEMS FOUND.")
        return out


def check_chain(conn: sqlite3.Connection, own_device: str | None) -> tuple[int, list[str]]:
    """Every event's digest and hash, and the links of each device's chain."""
    problems: list[str] = []
    previous: dict[str, tuple[int, str]] = {}
    count = 0
    erased = {r[0] for r in conn.execute("SELECT event_id FROM erased_events")}
    # Dropped (a scope change): the payload is gone on purpose, the row and hash stay.
    erased |= {r[0] for r in conn.execute("SELECT event_id FROM dropped_events")}
    cur = conn.execute(f"SELECT {EVENT_COLUMNS} FROM events ORDER BY device, device_seq")
    for row in cur:
        event = row_to_event(row)
        count += 1
        if not event.digest_ok() and event.id not in erased:  # erased: blanked on purpose
            problems.append(f"{event.device}#{event.device_seq}: payload does not match digest")
        if not event.hash_ok():
            problems.append(f"{event.device}#{event.device_seq}: hash does not match its fields")
        last_seq, last_hash = previous.get(event.device, (0, GENESIS))
        consecutive = event.device_seq == last_seq + 1
        if consecutive and event.prev_hash != last_hash:
            problems.append(f"{event.device}#{event.device_seq}: does not link to the event before")
        if event.device == own_device and not consecutive:
            problems.append(
                f"{event.device}#{event.device_seq}: gap after #{last_seq} in this desk's own chain"
            )
        previous[event.device] = (event.device_seq, event.hash)
    return count, problems


def compare_tables(conn: sqlite3.Connection, schema: str, limit: int = 5) -> dict[str, list[str]]:
    differences: dict[str, list[str]] = {}
    for table in projection_tables():
        only_live = conn.execute(
            f'SELECT * FROM main."{table}" EXCEPT SELECT * FROM {schema}."{table}" LIMIT ?',
            (limit,),
        ).fetchall()
        only_rebuilt = conn.execute(
            f'SELECT * FROM {schema}."{table}" EXCEPT SELECT * FROM main."{table}" LIMIT ?',
            (limit,),
        ).fetchall()
        diffs = [f"live only: {tuple(r)}" for r in only_live]
        diffs += [f"rebuild only: {tuple(r)}" for r in only_rebuilt]
        if diffs:
            differences[table] = diffs
    return differences


def verify_store(store) -> VerifyReport:
    from cxdesk.store.store import open_store

    report = VerifyReport()
    load_components()
    with store.reading() as conn:
        report.events, report.chain_problems = check_chain(conn, store.device_id)
    from cxdesk.sync.audit import audit_problems  # the server's signed word, if any

    report.chain_problems += audit_problems(store)
    with tempfile.TemporaryDirectory(prefix="cxdesk-verify-") as folder:
        copy_path = Path(folder) / "rebuilt.sqlite3"
        with store.reading() as conn:
            conn.execute("VACUUM INTO ?", (str(copy_path),))
        # VACUUM INTO writes the copy encrypted under the same key (and ATTACH below
        # uses the main store's key), so no plain copy of the data lands in /tmp.
        copy = open_store(copy_path, check_filesystem=False, key=store.data_key)
        try:
            rebuild_projections(copy)
        finally:
            copy.close()
        with store.reading() as conn:
            conn.execute("ATTACH DATABASE ? AS rebuilt", (str(copy_path),))
            try:
                report.table_differences = compare_tables(conn, "rebuilt")
            finally:
                conn.execute("DETACH DATABASE rebuilt")
    return report
