"""The feed: accepted events in ``server_seq`` order, a page at a time.

A fresh desk pulls the whole history through here, so a page costs one
statement for its feed places and one for its events, and each event's JSON is
put together by the database itself: the stored canonical payload text spliced
in as it is (never parsed) beside the quoted columns. Python only joins the
pieces and feeds the page digest. The event statement's text never changes with
the page (the places go in as one array parameter), so PostgreSQL plans it once.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from sqlalchemy import Connection, TextClause, text

from cxdesk.sync.server.bulk import Read, read_together, text_array
from cxdesk.sync.server.claims import COLUMNS as CLAIM_COLUMNS
from cxdesk.sync.server.claims import IN_RANGE as CLAIMS_IN_RANGE
from cxdesk.sync.server.claims import claims_between
from cxdesk.sync.server.db import fetch, is_postgres
from cxdesk.sync.server.scope import DROPPED, dropped_between, scoped_places

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
    at: tuple[str, int] | None = None,
    looked: Sequence[list[tuple]] | None = None,
    last_reads: bool = False,
) -> tuple[bytes, int]:
    """The pull answer as JSON bytes, and how many events it holds.

    ``audit`` (a ``receipts.PageDigest``), if given, is fed every event sent (in
    ``server_seq`` order), so the server can sign exactly what this page carried.
    With ``audiences`` (a desk's, see ``cxdesk.sync.server.scope``) the page holds
    only what that desk may receive, and ``next`` can pass events it may not; the
    answer then also names the desk's ``location`` (the server's word: a desk
    moved by the administrator learns it here) and the residents a move withdrew
    from it in the page's range (``dropped``), both signed in the mark. ``at``: the
    epoch and head already read in this snapshot (``deps.open_pull``); ``looked``: the
    page's first look, read with them (``scope.first_look``). ``last_reads``: the
    caller reads nothing more in its transaction (a desk's pull: the page's last reads
    carry its COMMIT, ``bulk.read_together``).
    """
    if audiences is not None:
        # Head first: every event at or below it is committed (the counter moves in
        # the pushing transaction), so passing up to it never skips a late commit.
        epoch, top = at if at is not None else epoch_and_head(conn)
        # Nothing placed past the cursor (a held pull's first look, mostly): an empty
        # page, and no places, claims or drops to look for in an empty range.
        order, last = (
            scoped_places(conn, audiences, after, top, limit, looked)
            if top > after
            else ([], after)
        )
        last, top = max(last, after), max(top, after)
        # The page's events and its claims and drops: one round trip on PostgreSQL.
        page_rows = _page_rows(conn, order, audiences, after, last, commit=last_reads)
        rows, (claim_rows, dropped) = page_rows
    else:
        rows = conn.execute(_range_query(conn), {"after": after, "limit": limit}).all()
        claim_rows, dropped = [], []
        epoch, top = epoch_and_head(conn)
        last = rows[-1][1] if rows else after
        top = max(top, last)
    if audit is not None:
        for _json, seq, event_id, hash_, device in sorted(rows, key=lambda r: r[1]):
            audit.add(seq, event_id, hash_, device)
    parts = [row[0] for row in rows]
    claims = ""
    if audiences is not None:  # a desk's pull: the claims index rows of this range
        claims = ',"claims":' + json.dumps(claim_rows, separators=(",", ":"), ensure_ascii=False)
        claims += f',"location":{json.dumps(location or "")},"dropped":{json.dumps(dropped)}'
        if audit is not None:
            audit.location, audit.dropped = location or "", tuple(dropped)
    text_ = (
        f'{{"epoch":{json.dumps(epoch)},"next":{last},"head":{top},'
        f'"events":[{",".join(parts)}]{claims}}}'
    )
    return text_.encode(), len(rows)


_CLAIMS_AND_DROPS = (
    "SELECT (SELECT CAST(COALESCE(json_agg(json_build_object("
    + ", ".join(f"'{c}', {c}" for c in CLAIM_COLUMNS)
    + f") ORDER BY server_seq), '[]') AS TEXT) {CLAIMS_IN_RANGE}), "
    "(SELECT CAST(COALESCE(json_agg(x.target ORDER BY x.target), '[]') AS TEXT) FROM ("
    + DROPPED.replace("IN :aud", "= ANY(CAST(:aud AS TEXT[]))")
    + ") x)"
)
"""PostgreSQL: the claims index rows of a range and the residents dropped there, in one
statement (the rows come as JSON, read back into the same dicts)."""


def _page_rows(
    conn: Connection,
    order: list[int],
    audiences: list[str],
    after: int,
    last: int,
    *,
    commit: bool = False,
) -> tuple[list, tuple[list[dict], list[str]]]:
    """The events at ``order`` (``_rows_at``), and the claims index rows of ``(after,
    last]`` with the residents dropped there: on PostgreSQL in one round trip."""
    if not is_postgres(conn):
        if last <= after:
            return _rows_at(conn, order), ([], [])
        claims = claims_between(conn, after, last)
        return _rows_at(conn, order), (claims, dropped_between(conn, audiences, after, last))
    reads = []
    if order:
        places = "{" + ",".join(map(str, order)) + "}"  # one text parameter, as in _rows_at
        reads.append(Read(_query(conn, "places"), {"places": places}))
    if last > after:
        params = {"aud": text_array(audiences), "after": after, "last": last}
        reads.append(Read(_CLAIMS_AND_DROPS, params))
    answers = iter(read_together(conn, reads, commit=commit and bool(reads)))
    rows = _in_order(next(answers), order) if order else []
    if last <= after:
        return rows, ([], [])
    ((claims, dropped),) = next(answers)
    return rows, (json.loads(claims), [target.removeprefix("c:") for target in json.loads(dropped)])


_STRINGS = {"id", "kind", "payload_digest", "actor", "device", "location", "hlc"}
_STRINGS |= {"prev_hash", "hash", "signature"}


def _event_json(postgres: bool) -> str:
    """SQL for one event's JSON text: the payload as stored, every column quoted."""
    quote = "to_json({})::text" if postgres else "json_quote({})"
    pieces = ["'{\"payload\":' || e.payload"]
    for name in FEED_COLUMNS:
        value = quote.format(f"e.{name}") if name in _STRINGS else f"CAST(e.{name} AS TEXT)"
        pieces.append(f"',\"{name}\":' || COALESCE({value}, 'null')")
    pieces.append(
        "CASE WHEN EXISTS (SELECT 1 FROM erased_events x WHERE x.event_id = e.id) "
        "THEN ',\"erased\":true}' ELSE '}' END"
    )
    return " || ".join(pieces) + ", e.server_seq, e.id, e.hash, e.device"


