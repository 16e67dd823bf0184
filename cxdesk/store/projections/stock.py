"""Projection of serial-numbered stock: every move of every serial, and where each is now.

Tables (read by the stock screen, the issue checks and the supervisor's log):

- ``stock_moves(event_id, serial, kind, move, location, to_location, issue_id,
  condition, at_ms, actor)``: one row per serial per event, insert-only.
  ``move`` is received | transferred | written_off | issued | voided;
  ``condition`` is lost | spoiled (write-off) or back_to_stock | spoiled (void).
- ``stock_items(serial PK, kind, location, status, issue_id, clash, notes,
  updated_at_ms)``: the current state of each serial, recomputed from its
  moves in feed order (``cxdesk.domain.stock.apply_moves``). ``status`` is
  in_stock | voided_back (both on hand) | issued | spoiled | lost; ``clash`` is
  1 when more than one live issue holds the serial (two desks issued it
  offline); ``notes`` (JSON list) explains odd sequences.
- ``stock_counts(event_id PK, location, kind, counted, expected, difference,
  at_ms, actor, note)``: physical counts with the difference, kept forever.

Current state is recomputed per serial in feed order (``cxdesk.store.feed``) and
again when the server acknowledges an event, so the result does not depend on
the order events from different desks arrive.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable
from typing import TYPE_CHECKING

from cxdesk.domain.stock import Move, apply_moves, expand_range
from cxdesk.events.envelope import hlc_millis
from cxdesk.store import feed
from cxdesk.store.components import Component, register

if TYPE_CHECKING:
    from cxdesk.events.envelope import Event

V1 = """
CREATE TABLE stock_moves (
    event_id TEXT NOT NULL,
    serial TEXT NOT NULL,
    kind TEXT NOT NULL,
    move TEXT NOT NULL,
    location TEXT NOT NULL,
    to_location TEXT,
    issue_id TEXT,
    condition TEXT,
    at_ms INTEGER NOT NULL,
    actor TEXT NOT NULL,
    PRIMARY KEY (event_id, serial)
);
CREATE INDEX stock_moves_serial ON stock_moves (serial);
CREATE TABLE stock_items (
    serial TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    location TEXT,
    status TEXT NOT NULL,
    issue_id TEXT,
    clash INTEGER NOT NULL DEFAULT 0,
    notes TEXT NOT NULL DEFAULT '[]',
    updated_at_ms INTEGER NOT NULL
);
CREATE INDEX stock_items_place ON stock_items (location, kind, status);
CREATE TABLE stock_counts (
    event_id TEXT PRIMARY KEY,
    location TEXT NOT NULL,
    kind TEXT NOT NULL,
    counted INTEGER NOT NULL,
    expected INTEGER NOT NULL,
    difference INTEGER NOT NULL,
    at_ms INTEGER NOT NULL,
    actor TEXT NOT NULL,
    note TEXT NOT NULL
);
CREATE INDEX stock_counts_place ON stock_counts (location, kind, at_ms);
"""

# V2: a serial's moves clustered by serial (``WITHOUT ROWID``, keyed ``serial, event_id``:
# the same rows, the same uniqueness), so recording a move writes one b-tree, not a
# table, its key's index and ``stock_moves_serial``: two pages fewer in each issue's commit.
V2 = """
CREATE TABLE stock_moves_by_serial (
    event_id TEXT NOT NULL,
    serial TEXT NOT NULL,
    kind TEXT NOT NULL,
    move TEXT NOT NULL,
    location TEXT NOT NULL,
    to_location TEXT,
    issue_id TEXT,
    condition TEXT,
    at_ms INTEGER NOT NULL,
    actor TEXT NOT NULL,
    PRIMARY KEY (serial, event_id)
) WITHOUT ROWID;
INSERT INTO stock_moves_by_serial SELECT event_id, serial, kind, move, location, to_location,
    issue_id, condition, at_ms, actor FROM stock_moves;
DROP TABLE stock_moves;
ALTER TABLE stock_moves_by_serial RENAME TO stock_moves;
"""

# V3: the on-hand index holds only what is on hand (partial), so issuing an item deletes
# its entry, one page, where ``stock_items_place`` (location, kind, status) moved it
# from the in-stock run to the issued one, two pages, in every issue's commit. The
# on-hand count and check spell the same condition (``stock_queries._ON_HAND_SQL``); the
# stock screen's totals per place read the table itself.
V3 = """
DROP INDEX IF EXISTS stock_items_place;
CREATE INDEX IF NOT EXISTS stock_items_on_hand ON stock_items (location, kind)
    WHERE status IN ('in_stock', 'voided_back');
