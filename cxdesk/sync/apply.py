"""The desk side of the protocol: what to push, and applying what the server says.

Every function here is blocking SQLite work on the desk store (the worker runs
them with ``asyncio.to_thread``) and each is one store transaction:

- ``outbox_batch``: this desk's events the server has not acknowledged, in
  ``device_seq`` order, sized to the server's limits (or, after a restore,
  everything from a given ``device_seq``: the server answers ``duplicate`` for
  what it still has);
- ``record_push_results``: the per-event answers into ``event_acks``; a newly
  rejected event had already been projected here, so the projections are
  rebuilt without it (it stays in the log, marked rejected, for the F8 screen);
- ``apply_pull_page``: a page of the feed, the cursor and the epoch together;
  ingesting is idempotent, so a page applied twice changes nothing;
- ``reset_for_new_epoch``: the server was restored: forget feed places and the
  cursor, and push everything again from the first event.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from cxdesk.store.eventlog import EVENT_COLUMNS, ingest_remote, record_ack, row_to_event
from cxdesk.store.eventlog import utc_now_text as now_text
from cxdesk.store.projections.claims_index import UPSERT as UPSERT_CLAIM
from cxdesk.store.projections.erasure import apply_erasures
from cxdesk.store.projections.scope_drops import dropped_among
from cxdesk.store.rebuild import rebuild_projections
from cxdesk.store.sync_queries import (  # noqa: F401 (re-export)
    LAST_SUCCESS,
    local_summary,
    rejected_events,
)
from cxdesk.sync import drops, receipts
from cxdesk.sync.client import SyncUnavailable
from cxdesk.sync.protocol import MAX_PUSH_BYTES, MAX_PUSH_EVENTS, PullResponse, PushResponse

CURSOR, EPOCH, PUSH_FROM, SERVER_URL = "cursor", "epoch", "push_from", "server_url"
RECEIPT, MARK, SERVER_KEY = "receipt", "mark", "server_key"
"""The latest signed receipt and feed mark (JSON), and the server's pinned public key."""
_SELECT = ", ".join("e." + c.strip() for c in EVENT_COLUMNS.split(","))


@dataclass
class PushBatch:
    body: bytes
    count: int = 0
    first_seq: int = 0
    last_seq: int = 0


def outbox_batch(
    store,
    *,
    from_seq: int | None = None,
    max_events: int = MAX_PUSH_EVENTS,
    max_bytes: int = MAX_PUSH_BYTES - 4096,
) -> PushBatch:
    """The next push body: unacknowledged own events (or all from ``from_seq``), in order."""
    if from_seq is None:
        where, params = "a.event_id IS NULL", (store.device_id, max_events)
    else:
        where, params = "e.device_seq >= ?", (store.device_id, from_seq, max_events)
    rows = store.query(
        f"SELECT {_SELECT} FROM events e LEFT JOIN event_acks a ON a.event_id = e.id "
        f"WHERE e.device = ? AND {where} ORDER BY e.device_seq LIMIT ?",
        params,
    )
    parts: list[str] = []
    size = 0
    batch = PushBatch(b"")
    for row in rows:
        event = row_to_event(row)
        text = event.model_dump_json()
        if parts and size + len(text.encode()) + 1 > max_bytes:
            break
        parts.append(text)
        size += len(text.encode()) + 1
        batch.first_seq = batch.first_seq or event.device_seq
        batch.last_seq = event.device_seq
    batch.count = len(parts)
    device = json.dumps(store.device_id)
    batch.body = f'{{"device":{device},"events":[{",".join(parts)}]}}'.encode()
    return batch


@dataclass
class PushCounts:
    accepted: int = 0
    duplicate: int = 0
    rejected: int = 0
    reasons: list[str] = field(default_factory=list)

    def add(self, other: PushCounts) -> None:
        self.accepted += other.accepted
        self.duplicate += other.duplicate
        self.rejected += other.rejected
        self.reasons += other.reasons


def answer_conflict(store, response: PushResponse) -> str | None:
    """Why this push answer contradicts what the desk holds (a restore), or None.

    Checked before anything is recorded: a newly accepted event gets a feed
    place past every place that existed, so a place at or below our cursor, or
    one this desk holds for another event, means the server went back in time.
    """
    cursor = int(store.get_state(CURSOR) or 0)
    places = {r.server_seq: r.id for r in response.results if r.server_seq is not None}
    for r in response.results:
        if r.status == "accepted" and r.server_seq is not None and r.server_seq <= cursor:
            return f"the server gave feed place {r.server_seq}, which this desk already holds"
    return _held_by_others(store, places)


def _held_by_others(store, places: dict[int, str]) -> str | None:
    seqs = list(places)
    for start in range(0, len(seqs), 500):
        chunk = seqs[start : start + 500]
        marks = ",".join("?" * len(chunk))
        for seq, event_id in store.query(
            f"SELECT server_seq, event_id FROM event_acks WHERE server_seq IN ({marks})", chunk
        ):
            if places[seq] != event_id:
                return f"feed place {seq} is another event on this desk"
    return None


