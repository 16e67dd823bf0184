"""The push transaction: a device's events checked, placed in the feed, answered one by one.

Everything happens in the caller's write transaction, in this order:

1. lock the device row (``FOR UPDATE``; ``BEGIN IMMEDIATE`` already holds the
   lock on SQLite), for a desk's push found by the token it presented and that
   token judged at once (401, 403: ``TokenCheck``); then whole-request checks:
   every event names the authenticated device (403), every hash and payload
   digest is right (422; an erased event the server holds may come back blanked,
   see ``check_envelopes``), made before the lock when no token is to be judged;
2. sort events into retries (at or below ``last_seq``) and
   new ones; a retry must be byte-for-byte the event we hold (else 409, nothing
   changed), new ones must start at ``last_seq + 1`` and chain from
   ``last_hash`` (else 409);
3. lock the feed counter row, so pushes take their feed places one after the
   other and commit order equals feed order (the feed never skips), then judge
   each new event: actor on the roster and active, signed by them (see
   ``signatures``), with a role the kind allows, payload valid, per-kind
   server checks. Accepted events get the next ``server_seq``; rejected
   ones go to ``rejected_events``. Either way ``last_seq`` moves on, so a
   rejected event never wedges the desk's queue.

A retried batch changes nothing and gets the same answers back.

The work is batched per request, not per event (DESIGN.md, "Performance"): the
roster rows of every actor in one query, every signature verified up front in a
small thread pool (checked again only if the roster changes mid-push), the
history of every subject the per-kind checks need in one query and then kept in
memory as events are accepted, what checks read from the feed remembered for
the push (``server_checks.push_memo``), and the rows written by executemany at
the end. A server-made push that changes what checks read (a policy, the
reasons list, a location) writes its rows so far and forgets the remembered reads.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from sqlalchemy import Connection

from cxdesk.errors import CxDeskError
from cxdesk.events import DESK_ACTOR, get_kind, may_author
from cxdesk.events.envelope import Event, canonical_bytes, chain_hash_of_text
from cxdesk.sync.protocol import PushResult
from cxdesk.sync.receipts import Receipt
from cxdesk.sync.server.bulk import (
    Read,
    Write,
    insert_write,
    read_together,
    rows_for_keys,
    write_together,
)
from cxdesk.sync.server.db import is_postgres
from cxdesk.sync.server.feed_watch import CHANNEL, notice
from cxdesk.sync.server.migrations import utc_now_text
from cxdesk.sync.server.payloads import payload_problems
from cxdesk.sync.server.roster import RosterView, project_roster
from cxdesk.sync.server.scope import ScopeWriter, record_scope
from cxdesk.sync.server.signatures import (
    NONE_STARTED,
    SignatureCheck,
    Verifications,
    keys_read,
    start_verifying,
    verify_more,
)
from cxdesk.sync.server.trust import EventTrust
from cxdesk.sync.server_checks import (
    checks_for,
    forget_memo,
    memo_reads_for,
    remember,
    start_memo,
    stop_memo,
)

FEED_STATE_KINDS = frozenset({"PolicySet", "ContactReasonsSet", "LocationDefined"})
"""Kinds whose accepted rows later checks in the same push read back from the feed."""


class PushRefused(Exception):
    """The whole push is refused; nothing was changed."""

    def __init__(self, status: int, code: str, message: str, last_seq: int | None = None):
        super().__init__(message)
        self.status, self.code, self.message, self.last_seq = status, code, message, last_seq

    def detail(self) -> dict:
        return {"code": self.code, "message": self.message, "last_seq": self.last_seq}


@dataclass
class PushOutcome:
    last_seq: int
    results: list[PushResult]
    reached: frozenset[str] = frozenset()
    """The audiences the accepted events reach (the held pulls to wake)."""
    receipt: Receipt | None = None
    """The chain and feed head as the push left them, read by its closing writes
    (PostgreSQL); None: the caller reads them (``signing.receipt``)."""


def _lock_clause(conn: Connection) -> str:
    return " FOR UPDATE" if is_postgres(conn) else ""


def check_envelopes(conn: Connection, device: str, events: list[Event]) -> dict[str, str]:
    """Refuse a push naming another device (403) or with a bad hash or digest (422).

    Returns each event's payload as canonical JSON by event id: written once here
    for the digest, then reused by the payload check and as the stored row.

    A payload that no longer matches its digest is accepted only for an event the
    server holds, erased, with the same hash: the desk applied the erasure to its
    copy and is pushing it again (after a restore). The hash covers the digest, so
    an equal hash proves it is the same event; it is answered ``duplicate``.
    """
    blanked: list[Event] = []
    texts: dict[str, str] = {}
    for event in events:
        if event.device != device:
            raise PushRefused(
                403, "wrong-device", f"event {event.id} belongs to {event.device}, not {device}"
            )
        # The chain's fields are text and one integer (the model says so): no float scan.
        if chain_hash_of_text(event.chain_fields()) != event.hash:
            raise PushRefused(422, "bad-hash", f"event {event.id}: hash does not match its fields")
        canonical = canonical_bytes(event.payload)  # hashed as bytes, kept as text
        texts[event.id] = canonical.decode()
        if hashlib.sha256(canonical).hexdigest() != event.payload_digest:
            blanked.append(event)  # Event.digest_ok, without writing the JSON twice
    if blanked:
        erased = _erased_here(conn, [e.id for e in blanked])
        for event in blanked:
            if erased.get(event.id) != event.hash:
                raise PushRefused(
                    422, "bad-digest", f"event {event.id}: payload does not match digest"
                )
    return texts


_ERASED = (
    "SELECT e.id, e.hash FROM events e JOIN erased_events x ON x.event_id = e.id "
    "WHERE e.id IN :keys"
)


def _erased_here(conn: Connection, ids: list[str]) -> dict[str, str]:
    """id -> hash for the events among ``ids`` that the server holds erased."""
    return {id_: hash_ for id_, hash_ in rows_for_keys(conn, _ERASED, ids)}


_KNOWN = (
    "SELECT id, hash, server_seq, NULL AS reason FROM events WHERE id IN :keys UNION ALL "
    "SELECT event_id, hash, NULL, reason FROM rejected_events WHERE event_id IN :keys"
)


def _known(rows: list[tuple]) -> dict[str, tuple[str, int | None, str | None]]:
    """id -> (hash, server_seq, rejection reason) for every id already on the server,
    from the answer to ``_KNOWN``."""
    return {id_: (hash_, seq, reason) for id_, hash_, seq, reason in rows}


def _sort_batch(
    device: str,
    events: list[Event],
    last_seq: int,
    last_hash: str,
    known: dict[str, tuple[str, int | None, str | None]],
) -> tuple[list[PushResult], list[Event]]:
    """Answers for retries, and the new events (checked to follow the chain)."""
    retries: list[PushResult] = []
    fresh: list[Event] = []
    expected_seq, expected_prev = last_seq + 1, last_hash
    for event in sorted(events, key=lambda e: e.device_seq):
        seen = known.get(event.id)
        if seen is not None and seen[0] != event.hash:
            raise PushRefused(409, "changed", f"event {event.id} was sent before, changed")
        if event.device_seq <= last_seq:
            if seen is None:
                raise PushRefused(
                    409,
                    "conflict",
                    f"{device} #{event.device_seq} is already another event on the server",
                    last_seq,
                )
            _hash, seq, reason = seen
            status = "rejected" if reason is not None else "duplicate"
            retries.append(
                PushResult(
                    id=event.id,
                    device_seq=event.device_seq,
                    status=status,
                    server_seq=seq,
                    reason=reason,
                )
            )
            continue
        if seen is not None:
            raise PushRefused(409, "changed", f"event id {event.id} is already used")
        if event.device_seq != expected_seq:
            raise PushRefused(
                409, "gap", f"expected {device} #{expected_seq}, got #{event.device_seq}", last_seq
            )
        if event.prev_hash != expected_prev:
            raise PushRefused(
                409,
                "chain",
                f"{device} #{event.device_seq} does not link to #{expected_seq - 1}",
                last_seq,
            )
        fresh.append(event)
        expected_seq, expected_prev = event.device_seq + 1, event.hash
    return retries, fresh


def _subject(event: Event) -> str | None:
    try:
        return get_kind(event.kind).subject_of(event.payload)
    except (CxDeskError, AttributeError, TypeError):
        return None


_HISTORY = (
    "SELECT subject, id, kind, payload, payload_digest, actor, device, location, device_seq, "
    "hlc, prev_hash, hash, signature FROM events WHERE subject IN :keys ORDER BY server_seq"
)


class _Histories:
    """Per subject, the accepted events in feed order: read once, then kept up to date.

    Only subjects that a per-kind check of this push will ask about are read
    (``read``, with the push's other reads under the feed lock); events accepted
    during the push are appended in memory, so a check sees exactly what the old
    per-event query returned.
    """

    def __init__(self, fresh: list[Event], subjects: dict[str, str | None]):
        wanted = {
            subject
            for event in fresh
            if checks_for(event.kind) and (subject := subjects[event.id]) is not None
        }
        self.subjects = subjects
        self.by_subject: dict[str, list[Event]] = {subject: [] for subject in wanted}

    def read(self) -> Read:
        # On SQLite each subject falls in one chunk, so its events stay in feed order.
        return Read(_HISTORY, keys=sorted(self.by_subject))

    def take(self, rows: list[tuple]) -> None:
        for subject, *fields in rows:
            self.by_subject[subject].append(Event.from_columns(fields))

    def of(self, event: Event) -> list[Event]:
        subject = self.subjects[event.id]
        return [] if subject is None else list(self.by_subject.get(subject, ()))

    def accepted(self, event: Event, subject: str | None) -> None:
        if subject is not None and subject in self.by_subject:
            self.by_subject[subject].append(event)


@dataclass
class _Prepared:
    """What a push's new events need that no lock is needed for, made once per event."""

    texts: dict[str, str]
    """Each payload's canonical JSON (``check_envelopes``)."""
    subjects: dict[str, str | None]
    payload_problems: dict[str, str | None]
    """Why each payload does not fit its kind's model, or None (its kind known)."""

    @classmethod
    def of(cls, fresh: list[Event], texts: dict[str, str]) -> _Prepared:
        problems = payload_problems([(e.kind, e.payload, texts[e.id]) for e in fresh])
        return cls(
            texts,
            {e.id: _subject(e) for e in fresh},
            {e.id: problem for e, problem in zip(fresh, problems, strict=True)},
        )


class _Judge:
    """Decides accept or reject for each new event, with the roster read once for the push."""

    def __init__(
        self,
        conn: Connection,
        trusted_role: str | None,
        device: str,
        fresh: list[Event],
        started: Verifications,
        prepared: _Prepared,
        place: tuple[str | None, str | None],
    ) -> None:
        self.conn, self.trusted_role, self.prepared = conn, trusted_role, prepared
        self.fresh = fresh
        trusted = trusted_role is not None
        self.roster = RosterView(conn)
        self.trust = EventTrust(conn, device, trusted=trusted, roster=self.roster, place=place)
        self.signatures = SignatureCheck(conn, trusted=trusted, roster=self.roster, started=started)
        self.histories = _Histories(fresh, prepared.subjects)

    def reads(self) -> list[Read]:
        """What judging will read, to be read under the feed lock in one go: ``take``
        the answers, in this order."""
        reads = [self.histories.read()]
        if self.trusted_role is None:
            named = {e.payload.get("staff_id") for e in self.fresh}  # failed sign-ins name them
            actors = {e.actor for e in self.fresh} | {s for s in named if isinstance(s, str)}
            reads.append(self.roster.read(actors))
        return reads

    def take(self, answers: Iterator[list[tuple]]) -> None:
        self.histories.take(next(answers))
        if self.trusted_role is None:
            self.roster.take(next(answers))

    def roster_changed(self) -> None:
        self.roster.forget()

    def role_of(self, actor: str) -> tuple[str | None, str | None]:
        """(role, problem) for ``actor`` as the roster stands now."""
        if self.trusted_role is not None:
            return self.trusted_role, None
        if actor == DESK_ACTOR:
            return None, None
        found = self.roster.row(actor)
        if found is None:
            return None, f"{actor} is not on the roster"
        if not found.active:
            return None, f"{actor} has been removed from the roster"
        return found.role, None

    def reason(self, event: Event) -> str | None:
        try:
            get_kind(event.kind)
        except CxDeskError as exc:
            return exc.message
        if found := self.trust.envelope_reason(event):  # clock, origin, place (trust.py)
            return found
        role, problem = self.role_of(event.actor)
        problem = problem or self.signatures.problem(event)
        if problem:
            return problem
        if not may_author(event.kind, role, event.actor):
            return f"a {role or 'desk'} may not record {event.kind}"
        if found := self.prepared.payload_problems[event.id]:  # validated before the locks
            return found
        if found := self.trust.payload_reason(event):
            return found
        checks = checks_for(event.kind)
        if checks:
            history = self.histories.of(event)
            for check in checks:
                found = check(self.conn, event, history)
                if found:
                    return found
        return None


_DEVICE = "SELECT last_seq, last_hash, location, moved_from FROM devices WHERE id = :d"
_TOKEN_DEVICE = (
    "SELECT last_seq, last_hash, location, moved_from, id, location, revoked FROM devices "
    "WHERE token_hash = :h"
)


@dataclass(frozen=True)
class TokenCheck:
    """A desk's push: its device is the one holding the token it presented.

    That row is read (and locked) in the push's first round trip, and ``admit``
    judges it (device id, location, revoked; None if no device holds the token)
    before anything else in the push is: it raises to refuse (401, 403), exactly
    as a separate look-up first would. One read of the device row, not two.
    """

    token_hash: str
    admit: Callable[[tuple | None], None]


_COUNTER = "SELECT value FROM feed_counter WHERE id = 1"


def apply_push(
    conn: Connection,
    device: str,
    events: list[Event],
    *,
    trusted_role: str | None = None,
    commit: bool = False,
    token: TokenCheck | None = None,
) -> PushOutcome:
    """Place ``device``'s events in the feed; the caller owns the (write) transaction.

    ``commit``: the caller has nothing more to do in it, so on PostgreSQL the push's
    closing writes carry the COMMIT (``write_together``): the feed counter's lock is
    let go one round trip sooner, and pushes wait on each other that much less.
    ``token``: the device is found by the desk's token and admitted first (the route's
    check), in the same round trip as the push's first reads.
    """
    # With the keys last seen: the signatures verify while the push is checked and locked.
    verifying = start_verifying(events) if trusted_role is None else NONE_STARTED
    lock = _lock_clause(conn)
    try:
        if token is None:
            texts = check_envelopes(conn, device, events)
        # One round trip: the device locked, the ids already here, the signers' keys.
        found = Read(_DEVICE + lock, {"d": device})
        if token is not None:
            found = Read(_TOKEN_DEVICE + lock, {"h": token.token_hash})
        reads = [found, Read(_KNOWN, keys=[e.id for e in events])]
        if trusted_role is None:
            reads.append(keys_read(events))
        device_rows, known_rows, *key_rows = read_together(conn, reads)
        if token is not None:
            token.admit(tuple(device_rows[0][4:]) if device_rows else None)  # else raises
            texts = check_envelopes(conn, device, events)
        if not device_rows:
            raise PushRefused(403, "unknown-device", f"device {device} is not enrolled")
        last_seq, last_hash, location, moved_from = device_rows[0][:4]
        results, fresh = _sort_batch(device, events, int(last_seq), last_hash, _known(known_rows))
    except BaseException:
        verifying.cancel()  # nothing will be judged
        raise
    if not fresh:
        verifying.cancel()  # all retries: answered from what the server holds
        return PushOutcome(int(last_seq), results)
    if key_rows:  # any signature whose key the roster gives otherwise, verified too
        verify_more(verifying, fresh, key_rows[0])
    prepared = _Prepared.of(fresh, texts)  # the payloads, before the feed is locked
    judge = _Judge(conn, trusted_role, device, fresh, verifying, prepared, (location, moved_from))
    scope_writer = ScopeWriter(conn)
    # One round trip: the feed counter locked, then what judging and scoping will read,
    # read after the lock is granted (so as the feed stands at this push's place).
    memos = memo_reads_for({e.kind for e in fresh})  # what checks read once a push
    reads = [Read(_COUNTER + lock), *judge.reads(), *scope_writer.reads(fresh)]
    answers = iter(read_together(conn, reads + [Read(m.query, m.params) for m in memos]))
    counter = int(next(answers)[0][0])
    judge.take(answers)
    scope_writer.take(answers)
    start_memo(conn)
    try:
        for memo in memos:
            remember(conn, memo, next(answers))
        counter, placed, rows = _judge_all(conn, device, fresh, judge, counter, results, prepared)
    finally:
        stop_memo(conn)
    # Who may pull each one (DESIGN.md, "Who receives what"), and so whose held pulls to wake.
    reached, scope_rows = record_scope(conn, placed, scope_writer)
    last = fresh[-1]
    # One round trip: the rows, the feed counter and chain head moved on, the announcement.
    closing = [*rows, *scope_rows, *_advance(conn, device, counter, last, reached)]
    answer = write_together(conn, closing, commit=commit)
    receipt = None
    if answer:  # PostgreSQL: the receipt's epoch and head event, read by the last write
        _sent, epoch, top_id = answer[0]
        receipt = Receipt(
            epoch=epoch,
            device=device,
            last_seq=last.device_seq,
            last_hash=last.hash,
            head=counter,
            head_id=(top_id or "") if counter > 0 else "",
        )
    results.sort(key=lambda r: r.device_seq)
    return PushOutcome(last.device_seq, results, reached, receipt)


_ADVANCE = (
    "WITH c AS (UPDATE feed_counter SET value = :v WHERE id = 1), "
    "d AS (UPDATE devices SET last_seq = :s, last_hash = :h WHERE id = :d) "
    "SELECT pg_notify(:channel, :note), "
    "(SELECT epoch FROM epochs ORDER BY number DESC LIMIT 1), "
    "(SELECT id FROM events WHERE server_seq = :v)"
)
"""Also reads what the push's receipt says, after the rows went in, still under the
counter's lock (as ``signing.receipt`` would read it): no round trip of its own."""


def _advance(conn: Connection, device: str, counter: int, last: Event, reached) -> list[Write]:
    """The writes moving the feed counter and the device's chain head on, and announcing
    the new head (held pulls the events reach, in every API process, wake at commit):
    on PostgreSQL one statement."""
    params = {"v": counter, "s": last.device_seq, "h": last.hash, "d": device}
    if is_postgres(conn):
        return [Write(_ADVANCE, {**params, "channel": CHANNEL, "note": notice(counter, reached)})]
    return [  # SQLite: other processes' pollers read the new head (feed_watch)
        Write("UPDATE feed_counter SET value = :v WHERE id = 1", params),
        Write("UPDATE devices SET last_seq = :s, last_hash = :h WHERE id = :d", params),
    ]


def _judge_all(
    conn: Connection,
    device: str,
    fresh: list[Event],
    judge: _Judge,
    counter: int,
    results: list[PushResult],
    prepared: _Prepared,
) -> tuple[int, list[tuple[Event, int]], list[Write | None]]:
    """Judge the new events in order. Returns the counter, the accepted events with
    their places, and the writes of the accepted and rejected rows (for the caller's
    closing round trip)."""
    now = utc_now_text()
    texts, subjects = prepared.texts, prepared.subjects
    accepted: list[tuple] = []
    rejected: list[tuple] = []
    placed: list[tuple[Event, int]] = []

    def flush() -> None:
        write_together(conn, [insert_write(conn, "events", EVENT_ROW_COLUMNS, accepted)])
        accepted.clear()

    for event in fresh:
        reason = judge.reason(event)
        if reason is None:
            counter += 1
            subject = subjects[event.id]
            accepted.append(_event_row(event, texts[event.id], counter, now, subject))
            placed.append((event, counter))
            judge.histories.accepted(event, subject)
            if project_roster(conn, event):
                judge.roster_changed()
            if event.kind in FEED_STATE_KINDS:  # later checks read it back from the feed
                flush()
                forget_memo(conn)
                judge.trust.forget()
            results.append(
                PushResult(
                    id=event.id, device_seq=event.device_seq, status="accepted", server_seq=counter
                )
            )
        else:
            rejected.append(_rejected_row(event, reason, now))
            results.append(
                PushResult(
                    id=event.id, device_seq=event.device_seq, status="rejected", reason=reason
                )
            )
    rows = [
        insert_write(conn, "events", EVENT_ROW_COLUMNS, accepted),
        insert_write(conn, "rejected_events", REJECTED_ROW_COLUMNS, rejected),
    ]
    return counter, placed, rows


REJECTED_ROW_COLUMNS = (
    "device",
    "device_seq",
    "event_id",
    "kind",
    "actor",
    "hash",
    "reason",
    "rejected_at",
)


EVENT_ROW_COLUMNS = (
    "server_seq",
    "id",
    "kind",
    "payload",
    "payload_digest",
    "actor",
    "device",
    "location",
    "device_seq",
    "hlc",
    "prev_hash",
    "hash",
    "subject",
    "received_at",
    "signature",
)


def _event_row(event: Event, payload: str, server_seq: int, now: str, subject: str | None) -> tuple:
    """The ``events`` row of an accepted event, in ``EVENT_ROW_COLUMNS`` order."""
    return (
        server_seq,
        event.id,
        event.kind,
        payload,
        event.payload_digest,
        event.actor,
        event.device,
        event.location,
        event.device_seq,
        event.hlc,
        event.prev_hash,
        event.hash,
        subject,
        now,
        event.signature,
    )


def _rejected_row(event: Event, reason: str, now: str) -> tuple:
    """The ``rejected_events`` row of a rejected event, in ``REJECTED_ROW_COLUMNS`` order."""
    return (
        event.device,
        event.device_seq,
        event.id,
        event.kind,
        event.actor,
        event.hash,
        reason,
        now,
    )


def row_to_event(row) -> Event:
    m = row._mapping
    return Event(
        id=m["id"],
        kind=m["kind"],
        payload=json.loads(m["payload"]),
        payload_digest=m["payload_digest"],
        actor=m["actor"],
        device=m["device"],
        location=m["location"],
        device_seq=m["device_seq"],
        hlc=m["hlc"],
        prev_hash=m["prev_hash"],
        hash=m["hash"],
        signature=m["signature"],
    )
