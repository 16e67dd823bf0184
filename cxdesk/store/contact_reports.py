"""The contact log's figures for supervisors and managers, over a range of UK days.

Each report is a ``Report`` (a title, a header and rows of plain values) so the
F7 screen and ``cxdesk export contacts --report`` show the same numbers:

- contacts by reason, channel, location, hour of day and ISO week;
- first-contact resolution by reason and by location (``domain.contacts.fcr_states``:
  derived from whether the resident came back for the same reason within the
  council's window, never self-reported; anonymous contacts and contacts whose
  window has not passed are left out and the "pending" column says how many);
- anonymous footfall per location per day;
- transfer answer and refusal rates per team and week;
- repeat contacts: contacts by a resident who had contacted about the same reason
  within the window before;
- digital exclusion by reason (residents as recorded now).

The grouping work is SQL over indexed columns (day, hour and week were worked
out once by the projection); only FCR runs in Python, over the named contacts
in the range plus one window after it.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from cxdesk.domain import deskclock
from cxdesk.domain.contacts import (
    CHANNELS,
    DAY_MS,
    EXCLUSION_REASONS,
    LONDON,
    ContactFact,
    Rate,
    fcr_states,
    transfer_figures,
)
from cxdesk.store import _sql, contact_queries

REPORTS = {
    "by-reason": "Contacts by reason",
    "by-channel": "Contacts by channel",
    "by-location": "Contacts by location",
    "by-hour": "Contacts by hour",
    "by-week": "Contacts by week",
    "fcr-reason": "First-contact resolution by reason",
    "fcr-location": "First-contact resolution by location",
    "footfall": "Anonymous footfall per hub per day",
    "transfers": "Transfers per team and week",
    "repeats": "Repeat contacts by reason",
    "exclusion": "Digital exclusion by reason",
}


@dataclass(frozen=True)
class Report:
    name: str
    title: str
    header: tuple[str, ...]
    rows: list[tuple]


@dataclass(frozen=True)
class Range:
    """UK calendar days, both inclusive, as epoch milliseconds [start, end)."""

    start_ms: int
    end_ms: int
    location: str | None = None

    @classmethod
    def of(cls, first: date, last: date, location: str | None = None) -> Range:
        def ms(day: date) -> int:
            return int(datetime.combine(day, time(0), tzinfo=LONDON).timestamp() * 1000)

        return cls(ms(first), ms(last + timedelta(days=1)), location)

    def where(self, alias: str = "c") -> tuple[str, list]:
        sql = f"{alias}.at_ms >= ? AND {alias}.at_ms < ?"
        params: list[object] = [self.start_ms, self.end_ms]
        if self.location:
            sql += f" AND {alias}.location = ?"
            params.append(self.location)
        return sql, params


def _share(part: int, whole: int) -> str:
    return Rate(part, whole).text()


def _counted(
    store, rng: Range, column: str, name: str, label: Callable[[Any], object] = str, order="n DESC"
) -> Report:
    where, params = rng.where()
    rows = _sql.query(
        store,
        f"SELECT {column} AS k, COUNT(*) AS n FROM contacts c WHERE {where} "
        f"GROUP BY k ORDER BY {order}",
        params,
    )
    total = sum(r["n"] for r in rows)
    return Report(
        name,
        REPORTS[name],
        (name.removeprefix("by-"), "contacts", "share"),
        [(label(r["k"]), r["n"], _share(r["n"], total)) for r in rows],
    )


def by_reason(store, rng: Range) -> Report:
    labels = contact_queries.reason_labels(store)
    if rng.location:  # only then is the contact's row needed (for its location)
        where, params = rng.where("c")
        sql = (
            "SELECT l.reason AS k, COUNT(*) AS n FROM contact_reason_links l "
            f"JOIN contacts c ON c.contact_id = l.contact_id WHERE {where} "
            "AND l.at_ms >= ? AND l.at_ms < ? GROUP BY l.reason ORDER BY n DESC"
        )
        params += [rng.start_ms, rng.end_ms]
    else:
        sql = (
            "SELECT l.reason AS k, COUNT(*) AS n FROM contact_reason_links l "
            "WHERE l.at_ms >= ? AND l.at_ms < ? GROUP BY l.reason ORDER BY n DESC"
        )
        params = [rng.start_ms, rng.end_ms]
    rows = _sql.query(store, sql, params)
    contacts = _total(store, rng)
    return Report(
        "by-reason",
        REPORTS["by-reason"],
        ("reason", "contacts", "share"),
        [(labels.get(r["k"], r["k"]), r["n"], _share(r["n"], contacts)) for r in rows],
    )


def _total(store, rng: Range) -> int:
    where, params = rng.where()
    return int(_sql.scalar(store, f"SELECT COUNT(*) FROM contacts c WHERE {where}", params) or 0)


def _facts(
    store, rng: Range, window_days: int
) -> tuple[list[ContactFact], dict[str, tuple[str, frozenset[str], bool]]]:
    """Named contacts from the range to one window after it, and (location, in range) per id."""
    rows = _sql.query(
        store,
        "SELECT c.contact_id, c.customer_id, c.outcome, c.at_ms, c.location, "
        "group_concat(l.reason, ' ') AS reasons FROM contacts c "
        "JOIN contact_reason_links l ON l.contact_id = c.contact_id "
        "WHERE c.customer_id IS NOT NULL AND c.at_ms >= ? AND c.at_ms < ? "
        "GROUP BY c.contact_id",
        (rng.start_ms, rng.end_ms + window_days * DAY_MS),
    )
    facts, where = [], {}
    for r in rows:
        reasons = frozenset(r["reasons"].split(" "))
        facts.append(
            ContactFact(r["contact_id"], r["customer_id"], reasons, r["outcome"], r["at_ms"])
        )
        in_range = r["at_ms"] < rng.end_ms and (rng.location in (None, r["location"]))
        where[r["contact_id"]] = (r["location"], reasons, in_range)
    return facts, where


def fcr(store, rng: Range, *, by: str, as_of_ms: int | None = None) -> Report:
    """FCR grouped ``by`` "reason" or "location" (see the module docstring)."""
    window = contact_queries.fcr_window_days(store)
    facts, where = _facts(store, rng, window)
    states = fcr_states(facts, window_days=window, as_of_ms=as_of_ms or deskclock.now_ms())
    labels = contact_queries.reason_labels(store)
    groups: dict[str, Counter] = defaultdict(Counter)
    for contact_id, state in states.items():
        location, reasons, in_range = where[contact_id]
        if not in_range:
            continue
        keys = [labels.get(r, r) for r in reasons] if by == "reason" else [location]
        for key in keys:
            groups[key][state] += 1
    rows = []
    for key, seen in groups.items():
        rate = Rate(seen["resolved"], seen["resolved"] + seen["repeat"] + seen["not_resolved_here"])
        rows.append(
            (key, rate.whole, seen["resolved"], rate.text(), seen["repeat"], seen["pending"])
        )
    rows.sort(key=lambda row: (-row[1], row[0]))
    name = f"fcr-{by}"
    header = (by, "judged", "1st time", "FCR", "back", "pending")
    return Report(name, f"{REPORTS[name]} (window {window} days)", header, rows)


def footfall(store, rng: Range) -> Report:
    where, params = rng.where()
    rows = _sql.query(
        store,
        f"SELECT c.location, c.day, COUNT(*) AS n FROM contacts c WHERE {where} "
        "AND c.customer_id IS NULL GROUP BY c.location, c.day ORDER BY c.day DESC, c.location",
        params,
    )
    return Report(
        "footfall",
        REPORTS["footfall"],
        ("location", "day", "anonymous"),
        [(r["location"], r["day"], r["n"]) for r in rows],
    )


def transfers(store, rng: Range) -> Report:
    where, params = rng.where("t")
    rows = _sql.query(
        store, f"SELECT t.team, t.week, t.result FROM transfer_outcomes t WHERE {where}", params
    )
    figures = transfer_figures((r["team"], r["week"], r["result"]) for r in rows)
    return Report(
        "transfers",
        REPORTS["transfers"],
        ("team", "week", "calls", "answered %", "refused %"),
        [(f.team, f.week, f.total, f.answer_rate.text(), f.refusal_rate.text()) for f in figures],
    )


def repeats(store, rng: Range) -> Report:
    window = contact_queries.fcr_window_days(store) * DAY_MS
    labels = contact_queries.reason_labels(store)
    where, params = rng.where("c")
    rows = _sql.query(
        store,
        "SELECT l.reason AS k, COUNT(*) AS n, COUNT(DISTINCT l.customer_id) AS people "
        "FROM contact_reason_links l JOIN contacts c ON c.contact_id = l.contact_id "
        f"WHERE {where} AND l.customer_id IS NOT NULL AND EXISTS ("
        " SELECT 1 FROM contact_reason_links p WHERE p.customer_id = l.customer_id"
        " AND p.reason = l.reason AND p.at_ms < l.at_ms AND p.at_ms >= l.at_ms - ?) "
        "GROUP BY l.reason ORDER BY n DESC",
        [*params, window],
    )
    return Report(
        "repeats",
        REPORTS["repeats"],
        ("reason", "repeats", "residents"),
        [(labels.get(r["k"], r["k"]), r["n"], r["people"]) for r in rows],
    )


def exclusion(store, rng: Range) -> Report:
    counts: Counter = Counter()
    for r in _sql.query(store, "SELECT reasons FROM digital_exclusion"):
        counts.update(json.loads(r["reasons"]))
    total = int(_sql.scalar(store, "SELECT COUNT(*) FROM digital_exclusion") or 0)
    rows = [(EXCLUSION_REASONS[code], n, _share(n, total)) for code, n in counts.most_common()]
    return Report("exclusion", REPORTS["exclusion"], ("reason", "residents", "share"), rows)


def report(store, name: str, rng: Range) -> Report:
    """The report called ``name`` (a key of ``REPORTS``) over ``rng``."""
    if name == "by-reason":
        return by_reason(store, rng)
    if name == "by-channel":
        return _counted(store, rng, "c.channel", name, lambda k: CHANNELS.get(k, k))
    if name == "by-location":
        return _counted(store, rng, "c.location", name)
    if name == "by-hour":
        return _counted(store, rng, "c.hour", name, lambda h: f"{h:02d}:00", order="k")
    if name == "by-week":
        return _counted(store, rng, "c.week", name, order="k DESC")
    if name in ("fcr-reason", "fcr-location"):
        return fcr(store, rng, by=name.removeprefix("fcr-"))
    if name == "footfall":
        return footfall(store, rng)
    if name == "transfers":
        return transfers(store, rng)
    if name == "repeats":
        return repeats(store, rng)
    if name == "exclusion":
        return exclusion(store, rng)
    raise KeyError(name)


CONTACT_HEADER = (
    "contact_id",
    "at_uk",
    "at_utc",
    "location",
    "advisor",
    "customer_id",
    "channel",
    "outcome",
    "reasons",
    "referral_id",
    "first_contact_resolution",
)


def contact_rows(store, rng: Range, *, as_of_ms: int | None = None):
    """One row per contact in the range (``CONTACT_HEADER``), oldest first, with FCR derived."""
    from cxdesk.domain.contacts import OUTCOMES, utc_text

    window = contact_queries.fcr_window_days(store)
    facts, _ = _facts(store, rng, window)
    states = fcr_states(facts, window_days=window, as_of_ms=as_of_ms or deskclock.now_ms())
    labels = contact_queries.reason_labels(store)
    where, params = rng.where()
    for r in _sql.query(
        store,
        "SELECT c.*, (SELECT group_concat(reason, ' ') FROM contact_reason_links l "
        f"WHERE l.contact_id = c.contact_id) AS reasons FROM contacts c WHERE {where} "
        "ORDER BY c.at_ms, c.contact_id",
        params,
    ):
        at_uk = datetime.fromtimestamp(r["at_ms"] / 1000, tz=LONDON)
        reasons = "; ".join(labels.get(code, code) for code in (r["reasons"] or "").split())
        yield (
            r["contact_id"],
            at_uk.strftime("%Y-%m-%d %H:%M:%S"),
            utc_text(r["at_ms"]),
            r["location"],
            r["actor"],
            r["customer_id"] or "",
            CHANNELS[r["channel"]],
            OUTCOMES[r["outcome"]],
            reasons,
            r["referral_id"] or "",
            states.get(r["contact_id"], "anonymous"),
        )
