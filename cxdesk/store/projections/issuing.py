"""Projection of issued food vouchers and payment cards, voids, and repeat-claim policies.

Tables (the supervisor's log reads ``issues``):

- ``issues(issue_id PK, kind, customer_id, serial, value_pence, location,
  device, actor, at_ms, reason, repeat_action, repeat_matches, repeat_result,
  knowledge_as_of, override_reason, approved_by, status, void_reason,
  void_item, voided_at_ms, voided_by, serial_clash, event_id)``.
  ``kind`` food_voucher | payment_card; ``at_ms`` issue time (UTC ms);
  ``repeat_action`` none | warn | reason | supervisor is what the policy asked
  for when earlier issues matched (none = no match); ``repeat_matches`` how many
  earlier issues matched; ``repeat_result`` the whole check as JSON (matches
  with issue ids, locations, dates; breached windows; ``knowledge_as_of``);
  ``override_reason`` / ``approved_by`` (a supervisor's staff id) are set when
  a match was overridden. ``status`` issued | voided (the first void in feed
  order gives ``void_reason``, ``void_item`` back_to_stock | spoiled,
  ``voided_at_ms``, ``voided_by``). ``serial_clash`` = 1 when another live
  issue holds the same serial (two desks issued it offline; both are kept).
- ``issue_voids(event_id PK, issue_id, reason, item, at_ms, actor)``: every void.
- ``policy_versions(event_id PK, kind, windows, action, card_limit_pence,
  at_ms, actor, help_line, serial_prefix, serial_digits)`` and ``policies(kind PK,
  windows, action, card_limit_pence, set_at_ms, set_by, help_line, serial_prefix,
  serial_digits)``: the latest policy per kind in feed order; ``help_line`` is who
  the customer calls, printed on the slip; the serial format is NULL where the
  policy leaves the kind's default.
"""

from __future__ import annotations

import json
import sqlite3
from typing import TYPE_CHECKING

from cxdesk.events.envelope import hlc_millis
from cxdesk.store import feed
from cxdesk.store.components import Component, register
from cxdesk.store.projections.stock import ISSUE_KINDS

if TYPE_CHECKING:
    from cxdesk.events.envelope import Event

V1 = """
CREATE TABLE issues (
    issue_id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    customer_id TEXT NOT NULL,
    serial TEXT NOT NULL,
    value_pence INTEGER NOT NULL,
    location TEXT NOT NULL,
    device TEXT NOT NULL,
    actor TEXT NOT NULL,
    at_ms INTEGER NOT NULL,
    reason TEXT NOT NULL,
    repeat_action TEXT NOT NULL,
    repeat_matches INTEGER NOT NULL,
    repeat_result TEXT NOT NULL,
    knowledge_as_of TEXT,
    override_reason TEXT NOT NULL,
    approved_by TEXT,
    status TEXT NOT NULL DEFAULT 'issued',
    void_reason TEXT,
    void_item TEXT,
    voided_at_ms INTEGER,
    voided_by TEXT,
    serial_clash INTEGER NOT NULL DEFAULT 0,
    event_id TEXT NOT NULL
);
CREATE INDEX issues_customer ON issues (customer_id, kind, at_ms);
CREATE INDEX issues_kind_time ON issues (kind, at_ms);
CREATE INDEX issues_serial ON issues (serial);
CREATE TABLE issue_voids (
    event_id TEXT PRIMARY KEY,
    issue_id TEXT NOT NULL,
    reason TEXT NOT NULL,
    item TEXT NOT NULL,
    at_ms INTEGER NOT NULL,
    actor TEXT NOT NULL
);
CREATE INDEX issue_voids_issue ON issue_voids (issue_id);
CREATE TABLE policy_versions (
    event_id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    windows TEXT NOT NULL,
    action TEXT NOT NULL,
    card_limit_pence INTEGER,
    at_ms INTEGER NOT NULL,
    actor TEXT NOT NULL
);
CREATE TABLE policies (
    kind TEXT PRIMARY KEY,
    windows TEXT NOT NULL,
    action TEXT NOT NULL,
    card_limit_pence INTEGER,
    set_at_ms INTEGER NOT NULL,
    set_by TEXT NOT NULL
);
"""

V2 = """
ALTER TABLE policy_versions ADD COLUMN help_line TEXT NOT NULL DEFAULT '';
ALTER TABLE policies ADD COLUMN help_line TEXT NOT NULL DEFAULT '';
"""