def chain_contradicts_receipt(store) -> str | None:
    """Why this desk's own chain no longer passes through the server's receipt, or None."""
    signed = receipts.from_text(store.get_state(RECEIPT))
    receipt = signed.receipt() if signed else None
    if receipt is None or receipt.device != store.device_id or receipt.last_seq == 0:
        return None
    found = store.scalar(
        "SELECT hash FROM events WHERE device = ? AND device_seq = ?",
        (store.device_id, receipt.last_seq),
    )
    if found == receipt.last_hash:
        return None
    what = "is missing" if found is None else "is not the event the server received"
    return (
        f"This desk's event #{receipt.last_seq} {what}: the desk's records were changed "
        "after the server signed for them. Sync is stopped; run `cxdesk admin verify`."
    )


def record_push_results(store, response: PushResponse) -> PushCounts:
    """Record each answer in ``event_acks`` (and the receipt); rebuild projections if needed."""
    counts = PushCounts()
    with store.transaction() as conn:
        if response.receipt is not None:
            store.set_state(conn, RECEIPT, response.receipt.model_dump_json())
        rebuild = False
        ids = [r.id for r in response.results]
        rows = {}
        for start in range(0, len(ids), 500):  # one query per 500 answers, not one each
            chunk = ids[start : start + 500]
            marks = ",".join("?" * len(chunk))
            for row in conn.execute(
                f"SELECT {_SELECT}, a.status FROM events e "
                f"LEFT JOIN event_acks a ON a.event_id = e.id WHERE e.id IN ({marks})",
                chunk,
            ):
                rows[row[0]] = row
        for result in response.results:
            row = rows.get(result.id)
            if row is None:
                continue  # not ours any more? nothing to record against
            event, before = row_to_event(row), row[12]
            record_ack(
                conn,
                event,
                status=result.status,
                server_seq=result.server_seq,
                reason=result.reason,
            )
            # Own events are projected when made: a new rejection (or a rejection the
            # restored server no longer holds) changes what the tables should show.
            if (result.status == "rejected") != (before == "rejected"):
                rebuild = True
            setattr(counts, result.status, getattr(counts, result.status) + 1)
            if result.status == "rejected" and result.reason:
                counts.reasons.append(f"#{result.device_seq} {event.kind}: {result.reason}")
        if rebuild:
            rebuild_projections(store)
    return counts


@dataclass
class PageOutcome:
    kind: str  # "applied", "new-epoch", "ahead" or "moved" (pull again from zero)
    new_events: int = 0
    received: int = 0
    next: int = 0
    head: int = 0
    epoch: str = ""

    @property
    def more(self) -> bool:
        return self.kind == "applied" and self.received > 0 and self.next < self.head


def parse_page(raw: bytes) -> PullResponse:
    try:
        return PullResponse.model_validate_json(raw)
    except ValueError:
        raise SyncUnavailable(
            "The central API's answer was cut short or not understood; "
            "the sync will be tried again.",
            "bad answer",
        ) from None


def apply_pull_page(store, raw: bytes, after: int, mark: str | None = None) -> PageOutcome:
    """Apply one pull answer (asked with cursor ``after``) with its cursor, epoch and mark."""
    page = parse_page(raw)
    known_epoch = store.get_state(EPOCH)
    if known_epoch is not None and known_epoch != page.epoch:
        return PageOutcome("new-epoch", epoch=page.epoch, head=page.head)
    if after > page.head:
        return PageOutcome("ahead", epoch=page.epoch, head=page.head)
    if _held_by_others(store, {e.server_seq: e.id for e in page.events}):
        return PageOutcome("ahead", epoch=page.epoch, head=page.head)  # renumbered: restored
    items = [(e, e.server_seq) for e in page.events]
    signed = receipts.from_text(mark)
    if signed is not None and not _mark_matches(signed, page, after, store.device_id):
        raise SyncUnavailable(
            "The central API's answer does not match what it signed; the sync will be tried again.",
            "bad answer",
        )
    if page.location and store.location and page.location != store.location:
        return _moved(store, page.location, mark if signed is not None else None)
    with store.transaction() as conn:
        restoring = dropped_among(conn, [e.id for e in page.events])
        new = ingest_remote(conn, store.clock, items)
        conn.executemany(  # arrived already blanked (this desk synced after the erasure)
            "INSERT OR IGNORE INTO erased_events (event_id, erasure_id) "
            "SELECT ?, 'feed' WHERE EXISTS (SELECT 1 FROM events WHERE id = ?)",
            [(e.id, e.id) for e in page.events if e.erased],
        )
        if apply_erasures(conn, [e for e in page.events if e.kind == "RecordsErased"]):
            rebuild_projections(store)  # the blanked fields leave every table too
        conn.executemany(
            UPSERT_CLAIM,
            [  # the council-wide claims index
                (
                    c.issue_id,
                    c.kind,
                    c.record_key,
                    c.given_key,
                    c.family_key,
                    c.dob_key,
                    c.postcode_key,
                    c.at_ms,
                    c.location,
                    c.status,
                )
                for c in page.claims
            ],
        )
        conn.executemany(  # history brought by a grant, below this page's range
            "INSERT OR REPLACE INTO feed_backfill (event_id, page_after) VALUES (?, ?)",
            [(e.id, after) for e in page.events if e.server_seq <= after],
        )
        if _apply_drops(store, conn, page) or restoring:
            rebuild_projections(store)
        store.set_state(conn, CURSOR, str(page.next))
        store.set_state(conn, EPOCH, page.epoch)
        if signed is not None:
            store.set_state(conn, MARK, mark)
            if items or page.next > after:  # a share can move on past nothing it holds
                conn.execute(
                    "INSERT OR REPLACE INTO feed_pages (after, next, epoch, mark) "
                    "VALUES (?, ?, ?, ?)",
                    (after, page.next, page.epoch, mark),
                )
    return PageOutcome("applied", new, len(items), page.next, page.head, page.epoch)


