"""Reads of serial-numbered stock for the stock screen and the issue checks.

Everything here reads the ``stock`` projection (see
``cxdesk.store.projections.stock``); nothing writes.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import NamedTuple

from cxdesk.domain.serials import SerialFormat
from cxdesk.domain.stock import ON_HAND, SerialState
from cxdesk.store import _sql

# Spelt as the partial index ``stock_items_on_hand`` is, so SQLite uses it.
_ON_HAND_SQL = "status IN ('in_stock', 'voided_back')"


@dataclass(frozen=True)
class OnHand:
    location: str
    location_name: str
    kind: str
    on_hand: int
    issued: int
    written_off: int
    last_count: int | None
    last_difference: int | None
    last_count_at_ms: int | None


def on_hand_count(store, location: str, kind: str) -> int:
    """How many items of ``kind`` the records say are in the drawer at ``location``."""
    return _sql.scalar(
        store,
        f"SELECT COUNT(*) FROM stock_items WHERE location = ? AND kind = ? AND {_ON_HAND_SQL}",
        (location, kind),
    )


def stock_summary(store) -> list[OnHand]:
    """On hand, issued and written off per location and kind, with the last count."""
    rows = _sql.query(
        store,
        "SELECT s.location, COALESCE(l.name, s.location) AS name, s.kind, "
        f"SUM({_ON_HAND_SQL}) AS on_hand, SUM(status = 'issued') AS issued, "
        "SUM(status IN ('lost', 'spoiled')) AS written_off FROM stock_items s "
        "LEFT JOIN location_names_v l ON l.location_id = s.location "
        "WHERE s.location IS NOT NULL GROUP BY s.location, s.kind ORDER BY s.location, s.kind",
    )
    out = []
    for r in rows:
        last = _sql.query(
            store,
            "SELECT counted, difference, at_ms FROM stock_counts WHERE location = ? AND kind = ? "
            "ORDER BY at_ms DESC, event_id DESC LIMIT 1",
            (r["location"], r["kind"]),
        )
        c = last[0] if last else None
        out.append(
            OnHand(
                r["location"],
                r["name"],
                r["kind"],
                r["on_hand"],
                r["issued"],
                r["written_off"],
                c["counted"] if c else None,
                c["difference"] if c else None,
                c["at_ms"] if c else None,
            )
        )
    return out


def serial_state(store, serial: str) -> SerialState | None:
    """What the records say about one serial, or None if this desk has never seen it."""
    rows = _sql.query(
        store,
        "SELECT location, status, issue_id, clash, notes FROM stock_items WHERE serial = ?",
        (serial,),
    )
    if not rows:
        return None
    r = rows[0]
    live = [r["issue_id"]] if r["status"] == "issued" else []
    base = r["status"] if r["status"] in (*ON_HAND, "lost", "spoiled") else "in_stock"
    return SerialState(r["location"], base, live, json.loads(r["notes"]))


def serials_not_on_hand(store, serials: list[str], location: str, kind: str) -> list[str]:
    """Those of ``serials`` that are not in the drawer at ``location`` as ``kind``."""
    missing = []
    for start in range(0, len(serials), 500):
        chunk = serials[start : start + 500]
        marks = ",".join("?" * len(chunk))
        present = {
            r[0]
            for r in _sql.query(
                store,
                f"SELECT serial FROM stock_items WHERE serial IN ({marks}) AND location = ? "
                f"AND kind = ? AND {_ON_HAND_SQL}",
                (*chunk, location, kind),
            )
        }
        missing += [s for s in chunk if s not in present]
    return missing


def known_serials(store, serials: list[str]) -> list[str]:
    """Those of ``serials`` already in the stock records (anywhere, any state)."""
    found = []
    for start in range(0, len(serials), 500):
        chunk = serials[start : start + 500]
        marks = ",".join("?" * len(chunk))
        found += [
            r[0]
            for r in _sql.query(
                store, f"SELECT serial FROM stock_items WHERE serial IN ({marks})", chunk
            )
        ]
    return sorted(found)


def location_names(store) -> dict[str, str]:
    """Every location's name by its id (the roster's; see ``staff_queries``)."""
    from cxdesk.store.staff_queries import location_names as names

    return names(store)


def kind_serial_format(store, kind: str) -> SerialFormat:
    """The serial format the latest policy for ``kind`` sets, in feed order (or the default)."""
    from cxdesk.store.issue_queries import policy_serial_format

    return policy_serial_format(store, kind)


class StockMove(NamedTuple):
    """Stock moves as reconciliation reads them (desk and central alike): one serial's
    move with its time, or (``at_ms`` 0) a total of one kind of move before a range."""

    kind: str
    move: str
    condition: str | None
    location: str
    to_location: str | None
    at_ms: int
    quantity: int


class StockCount(NamedTuple):
    location: str
    kind: str
    at_ms: int
    counted: int
    counted_by: str


def _at_location(location: str | None, *columns: str) -> str:
    return " AND (" + " OR ".join(f"{c} = :loc" for c in columns) + ")" if location else ""


def move_totals_before(store, start_ms: int, location: str | None) -> list[StockMove]:
    """One total per kind of move before ``start_ms`` (the opening balance)."""
    where = _at_location(location, "location", "to_location")
    rows = _sql.query(
        store,
        "SELECT kind, move, condition, location, to_location, 0, COUNT(*) FROM stock_moves "
        f"WHERE at_ms < :start{where} GROUP BY kind, move, condition, location, to_location",
        {"start": start_ms, "loc": location},
    )
    return [StockMove(*r) for r in rows]


def moves_between(store, start_ms: int, end_ms: int, location: str | None) -> list[StockMove]:
    """Every serial's move in [start_ms, end_ms), with its time."""
    where = _at_location(location, "location", "to_location")
    rows = _sql.query(
        store,
        "SELECT kind, move, condition, location, to_location, at_ms, 1 FROM stock_moves "
        f"WHERE at_ms >= :start AND at_ms < :end{where}",
        {"start": start_ms, "end": end_ms, "loc": location},
    )
    return [StockMove(*r) for r in rows]


def counts_between(store, start_ms: int, end_ms: int, location: str | None) -> list[StockCount]:
    """Physical counts made in [start_ms, end_ms)."""
    rows = _sql.query(
        store,
        "SELECT location, kind, at_ms, counted, actor FROM stock_counts "
        f"WHERE at_ms >= :start AND at_ms < :end{_at_location(location, 'location')}",
        {"start": start_ms, "end": end_ms, "loc": location},
    )
    return [StockCount(*r) for r in rows]
