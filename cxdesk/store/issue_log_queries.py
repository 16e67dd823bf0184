"""Reads for the supervisor's issued-voucher log: the filtered, paged log and one issue's story.

The log lists every voucher and card on this desk's copy of the feed, newest
first by issue time, with filters that combine (``IssueFilter``). Pages use
keyset pagination on ``(at_ms, issue_id)``: the next page starts below the
last row shown, so page 500 costs what page 1 does, and rows arriving from a
sync between pages never shift or repeat what was already shown. The indexes
that make this fast belong to the tables they index (issuing, crisis, customers).

The log reads the issuing and supervision components' tables; of other
components it reads only what they declare for it: the customers component's
``customer_names_v`` and the crisis component's ``payment_request_state_v``
views, ``crisis_queries.request_for_issue`` and ``staff_queries.staff_names``.

Totals (count and value) cover everything the filter matches, not just the
page on screen.

"Arrived after sign-off" compares feed places, never clocks; see the
supervision projection's docstring for the rule.
"""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime

from cxdesk.domain.issue_log import (
    IssueFilter,
    IssueLogRow,
    LogPage,
    birth_year,
    district_of,
    issue_status,
    mark_after_signoff,
    signoff_key,
)
from cxdesk.domain.reconciliation import london_day
from cxdesk.store import crisis_queries, feed, issue_queries, staff_queries
from cxdesk.store.crisis_queries import PaymentRequest

PAGE_SIZE = 50

_LATE_REQUEST = (
    "((r.completed_at_ms IS NOT NULL AND r.completed_at_ms > r.due_ms) "
    "OR (r.status = 'open' AND r.due_ms < :now))"
)


def where_clause(flt: IssueFilter, now_ms: int) -> tuple[str, dict]:
    """The SQL condition (on ``issues i``) and parameters for a filter."""
    parts, params = flt.shared_conditions()
    params["now"] = now_ms
    if flt.customer:
        parts.append(
            "(i.customer_id = :customer OR i.customer_id IN "
            "(SELECT customer_id FROM customer_names_v WHERE family_name LIKE :customer_prefix))"
        )
        params["customer"] = flt.customer.strip()
        escaped = flt.customer.strip().replace("\\", "\\\\").replace("%", "\\%")
        params["customer_prefix"] = escaped.replace("_", "\\_") + "%"
        parts[-1] = parts[-1].replace(":customer_prefix", ":customer_prefix ESCAPE '\\'")
    if flt.overrides_only:
        parts.append("i.override_reason != ''")
    if flt.late_only:
        parts.append(
            "EXISTS (SELECT 1 FROM payment_request_state_v r "
            f"WHERE r.issue_id = i.issue_id AND {_LATE_REQUEST})"
        )
    return (" AND ".join(parts) or "1") + issue_queries.card_term(flt.kind), params


def _now_ms(now_ms: int | None) -> int:
    return int(time.time() * 1000) if now_ms is None else now_ms


_ROW_SQL = (
    "SELECT i.issue_id, i.at_ms, i.location, i.actor, i.customer_id, "
    "c.full_name, c.date_of_birth, c.postcode, i.kind, i.serial, i.value_pence, i.reason, "
    "i.repeat_action, i.repeat_matches, i.override_reason, i.approved_by, i.status, "
    "(SELECT r.status || '|' || r.due_ms || '|' || COALESCE(r.completed_at_ms, '') "
    " FROM payment_request_state_v r WHERE r.issue_id = i.issue_id LIMIT 1), "
    f"{feed.PLACE}, e.rowid_ "
    "FROM issues i LEFT JOIN customer_names_v c ON c.customer_id = i.customer_id "
    f"{feed.join_events('i.event_id', outer=True)}"
)
"""SELECT list and joins for a log row. The customer's name and the card's payment
request come from views the customers and crisis components declare
(``customer_names_v``, ``payment_request_state_v``), never their tables."""