def _apply_drops(store, conn, page: PullResponse) -> int:
    """The residents the server says this desk's location lost (inside the page's transaction)."""
    device, location = store.device_id or "", store.location or ""
    drops.forget_regranted(conn, device, location, page.events)
    count = 0
    if page.dropped:
        count = drops.drop_residents(conn, device, location, page.dropped)
        news = drops.news_of_drops(location, len(page.dropped), count)
        store.set_state(conn, drops.SCOPE_NEWS, drops.news_payload(news, now_text()))
    return count + drops.drop_pending(conn, device, location)


def _moved(store, location: str, mark: str | None) -> PageOutcome:
    """The server has this desk at another location now: drop, and pull again from zero."""
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
    return PageOutcome("moved", next=0, epoch=store.get_state(EPOCH) or "")


def _mark_matches(signed, page: PullResponse, after: int, device: str | None) -> bool:
    mark = signed.mark()
    if mark is None or not mark.digest:
        return mark is not None  # a server that does not audit pages yet
    digest = receipts.PageDigest(device or "")
    for event in sorted(page.events, key=lambda e: e.server_seq):  # as the server adds them
        digest.add(event.server_seq, event.id, event.hash, event.device)
    digest.dropped = tuple(page.dropped)
    return (
        mark.epoch,
        mark.after,
        mark.device,
        mark.count,
        mark.digest,
        mark.location,
        mark.drops,
    ) == (
        page.epoch,
        after,
        device,
        digest.count,
        digest.hexdigest(),
        page.location,
        digest.drops_hexdigest(),
    )


def reset_for_new_epoch(store, epoch: str) -> None:
    """Forget feed places and cursor; push everything again from the first event."""
    with store.transaction() as conn:
        conn.execute("DELETE FROM feed_pages")
        conn.execute("DELETE FROM feed_backfill")
        conn.execute("UPDATE event_acks SET server_seq = NULL")
        store.set_state(conn, CURSOR, "0")
        store.set_state(conn, EPOCH, epoch)
        store.set_state(conn, PUSH_FROM, "1")


def start_clean(store) -> None:
    """After an answer could not be recorded: the next round re-sends and re-reads everything.

    Pushing from the first event only earns ``duplicate`` answers for what the
    server has, and ingesting is idempotent, so starting over is always safe.
    """
    with store.transaction() as conn:
        conn.execute("DELETE FROM feed_pages")
        conn.execute("DELETE FROM feed_backfill")
        conn.execute("UPDATE event_acks SET server_seq = NULL")
        store.set_state(conn, CURSOR, "0")
        store.set_state(conn, PUSH_FROM, "1")


def forget_signed(conn) -> None:
    """Drop the receipt, mark and page marks (enrolled with another server)."""
    conn.execute("DELETE FROM feed_pages")
    conn.execute("DELETE FROM sync_state WHERE key IN (?, ?)", (RECEIPT, MARK))


def pin_server_key(store, key: str) -> None:
    with store.transaction() as conn:
        store.set_state(conn, SERVER_KEY, key)


def proof_headers(store) -> dict[str, str]:
    """The latest receipt and mark as request headers (the server's own signed words)."""
    headers = {}
    for state, header in ((RECEIPT, receipts.RECEIPT_HEADER), (MARK, receipts.MARK_HEADER)):
        signed = receipts.from_text(store.get_state(state))
        if signed is not None:
            headers[header] = signed.header()
    return headers


def set_push_from(store, value: int | None) -> None:
    with store.transaction() as conn:
        if value is None:
            conn.execute("DELETE FROM sync_state WHERE key = ?", (PUSH_FROM,))
        else:
            store.set_state(conn, PUSH_FROM, str(value))


def note_success(store) -> str:
    stamp = now_text()
    with store.transaction() as conn:
        store.set_state(conn, LAST_SUCCESS, stamp)
    return stamp
