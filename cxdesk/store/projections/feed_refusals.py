"""Feed events this desk refused because they do not verify, kept for the F8 screen.

The central API checks every event before it enters the feed, but the desk
does not take the feed's word either: a database edited behind the server's
back, a proxy that rewrites answers, or an event accepted by an older server
must not reach this desk's tables, and must not stop its sync. Each new feed
event is checked here before it is stored (``refusal_reason``): its payload
digest, its hash and its clock value. (Payloads are not re-validated: the
server validated them under the model of its day, and a later model must not
make a desk refuse history.)
One that fails is not stored or projected; it is recorded in
``feed_refusals`` with the reason (shown on F8), and the desk's cursor moves
past it so the rest of the feed still arrives.

``feed_refusals`` is not a projection (a rebuild keeps it): it records what
this desk saw, not something derived from its log.
"""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from cxdesk.events.envelope import canonical_json, parse_hlc
from cxdesk.store import _sql
from cxdesk.store.components import Component, register

if TYPE_CHECKING:
    from cxdesk.events.envelope import Event

V1 = """
CREATE TABLE feed_refusals (
    event_id TEXT PRIMARY KEY,
    server_seq INTEGER,
    kind TEXT NOT NULL,
    device TEXT NOT NULL,
    actor TEXT NOT NULL,
    reason TEXT NOT NULL,
    refused_at TEXT NOT NULL
);
"""

feed_refusals = register(Component("feed_refusals", migrations=[V1]))


def _erased_as_said(event: Event) -> bool:
    """The server says an erasure blanked it, and only personal fields differ from blank."""
    from cxdesk.domain.erasure import blank

    return (
        bool(getattr(event, "erased", False)) and blank(event.kind, event.payload) == event.payload
    )


def refusal_reason(event: Event, payload_text: str | None = None) -> str | None:
    """Why a feed event new to this desk cannot be stored, or None if it verifies.

    ``payload_text``, if given, is ``canonical_json(event.payload)`` already made.
    """
    if payload_text is None:
        digest_ok = event.digest_ok()
    else:
        digest_ok = hashlib.sha256(payload_text.encode()).hexdigest() == event.payload_digest
    if not digest_ok and not _erased_as_said(event):
        return "its payload does not match its digest"
    if not event.hash_ok():
        return "its hash does not match its fields"
    try:
        _ms, _counter, owner = parse_hlc(event.hlc)
    except ValueError:
        return f"its clock value {event.hlc[:40]!r} is malformed"
    if owner != event.device:
        return f"its clock value names device {owner[:40]!r}, not {event.device[:40]}"
    return None


def screen(
    events: Iterable[tuple[Event, int]],
) -> Iterator[tuple[Event, int, str, str | None]]:
    """Each feed event with its canonical payload text and ``refusal_reason`` (None: it
    verifies), the checks made in one tight loop for a pull page.

    The payload is written by orjson (sorted keys) and its SHA-256 compared with the
    event's digest, the chain fields likewise (``chain_hash_of_text``'s fast path,
    inline). A match proves the text is the canonical one (it has the very digest the
    author's canonical text had), so it is stored; anything else (a float orjson spells
    its own way, a lone surrogate, a real mismatch) takes ``refusal_reason``'s own path
    over ``canonical_json``, the definition, which decides. The clock value is parsed
    once.
    """
    import orjson  # here, not at the top: the desk's first frame does not wait for it

    dumps, sort, sha256 = orjson.dumps, orjson.OPT_SORT_KEYS, hashlib.sha256
    for event, server_seq in events:
        try:
            payload = dumps(event.payload, option=sort)
            chain = dumps(event.chain_fields(), option=sort)  # chain_hash_of_text, inline
        except TypeError:  # orjson.JSONEncodeError: a value orjson will not write
            payload = chain = b""
        if (
            sha256(payload).hexdigest() == event.payload_digest
            and sha256(chain).hexdigest() == event.hash
        ):
            try:
                owner = parse_hlc(event.hlc)[2]
            except ValueError:
                owner = None
            if owner == event.device:
                yield event, server_seq, payload.decode(), None
                continue
        text = canonical_json(event.payload)
        yield event, server_seq, text, refusal_reason(event, text)


def record_refusal(
    conn: sqlite3.Connection, event: Event, server_seq: int | None, reason: str, at: str
) -> None:
    conn.execute(
        "INSERT INTO feed_refusals (event_id, server_seq, kind, device, actor, reason, "
        "refused_at) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (event_id) DO UPDATE SET "
        "reason = excluded.reason, refused_at = excluded.refused_at",
        (
            event.id,
            server_seq,
            event.kind[:64],
            event.device[:64],
            event.actor[:40],
            reason[:300],
            at,
        ),
    )


@dataclass(frozen=True, slots=True)
class RefusedFeedEvent:
    """A feed event this desk refused because it did not verify (never stored)."""

    event_id: str
    server_seq: int | None
    kind: str
    device: str
    actor: str
    reason: str
    refused_at: str


def refused_feed_events(store, limit: int = 200) -> list[RefusedFeedEvent]:
    """Feed events this desk refused, newest first, for F8."""
    rows = _sql.query(
        store,
        "SELECT event_id, server_seq, kind, device, actor, reason, refused_at "
        "FROM feed_refusals ORDER BY refused_at DESC LIMIT ?",
        (limit,),
    )
    return [RefusedFeedEvent(*r) for r in rows]
