"""Reads for the supervisor's reports: reconciliation, sign-offs, anomalies, manager figures.

Each function maps what the components hold (stock moves and counts, issues,
customers, crisis payment requests, opening hours, sign-offs) onto the plain
facts of ``cxdesk.domain.reconciliation`` and ``cxdesk.domain.anomalies`` and
lets the domain do the reasoning, so the rules are tested without a database.
Other components' tables are read only through their query modules
(``stock_queries``, ``issue_queries``, ``customer_queries``, ``crisis_queries``,
``staff_queries``), inside one ``store.reading()`` so the reads agree.

Reconciliation reads per-serial stock moves in the requested days, plus one
total per movement type for everything before them (the opening balance),
so a year of history does not have to be replayed item by item.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from cxdesk.domain import anomalies as rules
from cxdesk.domain.hours import LONDON, OpeningHours
from cxdesk.domain.issue_log import IssueFilter
from cxdesk.domain.reconciliation import (
    ReconciliationRow,
    StockCountFact,
    StockMovement,
    reconcile,
)
from cxdesk.errors import ValidationError
from cxdesk.store import (
    crisis_queries,
    customer_queries,
    feed,
    issue_queries,
    staff_queries,
    stock_queries,
)
from cxdesk.store.issue_log_queries import latest_signoffs

# stock_moves (move, condition) -> reconciliation change, for the item's own location.
_MOVE_CHANGE = {
    ("received", None): "received",
    ("issued", None): "issued",
    ("voided", "back_to_stock"): "voided",
    ("written_off", "lost"): "lost",
    ("written_off", "spoiled"): "lost",
}
# A void of a spoiled item does not bring anything back to the drawer.


def _ms(day: date) -> int:
    return int(datetime.combine(day, datetime.min.time(), LONDON).timestamp() * 1000)


def _at(ms: int) -> datetime:
    return datetime.fromtimestamp(ms / 1000, UTC)


def _movements(rows, at_override: datetime | None = None) -> list[StockMovement]:
    out = []
    for kind, move, condition, location, to_location, at_ms, qty in rows:
        at = at_override or _at(at_ms)
        if move == "transferred":
            out.append(StockMovement(location, kind, at, "transferred_out", qty))
            out.append(StockMovement(to_location, kind, at, "transferred_in", qty))
        elif (move, condition) in _MOVE_CHANGE:
            out.append(StockMovement(location, kind, at, _MOVE_CHANGE[(move, condition)], qty))
    return out


def day_bounds_ms(day_from: date, day_to: date) -> tuple[int, int]:
    """[start, end) in epoch milliseconds: London midnight of ``day_from`` to after ``day_to``."""
    return _ms(day_from), _ms(day_to + timedelta(days=1))


def reconcile_days(
    before, during, counts, day_from: date, day_to: date, location: str | None
) -> list[ReconciliationRow]:
    """Reconciliation rows from stock rows as the desk and the central API both read them.

    ``before``: totals per (kind, move, condition, location, to_location, 0, quantity)
    ahead of the range (the opening balance); ``during``: the range's moves in the same
    shape with their time; ``counts``: (location, kind, at_ms, counted, counted_by).
    """
    opening_at = _at(_ms(day_from) - 1)
    moves = _movements(before, opening_at) + _movements(during)
    if location:
        moves = [m for m in moves if m.location == location]
    facts = [StockCountFact(loc, kind, _at(ms), n, by) for loc, kind, ms, n, by in counts]
    return reconcile(moves, facts, day_from=day_from, day_to=day_to)


@dataclass
class DayReconciliation:
    """A reconciliation row with the day's sign-off, if any."""

    row: ReconciliationRow
    signed_by: str = ""
    signed_at: datetime | None = None
    note: str = ""
    late_arrivals: int = 0