def repeat_text(action: str, matches: int) -> str:
    """The repeat-claim check in a few words: "" (no match), "warned", "reason given (2)"..."""
    if action == "none" or not action:
        return ""
    words = {"warn": "warned", "reason": "reason given", "supervisor": "supervisor approved"}
    return words.get(action, action) + (f" ({matches})" if matches else "")


def _to_row(raw: tuple, now_ms: int) -> tuple[IssueLogRow, tuple[float, int]]:
    (
        issue_id,
        at_ms,
        location,
        actor,
        customer_id,
        name,
        dob,
        postcode,
        kind,
        serial,
        value,
        reason,
        repeat_action,
        repeat_matches,
        override,
        approved_by,
        status,
        request,
        place_seq,
        place_row,
    ) = raw
    req_status = due = closed = None
    if request:
        req_status, due_text, closed_text = request.split("|")
        due, closed = int(due_text), int(closed_text) if closed_text else None
    row = IssueLogRow(
        issue_id=issue_id,
        at=datetime.fromtimestamp(at_ms / 1000, UTC),
        location=location,
        advisor=actor,
        customer_id=customer_id,
        customer_name=name or "",
        birth_year=birth_year(dob),
        postcode_district=district_of(postcode),
        kind=kind,
        serial=serial,
        value_pence=value,
        reason=reason,
        repeat_result=repeat_text(repeat_action, repeat_matches),
        override_reason=override or "",
        approved_by=approved_by or "",
        status=issue_status(
            voided=status == "voided",
            request_status=req_status,
            due_ms=due,
            closed_ms=closed,
            now_ms=now_ms,
        ),
    )
    return row, (place_seq, place_row if place_row is not None else 0)


def latest_signoffs(conn: sqlite3.Connection, pairs: set[tuple[str, str]]) -> dict:
    """For each (location, day): (signed_by, signed_at_ms, note, feed place) of the latest one.

    One query for all the pairs (a page of the log touches many days), latest
    chosen here in feed order.
    """
    out: dict[tuple[str, str], tuple] = {}
    if not pairs:
        return out
    days = sorted({day for _, day in pairs})
    marks = ",".join("?" * len(days))
    rows = conn.execute(
        "SELECT s.location_id, s.day, s.signed_by, s.signed_at_ms, s.note, "
        f"{feed.PLACE}, e.rowid_ FROM signoffs s {feed.join_events('s.event_id')} "
        f"WHERE s.day IN ({marks}) AND {feed.NOT_REJECTED}",
        days,
    ).fetchall()
    for location, day, by, at_ms, note, seq, rowid in rows:
        key = (location, day)
        if key in pairs and (key not in out or (seq, rowid) > out[key][3]):
            out[key] = (by, at_ms, note, (seq, rowid))
    return out


def _mark_after_signoff(conn: sqlite3.Connection, rows: list) -> list[IssueLogRow]:
    signed = latest_signoffs(conn, {signoff_key(r) for r, _ in rows})
    return mark_after_signoff(rows, signed)


def log_page(
    store,
    flt: IssueFilter,
    *,
    after: tuple[int, str] | None = None,
    limit: int = PAGE_SIZE,
    with_totals: bool = True,
    now_ms: int | None = None,
) -> LogPage:
    """One page of the log, newest first, starting below ``after`` (the previous page's cursor)."""
    now = _now_ms(now_ms)
    where, params = where_clause(flt, now)
    with store.reading() as conn:
        keyset = ""
        if after is not None:
            keyset = " AND (i.at_ms, i.issue_id) < (:after_ms, :after_id)"
            params.update(after_ms=after[0], after_id=after[1])
        sql = (
            f"{_ROW_SQL} WHERE {where}{keyset} ORDER BY i.at_ms DESC, i.issue_id DESC LIMIT :limit"
        )
        raw = conn.execute(sql, {**params, "limit": limit + 1}).fetchall()
        more = len(raw) > limit
        rows = _mark_after_signoff(conn, [_to_row(r, now) for r in raw[:limit]])
        count = pence = 0
        if with_totals:
            count, pence = conn.execute(
                f"SELECT COUNT(*), COALESCE(SUM(i.value_pence), 0) FROM issues i WHERE {where}",
                params,
            ).fetchone()
    return LogPage.of(rows, more, count, pence)


