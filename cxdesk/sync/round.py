"""One sync round: push the outbox, then pull the feed to the end.

The network waits are awaited; every store operation runs in a thread
(``asyncio.to_thread``) so a Textual app's event loop never blocks on SQLite.
The loops are bounded (batches and pages per round); the worker simply runs
another round if work is left.

Recovery is automatic: a ``gap`` answer (the server lost some of our events,
for example after a restore) makes the desk push again from where the server
says it is; a new epoch, a cursor ahead of the server's head, or feed places
handed out again make it forget feed places, push everything again (the
server answers ``duplicate`` for what it has) and pull from zero. Every answer
is compared with what the desk holds before anything of it is recorded.
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass, field

from cxdesk.errors import CxDeskError, StoreError
from cxdesk.store import db, sync_queries
from cxdesk.store.db import DiskFull, is_disk_full
from cxdesk.sync import apply, receipts
from cxdesk.sync.client import AnswerTooLarge, AsyncSyncClient, SyncRefused, SyncUnavailable
from cxdesk.sync.collector import collector_paused
from cxdesk.sync.protocol import MAX_PULL_LIMIT, OLD_PULL_LIMIT, PullResponse
from cxdesk.sync.receipts import MARK_HEADER, RECEIPT_HEADER

MAX_BATCHES = 200
MAX_PAGES = 1000


@dataclass
class RoundReport:
    pushed: int = 0
    counts: apply.PushCounts = field(default_factory=apply.PushCounts)
    pulled: int = 0
    received: int = 0
    epoch_resets: int = 0
    moved_to: str | None = None
    """The location an administrator moved this desk to, learnt in this round."""
    news: list[str] = field(default_factory=list)
    """What scope changes did to this desk in this round, in words (``sync.drops``)."""
    more: bool = False
    """Work was left when a bound was reached: run another round."""

    def summary(self) -> str:
        c = self.counts
        text = (
            f"pushed {self.pushed}: accepted {c.accepted}, duplicate {c.duplicate}, "
            f"rejected {c.rejected}; pulled {self.pulled}"
        )
        if self.epoch_resets:
            text += " (the server was restored: pushed everything again and pulled from zero)"
        return "\n".join([text, *self.news])


class _Reset(Exception):
    def __init__(self, epoch: str | None) -> None:
        self.epoch = epoch


async def _store(fn, *args, **kw):
    """Run blocking store work in a thread; SQLite's failures become sentences."""
    try:
        return await asyncio.to_thread(fn, *args, **kw)
    except db.ERRORS as exc:  # SQLCipher's error classes, not only the standard library's
        raise store_failure(exc) from exc
    except CxDeskError:
        raise
    except Exception as exc:  # noqa: BLE001 - a bug in keeping an answer must not wedge sync
        raise store_failure(exc) from exc


def store_failure(exc: BaseException) -> StoreError:
    if is_disk_full(exc):
        return DiskFull()
    return StoreError(
        f"This desk could not record the server's answer ({type(exc).__name__}: {exc}); "
        "the next sync starts again from the server's state."
    )


async def _prepare(store, client: AsyncSyncClient) -> None:
    """Pin the server's key if this desk has none yet; load the proofs to send."""
    if sync_queries.sync_state(store).server_key is None:  # enrolled before servers signed
        try:
            key = (await client.health()).server_key
        except SyncUnavailable:
            key = None  # pinned on a later round; the push itself will say what is wrong
        if key:
            await _store(apply.pin_server_key, store, key)
    client.proofs = await _store(apply.proof_headers, store)
    problem = await _store(apply.chain_contradicts_receipt, store)
    if problem:
        changed = StoreError(problem, title="Records changed")
        changed.short = "records changed"
        raise changed


def _signed_by_server(store, signed) -> bool:
    key = sync_queries.sync_state(store).server_key
    return key is None or receipts.verified(key, signed)


def _refuse_unsigned() -> SyncRefused:
    return SyncRefused(
        0,
        "signature",
        "The central API's answer is not signed with the key this desk enrolled with; "
        "sync is stopped. Ask the administrator whether the server was replaced "
        "(if so, enrol this desk again with cxdesk enrol).",
    )


async def _push(store, client: AsyncSyncClient, report: RoundReport) -> None:
    state = await _store(sync_queries.sync_state, store)
    from_seq, known_epoch = state.push_from, state.epoch
    for _ in range(MAX_BATCHES):
        batch = await _store(apply.outbox_batch, store, from_seq=from_seq)
        if batch.count == 0:
            if from_seq is not None:
                await _store(apply.set_push_from, store, None)
            return
        try:
            response = await client.push(batch.body)
        except SyncRefused as exc:
            restart = None if exc.last_seq is None else exc.last_seq + 1
            if exc.code != "gap" or restart is None or restart >= batch.first_seq:
                raise
            # The server is behind our acknowledged events: send them again from there.
            from_seq = restart
            await _store(apply.set_push_from, store, from_seq)
            continue
        # Compare before recording anything: an answer from another epoch, or one
        # that hands out feed places this desk holds, is a restore, not an answer.
        if known_epoch is not None and response.epoch != known_epoch:
            raise _Reset(response.epoch)
        if response.receipt is not None and not _signed_by_server(store, response.receipt):
            raise _refuse_unsigned()
        if await _store(apply.answer_conflict, store, response):
            raise _Reset(None)
        counts = await _store(apply.record_push_results, store, response)
        if response.receipt is not None:
            client.proofs[RECEIPT_HEADER] = response.receipt.header()
        report.pushed += batch.count
        report.counts.add(counts)
        if from_seq is not None:
            from_seq = batch.last_seq + 1
            await _store(apply.set_push_from, store, from_seq)
    report.more = True


