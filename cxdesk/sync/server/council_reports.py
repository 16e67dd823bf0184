"""The council-wide log, reconciliation and figures, read from the central report tables.

Each answer is the desk's own report over every location: the same filters,
keyset pages on ``(at_ms, issue_id)`` and totals as
``cxdesk.store.issue_log_queries``; the same reconciliation and weekly
figures (``reconcile_days``, ``tally_weeks`` in ``cxdesk.store.supervisor_reports``),
fed from ``report_issues`` and ``report_stock`` (``council_tables``) instead
of a desk's projections.

What the narrow tables leave out is read for the page shown only: the reason
and override words from the issue events (by ``server_seq``), residents' names
from their own events (by ``subject``, latest value of each field in feed
order, so an erased name reads blank), sign-offs from ``LogSignedOff`` events.
"Arrived after sign-off" compares feed places, as on a desk.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import UTC, date, datetime

from sqlalchemy import Connection, bindparam, text

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
from cxdesk.store.issue_log_queries import repeat_text
from cxdesk.store.supervisor_reports import (
    LATE_KINDS,
    DayReconciliation,
    WeekFigures,
    day_bounds_ms,
    reconcile_days,
    tally_weeks,
)

CUSTOMER_KINDS = ("CustomerRegistered", "CustomerDetailsChanged")
_ROW = (
    "SELECT issue_id, at_ms, location, actor, customer_id, kind, serial, value_pence, "
    "repeat_action, repeat_matches, approved_by, status, request_status, due_ms, closed_ms, "
    "server_seq FROM report_issues i"
)
_LATE = (
    "((i.closed_ms IS NOT NULL AND i.closed_ms > i.due_ms) "
    "OR (i.request_status = 'open' AND i.due_ms < :now))"
)


def _in(sql: str, *names: str):
    return text(sql).bindparams(*(bindparam(n, expanding=True) for n in names))


def customers_named(conn: Connection, prefix: str) -> list[str]:
    """Residents whose family name (latest in feed order) starts with ``prefix``, any case.

    The payload text is canonical JSON, so a LIKE on its ``family_name`` narrows the
    residents' events to the few that ever had such a name; their whole history then
    decides (a later change of name counts).
    """
    wanted = prefix.strip().casefold()
    if not wanted:
        return []
    spelled = json.dumps(wanted, ensure_ascii=False)[1:-1]
    escaped = spelled.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    candidates = conn.execute(
        _in(
            "SELECT DISTINCT subject FROM events WHERE kind IN :k "
            "AND LOWER(payload) LIKE :pattern ESCAPE '\\'",
            "k",
        ),
        {"k": list(CUSTOMER_KINDS), "pattern": f'%"family_name":"{escaped}%'},
    ).scalars()
    people = _people(conn, candidates)
    return sorted(
        cid for cid, p in people.items() if p["family_name"].casefold().startswith(wanted)
    )


def _people(conn: Connection, ids: Iterable[str] | None) -> dict[str, dict]:
    """Each resident's name, date of birth and postcode as their events last set them."""
    if ids is None:
        sql, params = (
            _in("SELECT subject, payload FROM events WHERE kind IN :k ORDER BY server_seq", "k"),
            {"k": list(CUSTOMER_KINDS)},
        )
    else:
        wanted = sorted(set(ids))
        if not wanted:
            return {}
        sql = _in(
            "SELECT subject, payload FROM events WHERE subject IN :ids AND kind IN :k "
            "ORDER BY server_seq",
            "ids",
            "k",
        )
        params = {"ids": wanted, "k": list(CUSTOMER_KINDS)}
    people: dict[str, dict] = {}
    for subject, payload in conn.execute(sql, params):
        fields = json.loads(payload)
        person = people.setdefault(
            subject, {"given_name": "", "family_name": "", "date_of_birth": "", "postcode": ""}
        )
        for name in person:
            if fields.get(name) is not None:
                person[name] = fields[name]
    return people


