"""The desk side of the protocol: what to push, and applying what the server says.

Every function here is blocking work on the desk store (the worker runs them
with ``asyncio.to_thread``); the reads and writes themselves are store
functions (``cxdesk.store.sync_queries`` and ``sync_commands``), each write one
store transaction:

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
from operator import itemgetter

from cxdesk.store import sync_commands as commands
from cxdesk.store import sync_queries as queries
from cxdesk.store.sync_commands import (  # noqa: F401 (re-export)
    note_success,
    pin_server_key,
    reset_for_new_epoch,
    set_push_from,
    start_clean,
)
from cxdesk.store.sync_queries import (  # noqa: F401 (re-export)
    CURSOR,
    EPOCH,
    LAST_SUCCESS,
    MARK,
    PUSH_FROM,
    RECEIPT,
    SERVER_KEY,
    SERVER_URL,
    local_summary,
    rejected_events,
)
from cxdesk.sync import receipts
from cxdesk.sync.client import SyncUnavailable
from cxdesk.sync.collector import collector_paused
from cxdesk.sync.protocol import MAX_PUSH_BYTES, MAX_PUSH_EVENTS, PullResponse, PushResponse


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
    parts: list[str] = []
    size = 0
    batch = PushBatch(b"")
    for event in queries.outbox(store, from_seq=from_seq, limit=max_events):
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
    cursor = queries.sync_state(store).cursor
    places = {r.server_seq: r.id for r in response.results if r.server_seq is not None}
    for r in response.results:
        if r.status == "accepted" and r.server_seq is not None and r.server_seq <= cursor:
            return f"the server gave feed place {r.server_seq}, which this desk already holds"
    return _held_by_others(store, places)


def _held_by_others(store, places: dict[int, str]) -> str | None:
    for seq, event_id in queries.places_held(store, list(places)).items():
        if places[seq] != event_id:
            return f"feed place {seq} is another event on this desk"
    return None


def chain_contradicts_receipt(store) -> str | None:
    """Why this desk's own chain no longer passes through the server's receipt, or None."""
    signed = receipts.from_text(queries.sync_state(store).receipt)
    receipt = signed.receipt() if signed else None
    if receipt is None or receipt.device != store.device_id or receipt.last_seq == 0:
        return None
    found = queries.own_event_hash(store, receipt.last_seq)
    if found == receipt.last_hash:
        return None
    what = "is missing" if found is None else "is not the event the server received"
    return (
        f"This desk's event #{receipt.last_seq} {what}: the desk's records were changed "
        "after the server signed for them. Sync is stopped; run `cxdesk admin verify`."
    )


def record_push_results(store, response: PushResponse) -> PushCounts:
    """Record each answer in ``event_acks`` (and the receipt); rebuild projections if needed."""
    answers = [commands.Answer(r.id, r.status, r.server_seq, r.reason) for r in response.results]
    receipt = response.receipt.model_dump_json() if response.receipt is not None else None
    kinds = commands.record_answers(store, answers, receipt)
    counts = PushCounts()
    for result in response.results:
        kind = kinds.get(result.id)
        if kind is None:
            continue  # not ours any more? nothing was recorded against it
        setattr(counts, result.status, getattr(counts, result.status) + 1)
        if result.status == "rejected" and result.reason:
            counts.reasons.append(f"#{result.device_seq} {kind}: {result.reason}")
    return counts


@dataclass
class PageOutcome:
    kind: str  # "applied", "new-epoch", "ahead" or "moved" (pull again from zero)
    new_events: int = 0
    received: int = 0
    next: int = 0
    head: int = 0
    epoch: str = ""
    news: str | None = None
    """What a scope change did to this desk, in words (residents dropped, desk moved)."""

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
    with collector_paused():  # for the page's life: its objects are many, none cyclic
        return apply_parsed_page(store, parse_page(raw), after, mark)


def apply_parsed_page(
    store, page: PullResponse, after: int, mark: str | None = None
) -> PageOutcome:
    """``apply_pull_page`` for an answer already parsed (the round reads ``next`` first)."""
    known_epoch = queries.sync_state(store).epoch
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
        # The server has this desk at another location now: drop, and pull again from zero.
        commands.move_desk(store, page.location, mark if signed is not None else None)
        news = queries.latest_scope_news(store)
        return PageOutcome("moved", next=0, epoch=queries.sync_state(store).epoch or "", news=news)
    new = commands.apply_feed_page(
        store,
        items=items,
        erased_ids=[e.id for e in page.events if e.erased],
        claims=[
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
        after=after,
        next_cursor=page.next,
        epoch=page.epoch,
        mark=mark if signed is not None else None,
        dropped=page.dropped,
    )
    news = queries.latest_scope_news(store) if page.dropped else None  # just written
    return PageOutcome("applied", new, len(items), page.next, page.head, page.epoch, news)


def _mark_matches(signed, page: PullResponse, after: int, device: str | None) -> bool:
    mark = signed.mark()
    if mark is None or not mark.digest:
        return mark is not None  # a server that does not audit pages yet
    digest = receipts.PageDigest(device or "")
    digest.add_all(  # in feed order, as the server adds them
        sorted(((e.server_seq, e.id, e.hash, e.device) for e in page.events), key=itemgetter(0))
    )
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


def proof_headers(store) -> dict[str, str]:
    """The latest receipt and mark as request headers (the server's own signed words)."""
    headers = {}
    state = queries.sync_state(store)
    for kept, header in (
        (state.receipt, receipts.RECEIPT_HEADER),
        (state.mark, receipts.MARK_HEADER),
    ):
        signed = receipts.from_text(kept)
        if signed is not None:
            headers[header] = signed.header()
    return headers
