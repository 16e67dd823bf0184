"""The feed: accepted events in ``server_seq`` order, a page at a time.

A page is one SQL statement over the primary key, and the JSON is built from
the stored canonical payload text without parsing it, because a fresh desk
pulls the whole history through here. ``head`` is read after the page, so it is
never below the page's last event.
"""

from __future__ import annotations

import json

from sqlalchemy import Connection, select, text

from cxdesk.sync.server.models import events_t

FEED_COLUMNS = (
    "id", "kind", "payload_digest", "actor", "device", "location", "device_seq", "hlc",
    "prev_hash", "hash", "server_seq", "signature",
)  # fmt: skip


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


def pull_page_json(conn: Connection, after: int, limit: int, audit=None) -> tuple[bytes, int]:
    """The pull answer as JSON bytes, and how many events it holds.

    ``audit`` (a ``receipts.PageDigest``), if given, is fed every event sent, so
    the server can sign exactly what this page carried.
    """
    cols = [events_t.c[name] for name in FEED_COLUMNS]
    rows = conn.execute(
        select(events_t.c.payload, *cols)
        .where(events_t.c.server_seq > after)
        .order_by(events_t.c.server_seq)
        .limit(limit)
    ).all()
    epoch, top = epoch_and_head(conn)
    parts = []
    for row in rows:
        fields = dict(zip(FEED_COLUMNS, row[1:], strict=True))
        if audit is not None:
            audit.add(fields["server_seq"], fields["id"], fields["hash"], fields["device"])
        # Splice the stored canonical payload in as it is: no parse, no re-dump.
        body = json.dumps(fields, separators=(",", ":"), ensure_ascii=False)
        parts.append('{"payload":' + row[0] + "," + body[1:])
    last = rows[-1].server_seq if rows else after
    top = max(top, last)
    text_ = (
        f'{{"epoch":{json.dumps(epoch)},"next":{last},"head":{top},"events":[{",".join(parts)}]}}'
    )
    return text_.encode(), len(rows)