def _where(conn: Connection, flt: IssueFilter, now_ms: int) -> tuple[str, dict, list[str]]:
    parts, params = flt.shared_conditions()
    params["now"] = now_ms
    expanding: list[str] = []
    if flt.customer:
        ids = [flt.customer.strip(), *customers_named(conn, flt.customer)]
        parts.append("i.customer_id IN :customers")
        params["customers"] = ids
        expanding.append("customers")
    if flt.overrides_only:
        parts.append("i.has_override")
    if flt.late_only:
        parts.append(_LATE)
    return (" AND ".join(parts) or "1 = 1"), params, expanding


def _signoffs(conn: Connection, pairs: set[tuple[str, str]]) -> dict[tuple[str, str], tuple]:
    """For each (location, day): (signed_by, signed_at, note, server_seq) of the latest."""
    out: dict[tuple[str, str], tuple] = {}
    if not pairs:
        return out
    rows = conn.execute(
        text(
            "SELECT server_seq, actor, hlc, payload FROM events WHERE kind = 'LogSignedOff' "
            "ORDER BY server_seq"
        )
    )
    for seq, actor, hlc, payload in rows:
        p = json.loads(payload)
        key = (p["location_id"], p["day"])
        if key in pairs:
            at = datetime.fromtimestamp(int(hlc.split("-", 1)[0]) / 1000, UTC)
            out[key] = (actor, at, p.get("note", ""), seq)
    return out


def _to_rows(conn: Connection, raw: list, now_ms: int) -> list[IssueLogRow]:
    seqs = [r[-1] for r in raw]
    payloads = {}
    if seqs:
        found = conn.execute(
            _in("SELECT server_seq, payload FROM events WHERE server_seq IN :s", "s"), {"s": seqs}
        )
        payloads = {seq: json.loads(payload) for seq, payload in found}
    people = _people(conn, (r[4] for r in raw))
    rows = []
    for (
        issue_id,
        at_ms,
        location,
        actor,
        customer_id,
        kind,
        serial,
        value,
        repeat_action,
        repeat_matches,
        approved_by,
        status,
        request_status,
        due,
        closed,
        seq,
    ) in raw:
        words = payloads.get(seq, {})
        person = people.get(customer_id, {})
        name = f"{person.get('given_name', '')} {person.get('family_name', '')}".strip()
        rows.append(
            (
                IssueLogRow(
                    issue_id=issue_id,
                    at=datetime.fromtimestamp(at_ms / 1000, UTC),
                    location=location,
                    advisor=actor,
                    customer_id=customer_id,
                    customer_name=name,
                    birth_year=birth_year(person.get("date_of_birth")),
                    postcode_district=district_of(person.get("postcode")),
                    kind=kind,
                    serial=serial,
                    value_pence=value,
                    reason=words.get("reason", ""),
                    repeat_result=repeat_text(repeat_action, repeat_matches),
                    override_reason=words.get("override_reason", "") or "",
                    approved_by=approved_by,
                    status=issue_status(
                        voided=status == "voided",
                        request_status=request_status,
                        due_ms=due,
                        closed_ms=closed,
                        now_ms=now_ms,
                    ),
                ),
                seq,
            )
        )
    signed = _signoffs(conn, {signoff_key(r) for r, _ in rows})
    return mark_after_signoff(rows, signed)


def log_page(
    conn: Connection,
    flt: IssueFilter,
    *,
    after: tuple[int, str] | None,
    limit: int,
    with_totals: bool,
    now_ms: int,
) -> LogPage:
    """One page of the council-wide log, newest first, below ``after``; totals if asked."""
    where, params, expanding = _where(conn, flt, now_ms)
    keyset = ""
    if after is not None:
        keyset = " AND (i.at_ms < :after_ms OR (i.at_ms = :after_ms AND i.issue_id < :after_id))"
        params.update(after_ms=after[0], after_id=after[1])
    raw = conn.execute(
        _in(
            f"{_ROW} WHERE {where}{keyset} ORDER BY i.at_ms DESC, i.issue_id DESC LIMIT :limit",
            *expanding,
        ),
        {**params, "limit": limit + 1},
    ).all()
    more = len(raw) > limit
    rows = _to_rows(conn, [tuple(r) for r in raw[:limit]], now_ms)
    count = pence = 0
    if with_totals:
        count, pence = conn.execute(
            _in(
                "SELECT COUNT(*), COALESCE(SUM(i.value_pence), 0) FROM report_issues i "
                f"WHERE {where}",
                *expanding,
            ),
            params,
        ).one()
    return LogPage.of(rows, more, count, pence)