_QUERIES: dict[tuple[bool, str], str] = {}


def _query(conn: Connection, which: str) -> str:
    postgres = is_postgres(conn)
    found = _QUERIES.get((postgres, which))
    if found is None:
        select_ = f"SELECT {_event_json(postgres)} FROM events e "
        if which == "range":
            found = f"{select_} WHERE e.server_seq > :after ORDER BY e.server_seq LIMIT :limit"
        elif postgres:
            found = f"{select_} WHERE e.server_seq = ANY(CAST(:places AS BIGINT[]))"
        else:
            found = f"{select_} WHERE e.server_seq IN (SELECT value FROM json_each(:places))"
        found = found.replace('"erased":', '"erased"\\:')  # a colon, not a bind parameter
        _QUERIES[(postgres, which)] = found
    return found


_PLACES: dict[bool, TextClause] = {}


def _places_statement(conn: Connection) -> TextClause:
    """The event statement for a page's places, made once (``db.fetch`` keeps its SQL)."""
    postgres = is_postgres(conn)
    found = _PLACES.get(postgres)
    if found is None:
        found = _PLACES[postgres] = text(_query(conn, "places"))
    return found


def _range_query(conn: Connection):
    return text(_query(conn, "range"))


def _rows_at(conn: Connection, order: list[int]) -> list:
    """(event JSON, server_seq, id, hash, device) at these feed places, in the order given."""
    if not order:
        return []
    # One text parameter either way: psycopg would dump a list of ints element by element.
    places = ",".join(map(str, order))
    places = f"{{{places}}}" if is_postgres(conn) else f"[{places}]"
    return _in_order(fetch(conn, _places_statement(conn), {"places": places}), order)


def _in_order(rows: list, order: list[int]) -> list:
    by_seq = {row[1]: row for row in rows}
    return [by_seq[seq] for seq in order]