def log_totals(store, flt: IssueFilter, *, now_ms: int | None = None) -> tuple[int, int]:
    """(count, pence) of everything the filter matches: the screen asks after showing a page."""
    where, params = where_clause(flt, _now_ms(now_ms))
    with store.reading() as conn:
        count, pence = conn.execute(
            f"SELECT COUNT(*), COALESCE(SUM(i.value_pence), 0) FROM issues i WHERE {where}",
            params,
        ).fetchone()
    return count, pence


def iter_log(store, flt: IssueFilter, *, now_ms: int | None = None) -> Iterator[IssueLogRow]:
    """Every row the filter matches, newest first, a page at a time (for the CSV export)."""
    after = None
    while True:
        page = log_page(store, flt, after=after, limit=500, with_totals=False, now_ms=now_ms)
        yield from page.rows
        if page.next_cursor is None:
            return
        after = page.next_cursor


@dataclass(frozen=True, slots=True)
class IssueVoid:
    """One void of an issue: why, what became of the item, when and by whom."""

    reason: str
    item: str  # back_to_stock | spoiled
    at_ms: int
    actor: str


@dataclass(frozen=True)
class IssueStory:
    """Everything about one issue a supervisor needs to judge it."""

    row: IssueLogRow
    device: str
    repeat_check: dict
    earlier: list[IssueLogRow]
    approver_name: str = ""
    advisor_name: str = ""
    request: PaymentRequest | None = None
    voids: list[IssueVoid] = field(default_factory=list)
    signoff: tuple | None = None

    @property
    def request_minutes(self) -> int | None:
        """How long the crisis payment request took, in whole minutes, once closed."""
        if self.request is None or self.request.completed_at_ms is None:
            return None
        return (self.request.completed_at_ms - self.request.requested_at_ms) // 60_000


def issue_story(store, issue_id: str, *, now_ms: int | None = None) -> IssueStory | None:
    """One issue's full story: earlier issues everywhere, the override, the request, voids.

    The payment request and the staff names come from the crisis and staff
    components' own query functions.
    """
    now = _now_ms(now_ms)
    with store.reading() as conn:
        raw = conn.execute(f"{_ROW_SQL} WHERE i.issue_id = ?", (issue_id,)).fetchone()
        if raw is None:
            return None
        [row] = _mark_after_signoff(conn, [_to_row(raw, now)])
        device, check = conn.execute(
            "SELECT device, repeat_result FROM issues WHERE issue_id = ?", (issue_id,)
        ).fetchone()
        earlier_raw = conn.execute(
            f"{_ROW_SQL} WHERE i.customer_id = ? AND (i.at_ms, i.issue_id) < (?, ?) "
            "ORDER BY i.at_ms DESC, i.issue_id DESC LIMIT 100",
            (row.customer_id, int(row.at.timestamp() * 1000), issue_id),
        ).fetchall()
        voids = conn.execute(
            "SELECT reason, item, at_ms, actor FROM issue_voids WHERE issue_id = ? ORDER BY at_ms",
            (issue_id,),
        ).fetchall()
        signoff = latest_signoffs(conn, {(row.location, london_day(row.at).isoformat())})
    names = staff_queries.staff_names(store)
    return IssueStory(
        row=row,
        device=device,
        repeat_check=json.loads(check or "{}"),
        earlier=[_to_row(r, now)[0] for r in earlier_raw],
        approver_name=names.get(row.approved_by, ""),
        advisor_name=names.get(row.advisor, ""),
        request=crisis_queries.request_for_issue(store, issue_id),
        voids=[IssueVoid(*v) for v in voids],
        signoff=next(iter(signoff.values()), None),
    )
