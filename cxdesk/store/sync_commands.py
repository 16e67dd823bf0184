"""What the sync worker writes into the desk store: the server's answers, feed pages, state.

The desk side of the protocol (``cxdesk.sync.apply``) decides what an answer
means; the writes are here, each one store transaction, so the sync code never
holds a connection or spells out a table. ``sync_state`` keys are in
``sync_queries``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from cxdesk.events.envelope import Event
from cxdesk.store import drops
from cxdesk.store.eventlog import EVENT_COLUMNS, ingest_remote, record_ack, row_to_event
from cxdesk.store.eventlog import utc_now_text as now_text
from cxdesk.store.projections.claims_index import UPSERT as UPSERT_CLAIM
from cxdesk.store.projections.erasure import apply_erasures
from cxdesk.store.rebuild import rebuild_projections
from cxdesk.store.sync_queries import (
    CURSOR,
    EPOCH,
    LAST_SUCCESS,
    MARK,
    PUSH_FROM,
    RECEIPT,
    SERVER_KEY,
    SERVER_URL,
)

_SELECT = ", ".join("e." + c.strip() for c in EVENT_COLUMNS.split(","))
_CHUNK = 500  # ids per IN (...) query, well under SQLite's variable limit


@dataclass(frozen=True, slots=True)
class Answer:
    """The server's answer about one pushed event."""

    event_id: str
    status: str  # accepted | duplicate | rejected
    server_seq: int | None = None
    reason: str | None = None


def record_answers(store, answers: Sequence[Answer], receipt: str | None) -> dict[str, str]:
    """Record each answer (and the signed receipt, JSON); the kind of each event recorded.

    Answers about events this desk does not hold are skipped. A new rejection
    (or a rejection the restored server no longer holds) changes what the
    tables should show, so the projections are rebuilt in the same transaction.
    """
    kinds: dict[str, str] = {}
    with store.transaction() as conn:
        if receipt is not None:
            store.set_state(conn, RECEIPT, receipt)
        ids = [a.event_id for a in answers]
        rows = {}
        for start in range(0, len(ids), _CHUNK):  # one query per 500 answers, not one each
            chunk = ids[start : start + _CHUNK]
            marks = ",".join("?" * len(chunk))
            for row in conn.execute(
                f"SELECT {_SELECT}, a.status FROM events e "
                f"LEFT JOIN event_acks a ON a.event_id = e.id WHERE e.id IN ({marks})",
                chunk,
            ):
                rows[row[0]] = row
        rebuild = False
        for answer in answers:
            row = rows.get(answer.event_id)
            if row is None:
                continue
            event, before = row_to_event(row), row[12]
            record_ack(
                conn,
                event,
                status=answer.status,
                server_seq=answer.server_seq,
                reason=answer.reason,
            )
            kinds[event.id] = event.kind
            if (answer.status == "rejected") != (before == "rejected"):
                rebuild = True
        if rebuild:
            rebuild_projections(store)
    return kinds


def apply_feed_page(
    store,
    *,
    items: Sequence[tuple[Event, int]],
    erased_ids: Sequence[str],
    claims: Sequence[tuple],
    after: int,
    next_cursor: int,
    epoch: str,
    mark: str | None,
    dropped: Sequence[str] = (),
) -> int:
    """Ingest one feed page (events with their places) with its cursor, epoch and signed mark.

    ``erased_ids`` arrived already blanked (this desk synced after their
    erasure); ``claims`` are claims index rows in ``UPSERT_CLAIM`` column
    order; ``dropped`` are the residents the server says this desk's location
    lost. Idempotent: a page applied twice changes nothing. Returns how many
    events were new to this desk.
    """
    with store.transaction() as conn:
        new = ingest_remote(conn, store.clock, items)
        conn.executemany(
            "INSERT OR IGNORE INTO erased_events (event_id, erasure_id) "
            "SELECT ?, 'feed' WHERE EXISTS (SELECT 1 FROM events WHERE id = ?)",
            [(i, i) for i in erased_ids],
        )
        if apply_erasures(conn, [e for e, _ in items if e.kind == "RecordsErased"]):
            rebuild_projections(store)  # the blanked fields leave every table too
        conn.executemany(UPSERT_CLAIM, claims)  # the council-wide claims index
        conn.executemany(  # history brought by a grant, below this page's range
            "INSERT OR REPLACE INTO feed_backfill (event_id, page_after) VALUES (?, ?)",
            [(e.id, after) for e, seq in items if seq <= after],
        )
        # Events put back (a dropped resident granted again) were projected as they came,
        # like any backfill: the projections converge whatever the arrival order.
        if _apply_drops(store, conn, [e for e, _ in items], dropped):
            rebuild_projections(store)
        store.set_state(conn, CURSOR, str(next_cursor))
        store.set_state(conn, EPOCH, epoch)
        if mark is not None:
            store.set_state(conn, MARK, mark)
            if items or next_cursor > after:  # a share can move on past nothing it holds
                conn.execute(
                    "INSERT OR REPLACE INTO feed_pages (after, next, epoch, mark) "
                    "VALUES (?, ?, ?, ?)",
                    (after, next_cursor, epoch, mark),
                )
    return new