# V3: the issued-voucher log's indexes, so a filtered first page stays fast with a
# million issues: each filter column is followed by ``at_ms, issue_id`` so the
# newest-first keyset pagination reads straight down the index. Stores made
# before v3 got them from the supervision component: hence IF NOT EXISTS.
V3 = """
CREATE INDEX IF NOT EXISTS issues_log_time ON issues (at_ms, issue_id);
CREATE INDEX IF NOT EXISTS issues_log_location ON issues (location, at_ms, issue_id);
CREATE INDEX IF NOT EXISTS issues_log_actor ON issues (actor, at_ms, issue_id);
CREATE INDEX IF NOT EXISTS issues_log_kind ON issues (kind, at_ms, issue_id);
CREATE INDEX IF NOT EXISTS issues_log_customer ON issues (customer_id, at_ms, issue_id);
CREATE INDEX IF NOT EXISTS issues_log_overrides ON issues (at_ms, issue_id)
    WHERE override_reason != '';
CREATE INDEX IF NOT EXISTS issues_log_repeats ON issues (at_ms, issue_id)
    WHERE repeat_action != 'none';
CREATE INDEX IF NOT EXISTS issues_log_voided ON issues (at_ms, issue_id) WHERE status = 'voided';
CREATE INDEX IF NOT EXISTS issues_log_event ON issues (event_id);
"""

# V4: fewer indexes for an issue's commit to write (each is a page in the WAL, encrypted
# and fsynced while the advisor waits). ``issues_kind_time`` is a prefix of
# ``issues_log_kind``; ``issues_customer`` is served by ``issues_log_customer`` (a
# resident has a handful of issues, so the kind is a filter on a few rows); nothing
# looks an issue up by its event (``issues_log_event``): the log joins from the issue.
V4 = """
DROP INDEX IF EXISTS issues_kind_time;
DROP INDEX IF EXISTS issues_customer;
DROP INDEX IF EXISTS issues_log_event;
"""


def _v5(conn: sqlite3.Connection) -> None:
    """V5: each policy's serial format (``serial_prefix``, ``serial_digits``: NULL for the
    kind's default) kept beside the rest, so the serial check at every issue reads one
    row of ``policies`` rather than the latest policy event's whole payload."""
    for table in ("policy_versions", "policies"):
        have = {row[1] for row in conn.execute(f"PRAGMA table_info({table})")}
        for column, kind in (("serial_prefix", "TEXT"), ("serial_digits", "INTEGER")):
            if column not in have:  # (a test's "older store" may have it already)
                conn.execute(f"ALTER TABLE {table} ADD COLUMN {column} {kind}")
    conn.execute(
        "UPDATE policy_versions SET "
        "serial_prefix = (SELECT json_extract(e.payload, '$.serial_prefix') FROM events e "
        "WHERE e.id = policy_versions.event_id), "
        "serial_digits = (SELECT json_extract(e.payload, '$.serial_digits') FROM events e "
        "WHERE e.id = policy_versions.event_id)"
    )
    for (kind,) in conn.execute("SELECT kind FROM policies").fetchall():
        _recompute_policy(conn, kind)


# V6: one index fewer in a food voucher's commit. The log's kind index covers payment
# cards only (``issues_log_cards``, partial): a voucher, nine issues in ten, writes no
# kind index, and the log filtered to vouchers reads down ``issues_log_time`` (most rows
# match). A query uses the partial index only where it spells ``kind = 'payment_card'``
# (``issue_queries.card_term``). (``issues`` stays a rowid table: clustered by its key
# it would spill a row with a few repeat-claim matches, over ~1,000 bytes, to an
# overflow page.)
V6 = """
DROP INDEX IF EXISTS issues_log_kind;
CREATE INDEX IF NOT EXISTS issues_log_cards ON issues (at_ms, issue_id) WHERE kind = 'payment_card';
"""


issuing = register(
    Component(
        "issuing",
        migrations=[V1, V2, V3, V4, _v5, V6],
        tables=("issues", "issue_voids", "policy_versions", "policies"),
        after=("stock",),
    )
)


def _apply_first_void(conn: sqlite3.Connection, issue_id: str) -> bool:
    """Status from the first void in feed order; False if the issue has no void."""
    first = conn.execute(
        "SELECT v.reason, v.item, v.at_ms, v.actor FROM issue_voids v "
        f"{feed.join_events('v.event_id')} "
        f"WHERE v.issue_id = ? AND {feed.NOT_REJECTED} ORDER BY {feed.ORDER} LIMIT 1",
        (issue_id,),
    ).fetchone()
    if first:
        conn.execute(
            "UPDATE issues SET status = 'voided', void_reason = ?, void_item = ?, "
            "voided_at_ms = ?, voided_by = ? WHERE issue_id = ?",
            (*first, issue_id),
        )
    return first is not None