def _late_count(conn: Connection, location: str, day: date, after_seq: int) -> int:
    start, end = day_bounds_ms(day, day)
    return conn.execute(
        _in(
            "SELECT COUNT(*) FROM events WHERE kind IN :k AND location = :l AND hlc >= :a "
            "AND hlc < :b AND server_seq > :s",
            "k",
        ),
        {
            "k": list(LATE_KINDS),
            "l": location,
            "a": f"{start:016d}",
            "b": f"{end:016d}",
            "s": after_seq,
        },
    ).scalar_one()


def reconciliation(
    conn: Connection, day_from: date, day_to: date, location: str | None
) -> list[DayReconciliation]:
    """Every location's stock per kind and day (or one location's), with sign-offs."""
    start, end = day_bounds_ms(day_from, day_to)
    where_loc = " AND (location = :loc OR to_location = :loc)" if location else ""
    params = {"start": start, "end": end, "loc": location}
    before = conn.execute(
        text(
            "SELECT kind, move, condition, location, to_location, 0, SUM(quantity) "
            f"FROM report_stock WHERE at_ms < :start{where_loc} "
            "GROUP BY kind, move, condition, location, to_location"
        ),
        params,
    ).all()
    during = conn.execute(
        text(
            "SELECT kind, move, condition, location, to_location, at_ms, quantity "
            f"FROM report_stock WHERE at_ms >= :start AND at_ms < :end{where_loc}"
        ),
        params,
    ).all()
    counts = conn.execute(
        text(
            "SELECT location, kind, at_ms, quantity, actor FROM report_stock "
            "WHERE move = 'counted' AND at_ms >= :start AND at_ms < :end"
            + (" AND location = :loc" if location else "")
        ),
        params,
    ).all()
    rows = reconcile_days(
        [tuple(r) for r in before], [tuple(r) for r in during], counts, day_from, day_to, location
    )
    signed = _signoffs(conn, {(r.location, r.day.isoformat()) for r in rows})
    out = []
    for r in rows:
        item = DayReconciliation(r)
        sign = signed.get((r.location, r.day.isoformat()))
        if sign:
            item.signed_by, item.signed_at, item.note = sign[0], sign[1], sign[2]
            item.late_arrivals = _late_count(conn, r.location, r.day, sign[3])
        out.append(item)
    return out


def figures(conn: Connection, day_from: date, day_to: date, now_ms: int) -> list[WeekFigures]:
    """Issues by location and ISO week, and the one-hour promise, council-wide."""
    start, end = day_bounds_ms(day_from, day_to)
    params = {"start": start, "end": end}
    issues = conn.execute(
        text(
            "SELECT location, kind, value_pence, has_override, at_ms FROM report_issues "
            "WHERE at_ms >= :start AND at_ms < :end AND status != 'voided'"
        ),
        params,
    ).all()
    requests = conn.execute(
        text(
            "SELECT request_id, issue_id, serial, location, requested_ms, due_ms, "
            "request_status, closed_ms FROM report_issues WHERE request_id IS NOT NULL "
            "AND requested_ms >= :start AND requested_ms < :end "
            "AND request_status != 'cancelled'"
        ),
        params,
    ).all()
    return tally_weeks(issues, requests, now_ms)


def as_of(now_ms: int) -> datetime:
    return datetime.fromtimestamp(now_ms / 1000, UTC)