def reconciliation(
    store, day_from: date, day_to: date, location: str | None = None
) -> list[DayReconciliation]:
    """Rows per location, stock kind and UK day in [day_from, day_to], with sign-offs."""
    if day_from > day_to:
        raise ValidationError("The 'from' date is after the 'to' date.", field="date_from")
    start, end = _ms(day_from), _ms(day_to + timedelta(days=1))
    with store.reading() as conn:  # one view of the store for every read below
        before = stock_queries.move_totals_before(store, start, location)
        during = stock_queries.moves_between(store, start, end, location)
        counts = stock_queries.counts_between(store, start, end, location)
        rows = reconcile_days(before, during, counts, day_from, day_to, location)
        pairs = {(r.location, r.day.isoformat()) for r in rows}
        signed = latest_signoffs(conn, pairs)
        out = []
        for r in rows:
            sign = signed.get((r.location, r.day.isoformat()))
            item = DayReconciliation(r)
            if sign:
                item.signed_by, item.signed_at, item.note = sign[0], _at(sign[1]), sign[2]
                item.late_arrivals = len(_late(conn, r.location, r.day, sign[3]))
            out.append(item)
    return out


# Kinds whose late arrival into a signed-off day changes what was signed for.
LATE_KINDS = (
    "VoucherIssued",
    "CardIssued",
    "IssueVoided",
    "StockReceived",
    "StockTransferred",
    "StockWrittenOff",
    "StockCounted",
)


def _late(conn, location: str, day: date, place: tuple) -> list[tuple]:
    start, end = _ms(day), _ms(day + timedelta(days=1))
    marks = ",".join("?" * len(LATE_KINDS))
    # The hlc's first 16 characters are the milliseconds, zero-padded: text order is time order.
    rows = conn.execute(
        f"SELECT e.id, e.kind, e.actor, e.hlc, e.payload, {feed.PLACE}, e.rowid_ "
        "FROM events e LEFT JOIN event_acks a ON a.event_id = e.id "
        f"WHERE e.kind IN ({marks}) AND e.location = ? AND e.hlc >= ? AND e.hlc < ? "
        f"AND {feed.NOT_REJECTED}",
        (*LATE_KINDS, location, f"{start:016d}", f"{end:016d}"),
    ).fetchall()
    return [r[:5] for r in rows if (r[5], r[6]) > place]


@dataclass(frozen=True)
class LateArrival:
    event_id: str
    kind: str
    actor: str
    at: datetime
    summary: str


def late_arrivals(store, location: str, day: date) -> list[LateArrival]:
    """Events of a signed-off day that reached this desk's feed after the (latest) sign-off."""
    from cxdesk.events import get_kind

    with store.reading() as conn:
        signed = latest_signoffs(conn, {(location, day.isoformat())})
        if not signed:
            return []
        rows = _late(conn, location, day, signed[(location, day.isoformat())][3])
    out = []
    for event_id, kind, actor, hlc, payload in rows:
        model = get_kind(kind).payload.model_validate(json.loads(payload))
        at = _at(int(hlc.split("-", 1)[0]))
        out.append(LateArrival(event_id, kind, actor, at, model.summary()))
    return sorted(out, key=lambda a: a.at)


def _ms_bounds(flt: IssueFilter) -> tuple[int, int]:
    """The filter's [start, end) in epoch milliseconds; both its days are given."""
    start, end = flt.utc_bounds()
    if start is None or end is None:
        raise ValueError("a report needs both its from and to days")
    return int(start.timestamp() * 1000), int(end.timestamp() * 1000)


