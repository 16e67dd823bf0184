"""One sync round: push the outbox, then pull the feed to the end.

The network waits are awaited; every store operation runs in a thread
(``asyncio.to_thread``) so a Textual app's event loop never blocks on SQLite.
The loops are bounded (batches and pages per round); the worker simply runs
another round if work is left.

Recovery is automatic: a ``gap`` answer (the server lost some of our events,
for example after a restore) makes the desk push again from where the server
says it is; a new epoch, or a cursor ahead of the server's head, makes it
forget feed places, push everything again (the server answers ``duplicate`` for
what it has) and pull from zero.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from cxdesk.sync import apply
from cxdesk.sync.client import AsyncSyncClient, SyncRefused
from cxdesk.sync.protocol import MAX_PULL_LIMIT

MAX_BATCHES = 200
MAX_PAGES = 1000


@dataclass
class RoundReport:
    pushed: int = 0
    counts: apply.PushCounts = field(default_factory=apply.PushCounts)
    pulled: int = 0
    received: int = 0
    epoch_resets: int = 0
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
        return text


class _Reset(Exception):
    def __init__(self, epoch: str) -> None:
        self.epoch = epoch


async def _push(store, client: AsyncSyncClient, report: RoundReport) -> None:
    raw = await asyncio.to_thread(store.get_state, apply.PUSH_FROM)
    from_seq = int(raw) if raw else None
    known_epoch = await asyncio.to_thread(store.get_state, apply.EPOCH)
    for _ in range(MAX_BATCHES):
        batch = await asyncio.to_thread(apply.outbox_batch, store, from_seq=from_seq)
        if batch.count == 0:
            if from_seq is not None:
                await asyncio.to_thread(apply.set_push_from, store, None)
            return
        try:
            response = await client.push(batch.body)
        except SyncRefused as exc:
            restart = None if exc.last_seq is None else exc.last_seq + 1
            if exc.code != "gap" or restart is None or restart >= batch.first_seq:
                raise
            # The server is behind our acknowledged events: send them again from there.
            from_seq = restart
            await asyncio.to_thread(apply.set_push_from, store, from_seq)
            continue
        counts = await asyncio.to_thread(apply.record_push_results, store, response)
        report.pushed += batch.count
        report.counts.add(counts)
        if known_epoch is not None and response.epoch != known_epoch:
            raise _Reset(response.epoch)
        if from_seq is not None:
            from_seq = batch.last_seq + 1
            await asyncio.to_thread(apply.set_push_from, store, from_seq)
    report.more = True


async def _pull(store, client: AsyncSyncClient, report: RoundReport) -> None:
    raw_cursor = await asyncio.to_thread(store.get_state, apply.CURSOR)
    cursor = int(raw_cursor or 0)
    for _ in range(MAX_PAGES):
        raw = await client.pull_raw(cursor, MAX_PULL_LIMIT)
        page = await asyncio.to_thread(apply.apply_pull_page, store, raw, cursor)
        if page.kind != "applied":
            raise _Reset(page.epoch)
        report.pulled += page.new_events
        report.received += page.received
        cursor = page.next
        if not page.more:
            return
    report.more = True


async def sync_round(store, client: AsyncSyncClient) -> RoundReport:
    """Push then pull; raises ``SyncUnavailable`` or ``SyncRefused`` if the server fails us."""
    report = RoundReport()
    for _ in range(3):
        try:
            await _push(store, client, report)
            await _pull(store, client, report)
        except _Reset as reset:
            report.epoch_resets += 1
            await asyncio.to_thread(apply.reset_for_new_epoch, store, reset.epoch)
            continue
        await asyncio.to_thread(apply.note_success, store)
        return report
    report.more = True
    return report