async def _pull(store, client: AsyncSyncClient, report: RoundReport) -> None:
    # The cycle collector waits while pages are read and applied (``collector``): over
    # a catch-up it would scan each page's objects, none cyclic, again and again.
    with collector_paused():
        await _pull_pages(store, client, report)


async def _pull_pages(store, client: AsyncSyncClient, report: RoundReport) -> None:
    cursor = (await _store(sync_queries.sync_state, store)).cursor
    # Pages start at the size every server takes and double while more waits, up to the
    # ceiling: a catch-up fills in few transactions, and the first page comes quickly.
    limit, ceiling = OLD_PULL_LIMIT, MAX_PULL_LIMIT
    ahead: asyncio.Task[_Page] | None = None  # the next page, on its way
    try:
        for _ in range(MAX_PAGES):
            try:
                header, parsed = await (
                    ahead if ahead is not None else _fetch(client, cursor, limit)
                )
            except AnswerTooLarge:
                if limit == 1:
                    raise
                limit = ceiling = max(1, limit // 10)  # big events: fewer at a time
                continue
            except SyncRefused as exc:
                if exc.status != 422 or limit <= OLD_PULL_LIMIT:
                    raise
                limit = ceiling = OLD_PULL_LIMIT  # an older server: pages of its size
                continue
            finally:
                ahead = None
            mark = receipts.from_header(header)
            mark_text = None
            if mark is not None and _signed_by_server(store, mark):
                mark_text = mark.model_dump_json()
                client.proofs[MARK_HEADER] = mark.header()
            if parsed.events and cursor < parsed.next < parsed.head:
                # Fetch (and parse) the next page while this one is verified and applied;
                # it is used only if this one applies with exactly that cursor (else
                # dropped below).
                limit = min(ceiling, limit * 2)
                ahead = asyncio.ensure_future(_fetch(client, parsed.next, limit))
            page = await _store(apply.apply_parsed_page, store, parsed, cursor, mark_text)
            if page.news:
                report.news.append(page.news)
            if page.kind == "moved":  # an administrator moved this desk: its share from zero
                report.moved_to = store.location
                cursor = 0
                _drop(ahead)
                ahead = None
                continue
            if page.kind != "applied":
                raise _Reset(page.epoch)
            report.pulled += page.new_events
            report.received += page.received
            if ahead is not None and page.next != parsed.next:
                _drop(ahead)
                ahead = None
            cursor = page.next
            if not page.more:
                return
        report.more = True
    finally:
        _drop(ahead)


_Page = tuple[str | None, PullResponse]
"""A pull answer's mark (the header as it came) and the answer parsed."""


async def _fetch(client: AsyncSyncClient, after: int, limit: int) -> _Page:
    """One pull page, parsed (in a thread: a page fetched ahead is parsed while the one
    before it is applied), with the mark that came with it (read before another pull
    can land)."""
    raw = await client.pull_raw(after, limit)
    mark = client.last_mark
    return mark, await _store(apply.parse_page, raw)


def _drop(ahead: asyncio.Future | None) -> None:
    """Abandon a page fetched ahead: cancelled, and its failure (if any) never raised."""
    if ahead is not None:
        ahead.add_done_callback(lambda done: done.cancelled() or done.exception())
        ahead.cancel()


async def _current_epoch(client: AsyncSyncClient) -> str:
    """Ask the server which epoch it is in now (our proofs go with the question)."""
    raw = await client.pull_raw(0, 1)
    return apply.parse_page(raw).epoch


async def sync_round(store, client: AsyncSyncClient) -> RoundReport:
    """Push then pull; raises ``SyncUnavailable``, ``SyncRefused`` or ``StoreError`` with words.

    A restore noticed anywhere (a new epoch, a cursor past the head, feed places
    handed out twice) forgets this desk's feed places and starts again: push
    everything, pull from zero. A failure to record an answer leaves nothing
    half-done (each record is one transaction) and the next round starts clean.
    """
    report = RoundReport()
    await _prepare(store, client)
    for _ in range(3):
        try:
            await _push(store, client, report)
            await _pull(store, client, report)
        except _Reset as reset:
            report.epoch_resets += 1
            epoch = reset.epoch or await _current_epoch(client)
            await _store(apply.reset_for_new_epoch, store, epoch)
            continue
        except StoreError:
            with contextlib.suppress(*db.ERRORS, StoreError):
                await _store(apply.start_clean, store)
            raise
        await _store(apply.note_success, store)
        return report
    report.more = True
    return report