def _recompute_clash(conn: sqlite3.Connection, serial: str) -> None:
    # Set-based, so it reads the same whichever desk's issue arrived first.
    conn.execute(
        "UPDATE issues SET serial_clash = (SELECT COUNT(*) FROM issues i2 "
        "WHERE i2.serial = issues.serial AND i2.status = 'issued') > 1 WHERE serial = ?",
        (serial,),
    )


def _recompute_issue(conn: sqlite3.Connection, issue_id: str) -> None:
    """Status from the first void in feed order, then the clash mark for its serial."""
    _apply_first_void(conn, issue_id)
    row = conn.execute("SELECT serial FROM issues WHERE issue_id = ?", (issue_id,)).fetchone()
    if row is not None:
        _recompute_clash(conn, row[0])


@issuing.handles(*ISSUE_KINDS)
def _issued(conn: sqlite3.Connection, event: Event) -> None:
    p = event.payload
    check = p["repeat_check"]
    seen = len(check["matches"]) + check.get("more_matches", 0)  # newest listed, rest counted
    action = check["action"] if check["breached"] else "none"
    # The new issue is live, so it clashes if another live issue holds its serial; only
    # then do the others' marks change (from one live issue to two), so the set-based
    # recompute runs only then, or when a void of it arrived first.
    (clash,) = conn.execute(
        "INSERT INTO issues (issue_id, kind, customer_id, serial, value_pence, location, device, "
        "actor, at_ms, reason, repeat_action, repeat_matches, repeat_result, knowledge_as_of, "
        "override_reason, approved_by, event_id, serial_clash) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, "
        "EXISTS (SELECT 1 FROM issues WHERE serial = ?4 AND status = 'issued')) "
        "RETURNING serial_clash",
        (
            p["issue_id"],
            ISSUE_KINDS[event.kind],
            p["customer_id"],
            p["serial"],
            p["value_pence"],
            event.location,
            event.device,
            event.actor,
            hlc_millis(event.hlc),
            p["reason"],
            action,
            seen,
            json.dumps(check, sort_keys=True),
            check.get("knowledge_as_of"),
            p.get("override_reason", ""),
            p.get("approved_by"),
            event.id,
        ),
    ).fetchone()
    if _apply_first_void(conn, p["issue_id"]) or clash:
        _recompute_clash(conn, p["serial"])


@issuing.handles("IssueVoided")
def _voided(conn: sqlite3.Connection, event: Event) -> None:
    p = event.payload
    conn.execute(
        "INSERT INTO issue_voids (event_id, issue_id, reason, item, at_ms, actor) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        (event.id, p["issue_id"], p["reason"], p["item"], hlc_millis(event.hlc), event.actor),
    )
    _recompute_issue(conn, p["issue_id"])


def _recompute_policy(conn: sqlite3.Connection, kind: str) -> None:
    latest = conn.execute(
        "SELECT v.windows, v.action, v.card_limit_pence, v.at_ms, v.actor, v.help_line, "
        "v.serial_prefix, v.serial_digits FROM policy_versions v "
        f"{feed.join_events('v.event_id')} "
        f"WHERE v.kind = ? AND {feed.NOT_REJECTED} ORDER BY {feed.LATEST_FIRST} LIMIT 1",
        (kind,),
    ).fetchone()
    conn.execute(
        "INSERT INTO policies (kind, windows, action, card_limit_pence, set_at_ms, set_by, "
        "help_line, serial_prefix, serial_digits) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) "
        "ON CONFLICT (kind) DO UPDATE SET "
        "windows = excluded.windows, action = excluded.action, "
        "card_limit_pence = excluded.card_limit_pence, set_at_ms = excluded.set_at_ms, "
        "set_by = excluded.set_by, help_line = excluded.help_line, "
        "serial_prefix = excluded.serial_prefix, serial_digits = excluded.serial_digits",
        (kind, *latest),
    )


@issuing.handles("PolicySet")
def _policy(conn: sqlite3.Connection, event: Event) -> None:
    p = event.payload
    conn.execute(
        "INSERT INTO policy_versions (event_id, kind, windows, action, card_limit_pence, at_ms, "
        "actor, help_line, serial_prefix, serial_digits) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            event.id,
            p["kind"],
            json.dumps(p["windows"]),
            p["action"],
            p.get("card_limit_pence"),
            hlc_millis(event.hlc),
            event.actor,
            p.get("help_line", ""),
            p.get("serial_prefix"),
            p.get("serial_digits"),
        ),
    )
    _recompute_policy(conn, p["kind"])


@issuing.acknowledged
def _on_ack(conn: sqlite3.Connection, event: Event) -> None:
    """A synced event has its place in the feed: the latest policy or first void may change."""
    if event.kind == "PolicySet":
        _recompute_policy(conn, event.payload["kind"])
    elif event.kind == "IssueVoided":
        _recompute_issue(conn, event.payload["issue_id"])
