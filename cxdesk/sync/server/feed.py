"""The feed: accepted events in ``server_seq`` order, a page at a time.

A page is one SQL statement over the primary key, and the JSON is built from
the stored canonical payload text without parsing it, because a fresh desk
pulls the whole history through here. ``head`` is read after the page, so it is
never below the page's last event.
"""

from __future__ import annotations

import json

from sqlalchemy import Connection, select, text

from cxdesk.sync.server.claims import claims_between
from cxdesk.sync.server.models import erased_t, events_t
from cxdesk.sync.server.scope import dropped_between, scoped_places

FEED_COLUMNS = (
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
    "server_seq",
    "signature",
)


def current_epoch(conn: Connection) -> str:
    return conn.execute(text("SELECT epoch FROM epochs ORDER BY number DESC LIMIT 1")).scalar_one()


def head(conn: Connection) -> int:
    return int(conn.execute(text("SELECT value FROM feed_counter WHERE id = 1")).scalar_one())


def epoch_and_head(conn: Connection) -> tuple[str, int]:
    """Both in one round trip (every push and pull answer carries them)."""
    epoch, top = conn.execute(
        text(
            "SELECT (SELECT epoch FROM epochs ORDER BY number DESC LIMIT 1), "
            "(SELECT value FROM feed_counter WHERE id = 1)"
        )
    ).one()
    return epoch, int(top)


def pull_page_json(
    conn: Connection,
    after: int,
    limit: int,
    audit=None,
    audiences: list[str] | None = None,
    location: str | None = None,
) -> tuple[bytes, int]:
    """The pull answer as JSON bytes, and how many events it holds.

    ``audit`` (a ``receipts.PageDigest``), if given, is fed every event sent (in
    ``server_seq`` order), so the server can sign exactly what this page carried.
    With ``audiences`` (a desk's, see ``cxdesk.sync.server.scope``) the page holds
    only what that desk may receive, and ``next`` can pass events it may not; the
    answer then also names the desk's ``location`` (the server's word: a desk
    moved by the administrator learns it here) and the residents a move withdrew
    from it in the page's range (``dropped``), both signed in the mark.
    """
    cols = [events_t.c[name] for name in FEED_COLUMNS]
    if audiences is not None:
        # Head first: every event at or below it is committed (the counter moves in
        # the pushing transaction), so passing up to it never skips a late commit.
        epoch, top = epoch_and_head(conn)
        order, last = scoped_places(conn, audiences, after, top, limit)
        rows = _rows_by_seq(conn, cols, order)
        last, top = max(last, after), max(top, after)
    else:
        rows = conn.execute(
            select(events_t.c.payload, *cols)
            .where(events_t.c.server_seq > after)
            .order_by(events_t.c.server_seq)
            .limit(limit)
        ).all()
        epoch, top = epoch_and_head(conn)
        last = rows[-1].server_seq if rows else after
        top = max(top, last)
    parts = []
    erased = _erased(conn, [row.id for row in rows])
    for row in rows:
        fields: dict[str, object] = dict(zip(FEED_COLUMNS, row[1:], strict=True))
        if row.id in erased:
            fields["erased"] = True
        # Splice the stored canonical payload in as it is: no parse, no re-dump.
        body = json.dumps(fields, separators=(",", ":"), ensure_ascii=False)
        parts.append('{"payload":' + row[0] + "," + body[1:])
    if audit is not None:
        for row in sorted(rows, key=lambda r: r.server_seq):
            audit.add(row.server_seq, row.id, row.hash, row.device)
    claims = ""
    if audiences is not None:  # a desk's pull: the claims index rows of this range
        rows_ = claims_between(conn, after, last)
        claims = ',"claims":' + json.dumps(rows_, separators=(",", ":"), ensure_ascii=False)
        dropped = dropped_between(conn, audiences, after, last)
        claims += f',"location":{json.dumps(location or "")},"dropped":{json.dumps(dropped)}'
        if audit is not None:
            audit.location, audit.dropped = location or "", tuple(dropped)
    text_ = (
        f'{{"epoch":{json.dumps(epoch)},"next":{last},"head":{top},'
        f'"events":[{",".join(parts)}]{claims}}}'
    )
    return text_.encode(), len(rows)


def _erased(conn: Connection, ids: list[str]) -> set[str]:
    """Which of these events an erasure blanked (``cxdesk.sync.server.erasure``)."""
    found: set[str] = set()
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        found |= {
            r[0]
            for r in conn.execute(select(erased_t.c.event_id).where(erased_t.c.event_id.in_(chunk)))
        }
    return found


def _rows_by_seq(conn: Connection, cols, order: list[int]) -> list:
    """The events at these feed places, in the order given."""
    by_seq = {}
    for start in range(0, len(order), 500):
        chunk = order[start : start + 500]
        for row in conn.execute(
            select(events_t.c.payload, *cols).where(events_t.c.server_seq.in_(chunk))
        ):
            by_seq[row.server_seq] = row
    return [by_seq[seq] for seq in order]