def _apply_drops(store, conn, events: list[Event], dropped: Sequence[str]) -> int:
    """The residents the server says this desk's location lost (inside the page's transaction)."""
    device, location = store.device_id or "", store.location or ""
    drops.forget_regranted(conn, device, location, events)
    count = 0
    if dropped:
        count = drops.drop_residents(conn, device, location, dropped)
        news = drops.news_of_drops(location, len(dropped), count)
        store.set_state(conn, drops.SCOPE_NEWS, drops.news_payload(news, now_text()))
    return count + drops.drop_pending(conn, device, location)


def move_desk(store, location: str, mark: str | None) -> None:
    """The server has this desk at ``location`` now: drop what it may not hold there.

    The feed starts again from zero (its signed pages described the old
    location's share); the words for what happened are kept for F8.
    """
    old = store.location or ""
    with store.transaction() as conn:
        dropped, kept = drops.move_desk(conn, store.device_id or "", old, location)
        store.set_state(conn, CURSOR, "0")
        if mark is not None:
            store.set_state(conn, MARK, mark)
        news = drops.news_of_move(old, location, dropped, kept)
        store.set_state(conn, drops.SCOPE_NEWS, drops.news_payload(news, now_text()))
        store.location = location  # the projections below and every later event see it
        try:
            rebuild_projections(store)
        except BaseException:
            store.location = old  # rolled back with the transaction
            raise


def _forget_places(conn) -> None:
    conn.execute("DELETE FROM feed_pages")
    conn.execute("DELETE FROM feed_backfill")
    conn.execute("UPDATE event_acks SET server_seq = NULL")


def reset_for_new_epoch(store, epoch: str) -> None:
    """Forget feed places and cursor; push everything again from the first event."""
    with store.transaction() as conn:
        _forget_places(conn)
        store.set_state(conn, CURSOR, "0")
        store.set_state(conn, EPOCH, epoch)
        store.set_state(conn, PUSH_FROM, "1")


def start_clean(store) -> None:
    """After an answer could not be recorded: the next round re-sends and re-reads everything.

    Pushing from the first event only earns ``duplicate`` answers for what the
    server has, and ingesting is idempotent, so starting over is always safe.
    """
    with store.transaction() as conn:
        _forget_places(conn)
        store.set_state(conn, CURSOR, "0")
        store.set_state(conn, PUSH_FROM, "1")


def _forget_signed(conn) -> None:
    conn.execute("DELETE FROM feed_pages")
    conn.execute("DELETE FROM sync_state WHERE key IN (?, ?)", (RECEIPT, MARK))


def set_server(store, url: str, server_key: str | None = None) -> None:
    """Remember the central API's address and pin its public key (if it gave one).

    Receipts and marks signed by any other key prove nothing here, so a new key
    drops the ones kept.
    """
    with store.transaction() as conn:
        store.set_state(conn, SERVER_URL, url)
        if server_key:
            pinned = conn.execute("SELECT value FROM sync_state WHERE key = ?", (SERVER_KEY,))
            if pinned.fetchone() not in (None, (server_key,)):
                _forget_signed(conn)
            store.set_state(conn, SERVER_KEY, server_key)


def pin_server_key(store, key: str) -> None:
    with store.transaction() as conn:
        store.set_state(conn, SERVER_KEY, key)


def set_push_from(store, value: int | None) -> None:
    """Push everything from ``device_seq`` ``value`` next (after a restore), or stop doing so."""
    with store.transaction() as conn:
        if value is None:
            conn.execute("DELETE FROM sync_state WHERE key = ?", (PUSH_FROM,))
        else:
            store.set_state(conn, PUSH_FROM, str(value))


def note_success(store) -> str:
    """Remember that a sync round finished now; the time recorded."""
    stamp = now_text()
    with store.transaction() as conn:
        store.set_state(conn, LAST_SUCCESS, stamp)
    return stamp