def find_anomalies(store, day_from: date, day_to: date) -> list[rules.Finding]:
    """Every anomaly rule over the issues in the date range (repeat claims look back further)."""
    flt = IssueFilter(date_from=day_from, date_to=day_to)
    start, end = _ms_bounds(flt)
    with store.reading():  # one view of the store for every read below
        # Repeat windows reach back before the range: fetch up to a year earlier for them.
        issues = issue_queries.issues_between(store, start - 366 * 86_400_000, end)
        policies = issue_queries.repeat_windows(store)
        people = customer_queries.contact_details(store, [i.customer_id for i in issues])
        hour_texts = staff_queries.location_hours(store)
        loaded = crisis_queries.loaded_after_cancel(store)
    hours = {}
    for loc, text in hour_texts.items():
        try:
            hours[loc] = OpeningHours.parse(text or "unknown")
        except ValidationError:
            continue  # unreadable hours: the outside-hours rule skips that location
    in_days = {i.issue_id: i for i in issues if start <= i.at_ms < end}
    loaded_after_void = [
        rules.LoadedAfterVoid(
            load.issue_id,
            issue.serial,
            issue.location,
            load.loaded_by,
            _at(load.loaded_at_ms),
            load.amount_pence,
        )
        for load in loaded
        if (issue := in_days.get(load.issue_id)) is not None
    ]
    seen_in_days = {i.customer_id for i in in_days.values()}
    contacts = [
        rules.CustomerContact(p.customer_id, p.name, p.phone, p.address)
        for p in people.values()
        if p.customer_id in seen_in_days
    ]
    facts = [
        rules.IssueFact(
            i.issue_id,
            i.kind,
            i.serial,
            i.location,
            i.actor,
            _at(i.at_ms),
            i.customer_id,
            people[i.customer_id].name if i.customer_id in people else "",
            i.override_reason or "",
            i.status == "voided",
        )
        for i in issues
    ]
    in_range = [f for f in facts if f.at >= _at(start)]
    found = [f for f in rules.repeat_claims(facts, policies) if f.at and f.at >= _at(start)]
    found += rules.shared_contacts(in_range, contacts)
    found += rules.duplicate_serials(in_range)
    found += rules.outside_hours(in_range, hours)
    found += rules.advisor_outliers(in_range)
    stock_rows = [d.row for d in reconciliation(store, day_from, day_to)]
    found += rules.stock_count_differences(stock_rows)
    found += rules.funds_after_void(loaded_after_void)
    return found


@dataclass
class WeekFigures:
    """What a manager reports for one location and ISO week."""

    location: str
    week: str  # "2026-W45"
    issues: int = 0
    vouchers: int = 0
    cards: int = 0
    value_pence: int = 0
    overrides: int = 0
    requests: int = 0
    on_time: int = 0
    late: list[dict] = field(default_factory=list)

    @property
    def on_time_percent(self) -> float | None:
        """Requests closed within the hour, out of those closed or already overdue."""
        judged = self.on_time + len(self.late)
        return None if judged == 0 else 100.0 * self.on_time / judged


def manager_figures(
    store, day_from: date, day_to: date, *, now_ms: int | None = None
) -> list[WeekFigures]:
    """Issues by location and ISO week: count, value, overrides, the one-hour promise kept."""
    now = int(time.time() * 1000) if now_ms is None else now_ms
    flt = IssueFilter(date_from=day_from, date_to=day_to)
    start, end = _ms_bounds(flt)
    with store.reading():  # one view of the store for both reads
        live = [i for i in issue_queries.issues_between(store, start, end) if i.status != "voided"]
        requests = crisis_queries.requests_between(store, start, end)
    issues = [(i.location, i.kind, i.value_pence, i.override_reason != "", i.at_ms) for i in live]
    return tally_weeks(issues, requests, now)


def tally_weeks(issues, requests, now: int) -> list[WeekFigures]:
    """Weekly figures from live issues (location, kind, value, has override, at_ms) and
    requests (id, issue, serial, location, requested, due, status, closed ms), as the desk
    and the central API both read them."""
    weeks: dict[tuple[str, str], WeekFigures] = {}

    def bucket(location: str, at_ms: int) -> WeekFigures:
        iso = _at(at_ms).astimezone(LONDON).isocalendar()
        key = (location, f"{iso.year}-W{iso.week:02d}")
        return weeks.setdefault(key, WeekFigures(*key))

    for location, kind, value, override, at_ms in issues:
        week = bucket(location, at_ms)
        week.issues += 1
        week.vouchers += kind == "food_voucher"
        week.cards += kind == "payment_card"
        week.value_pence += value
        week.overrides += bool(override)
    for rid, issue_id, serial, location, requested, due, status, closed in requests:
        week = bucket(location, requested)
        week.requests += 1
        late_closed = closed is not None and closed > due
        still_open_late = status == "open" and now > due
        if late_closed or still_open_late:
            minutes = ((closed if closed is not None else now) - requested) // 60_000
            week.late.append(
                dict(
                    request_id=rid, issue_id=issue_id, serial=serial, minutes=minutes, status=status
                )
            )
        elif closed is not None:
            week.on_time += 1
    return sorted(weeks.values(), key=lambda w: (w.week, w.location))