"""

stock = register(
    Component(
        "stock", migrations=[V1, V2, V3], tables=("stock_moves", "stock_items", "stock_counts")
    )
)

ISSUE_KINDS = {"VoucherIssued": "food_voucher", "CardIssued": "payment_card"}


def _add_moves(conn: sqlite3.Connection, event: Event, kind: str, rows: Iterable[tuple]) -> None:
    at, actor = hlc_millis(event.hlc), event.actor
    conn.executemany(
        "INSERT INTO stock_moves (event_id, serial, kind, move, location, to_location, issue_id, "
        "condition, at_ms, actor) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [(event.id, serial, kind, *rest, at, actor) for serial, *rest in rows],
    )


def recompute_serials(conn: sqlite3.Connection, serials: list[str]) -> None:
    """Work out the current state of each serial from all its moves, in feed order."""
    for start in range(0, len(serials), 500):
        chunk = serials[start : start + 500]
        marks = ",".join("?" * len(chunk))
        rows = conn.execute(
            "SELECT m.serial, m.kind, m.move, m.location, m.to_location, m.issue_id, "
            f"m.condition, m.at_ms FROM stock_moves m {feed.join_events('m.event_id')} "
            f"WHERE m.serial IN ({marks}) AND {feed.NOT_REJECTED} "
            f"ORDER BY m.serial, {feed.ORDER}",
            chunk,
        ).fetchall()
        by_serial: dict[str, list] = {}
        for row in rows:
            by_serial.setdefault(row[0], []).append(row)
        out = []
        for serial, moves in by_serial.items():
            state = apply_moves(Move(m[2], m[3], m[4], m[5], m[6]) for m in moves)
            updated = max(m[7] for m in moves)
            out.append(
                (
                    serial,
                    moves[0][1],
                    state.location,
                    state.status,
                    state.issue_id,
                    int(state.clash),
                    json.dumps(state.notes),
                    updated,
                )
            )
        conn.executemany(
            "INSERT INTO stock_items (serial, kind, location, status, issue_id, clash, notes, "
            "updated_at_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (serial) DO UPDATE SET "
            "kind = excluded.kind, location = excluded.location, status = excluded.status, "
            "issue_id = excluded.issue_id, clash = excluded.clash, notes = excluded.notes, "
            "updated_at_ms = excluded.updated_at_ms",
            out,
        )


def _serials_of(event: Event) -> list[str]:
    p = event.payload
    if event.kind in ("StockReceived", "StockTransferred"):
        return expand_range(p["first"], p["last"])
    if event.kind == "StockWrittenOff":
        return list(p["serials"])
    if event.kind in ISSUE_KINDS or event.kind == "IssueVoided":
        return [p["serial"]]
    return []


@stock.handles("StockReceived")
def _received(conn: sqlite3.Connection, event: Event) -> None:
    p, serials = event.payload, _serials_of(event)
    _add_moves(
        conn, event, p["kind"], ((s, "received", p["location"], None, None, None) for s in serials)
    )
    recompute_serials(conn, serials)


@stock.handles("StockTransferred")
def _transferred(conn: sqlite3.Connection, event: Event) -> None:
    p, serials = event.payload, _serials_of(event)
    rows = ((s, "transferred", p["from_location"], p["to_location"], None, None) for s in serials)
    _add_moves(conn, event, p["kind"], rows)
    recompute_serials(conn, serials)


@stock.handles("StockWrittenOff")
def _written_off(conn: sqlite3.Connection, event: Event) -> None:
    p, serials = event.payload, _serials_of(event)
    rows = ((s, "written_off", p["location"], None, None, p["condition"]) for s in serials)
    _add_moves(conn, event, p["kind"], rows)
    recompute_serials(conn, serials)


@stock.handles(*ISSUE_KINDS)
def _issued(conn: sqlite3.Connection, event: Event) -> None:
    p = event.payload
    row = (p["serial"], "issued", event.location, None, p["issue_id"], None)
    _add_moves(conn, event, ISSUE_KINDS[event.kind], [row])
    recompute_serials(conn, [p["serial"]])


@stock.handles("IssueVoided")
def _voided(conn: sqlite3.Connection, event: Event) -> None:
    p = event.payload
    row = (p["serial"], "voided", event.location, None, p["issue_id"], p["item"])
    _add_moves(conn, event, p["kind"], [row])
    recompute_serials(conn, [p["serial"]])


@stock.handles("StockCounted")
def _counted(conn: sqlite3.Connection, event: Event) -> None:
    p = event.payload
    conn.execute(
        "INSERT INTO stock_counts (event_id, location, kind, counted, expected, difference, "
        "at_ms, actor, note) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            event.id,
            p["location"],
            p["kind"],
            p["counted"],
            p["expected"],
            p["counted"] - p["expected"],
            hlc_millis(event.hlc),
            event.actor,
            p.get("note", ""),
        ),
    )


@stock.acknowledged
def _on_ack(conn: sqlite3.Connection, event: Event) -> None:
    """A synced event has its place in the feed now: its serials may read differently."""
    serials = _serials_of(event)
    if serials:
        recompute_serials(conn, serials)
