"""The central API's signing key, its receipts and marks, and restores proven by desks.

The key lives in ``server_meta`` (made once, at start-up): a backup carries it
with the events it vouches for, so a database restored onto a rebuilt server
still speaks with the voice the desks pinned. Whoever can read the central
database can already change the feed, so the key adds no new secret to guard.

``notice_restore`` is the half of restore detection that needs nothing outside
the database: a desk presents the latest receipt and mark the server signed; if
the server, in that same epoch, no longer holds what it signed (a device chain
shorter or different, a feed place past the head or holding another event), the
database went back in time, and a new epoch starts at once.
"""

from __future__ import annotations

import threading
import time

from sqlalchemy import Connection, Engine, text

from cxdesk.sync import receipts
from cxdesk.sync.receipts import Mark, Receipt, Signed
from cxdesk.sync.server.db import is_postgres, read_transaction, write_transaction
from cxdesk.sync.server.epochs import start_new_epoch
from cxdesk.sync.server.feed import epoch_and_head

KEY_ROW = "signing_key"


def ensure_key(engine: Engine) -> receipts.SigningKey:
    """This database's signing key, made on first use."""
    with write_transaction(engine) as conn:
        # API processes starting together: the first key written wins, all read it back.
        conn.execute(
            text("INSERT INTO server_meta (key, value) VALUES (:k, :v) ON CONFLICT DO NOTHING"),
            {"k": KEY_ROW, "v": receipts.key_hex(receipts.new_key())},
        )
        row = conn.execute(
            text("SELECT value FROM server_meta WHERE key = :k"), {"k": KEY_ROW}
        ).scalar_one()
    return receipts.key_from_hex(row)


def feed_id_at(conn: Connection, server_seq: int) -> str:
    if server_seq <= 0:
        return ""
    found = conn.execute(
        text("SELECT id FROM events WHERE server_seq = :s"), {"s": server_seq}
    ).scalar()
    return found or ""


_RECEIPT = text(
    "SELECT (SELECT epoch FROM epochs ORDER BY number DESC LIMIT 1), c.value, "
    "(SELECT id FROM events WHERE server_seq = c.value), d.last_seq, d.last_hash "
    "FROM feed_counter c JOIN devices d ON d.id = :d WHERE c.id = 1"
)


def receipt(conn: Connection, key, device: str, known: Receipt | None = None) -> Signed:
    """A signed receipt of ``device``'s chain head as the caller's transaction sees it.

    ``known``: the statement, read already (``push.PushOutcome.receipt``); else one
    round trip (epoch, head, the head's event and the chain): a push asks for it
    while it still holds the feed counter's lock.
    """
    if known is not None:
        return receipts.sign(key, known)
    epoch, top, top_id, last_seq, last_hash = conn.execute(_RECEIPT, {"d": device}).one()
    top = int(top)
    statement = Receipt(
        epoch=epoch,
        device=device,
        last_seq=int(last_seq),
        last_hash=last_hash,
        head=top,
        head_id=(top_id or "") if top > 0 else "",
    )
    return receipts.sign(key, statement)


def mark(
    conn: Connection,
    key,
    device: str = "",
    after: int = 0,
    page=None,
    at: tuple[str, int, str] | None = None,
) -> Signed:
    """The feed head, and (with ``page``) what the pull page after ``after`` carried.

    ``at``: the epoch, head and head's event id, already read in this transaction's
    snapshot (``deps.open_pull``); else they are read here.
    """
    if at is None:
        epoch, top = epoch_and_head(conn)
        at = (epoch, top, feed_id_at(conn, top))
    epoch, top, top_id = at
    count, digest = (page.count, page.hexdigest()) if page is not None else (0, "")
    location, drops = (page.location, page.drops_hexdigest()) if page is not None else ("", "")
    statement = Mark(
        epoch=epoch,
        head=top,
        head_id=top_id,
        device=device,
        after=after,
        count=count,
        digest=digest,
        location=location,
        drops=drops,
    )
    return receipts.sign(key, statement)


def _device_hash_at(conn: Connection, device: str, seq: int) -> str | None:
    """The hash of ``device``'s event ``seq`` here, accepted or rejected; None if absent."""
    found = conn.execute(
        text("SELECT hash FROM events WHERE device = :d AND device_seq = :s"),
        {"d": device, "s": seq},
    ).scalar()
    if found is None:
        found = conn.execute(
            text("SELECT hash FROM rejected_events WHERE device = :d AND device_seq = :s"),
            {"d": device, "s": seq},
        ).scalar()
    return found


def _feed_problem(conn: Connection, top: int, head: int, head_id: str) -> str | None:
    if head > top:
        return f"a desk holds feed place {head}, beyond the head {top}"
    if head and feed_id_at(conn, head) != head_id:
        return f"feed place {head} now holds another event than the one it held"
    return None


def behind(conn: Connection, proofs: list[Signed], public: str) -> str | None:
    """Why the database is behind what it signed in this epoch, or None if it is not."""
    epoch, top = epoch_and_head(conn)
    for proof in proofs:
        if not receipts.verified(public, proof) or proof.body.get("epoch") != epoch:
            continue  # another epoch's statement proves nothing about this one
        if (r := proof.receipt()) is not None:
            found = conn.execute(
                text("SELECT last_seq FROM devices WHERE id = :d"), {"d": r.device}
            ).scalar()
            if found is None or int(found) < r.last_seq:
                return f"{r.device} holds a receipt for #{r.last_seq}, the server has #{found or 0}"
            if r.last_seq and _device_hash_at(conn, r.device, r.last_seq) != r.last_hash:
                return f"{r.device} #{r.last_seq} is not the event the server signed for"
            problem = _feed_problem(conn, top, r.head, r.head_id)
        elif (m := proof.mark()) is not None:
            problem = _feed_problem(conn, top, m.head, m.head_id)
        else:
            problem = None
        if problem:
            return problem
    return None


def proofs_from(headers) -> list[Signed]:
    found = [
        receipts.from_header(headers.get(name))
        for name in (receipts.RECEIPT_HEADER, receipts.MARK_HEADER)
    ]
    return [p for p in found if p is not None]


RECHECK_SECONDS = 5.0


class SeenProofs:
    """Proofs this API process found consistent lately, so each is looked at again
    only after ``RECHECK_SECONDS``: desks send the same receipt and mark round
    after round (a push and its pull, page after page), and a restore under a
    running server is still noticed within seconds (one made across a restart
    at once: the app starts afresh)."""

    def __init__(self) -> None:
        self._seen: dict[str, float] = {}
        self._lock = threading.Lock()

    def unchecked(self, proofs: list[Signed]) -> list[Signed]:
        due = time.monotonic() - RECHECK_SECONDS
        with self._lock:
            return [p for p in proofs if self._seen.get(p.sig, due) <= due]

    def note(self, proofs: list[Signed]) -> None:
        now = time.monotonic()
        with self._lock:
            if len(self._seen) > 50_000:  # bounded: one or two entries per desk in use
                self._seen.clear()
            for proof in proofs:
                self._seen[proof.sig] = now


def notice_restore(
    engine: Engine, key, proofs: list[Signed], seen: SeenProofs | None = None
) -> str | None:
    """Start a new epoch if a desk's signed proof shows a restore; returns it if so."""
    if seen is not None:
        proofs = seen.unchecked(proofs)
    if not proofs:
        return None
    public = receipts.public_hex(key)
    with read_transaction(engine) as conn:
        if behind(conn, proofs, public) is None:
            if seen is not None:
                seen.note(proofs)
            return None
    with write_transaction(engine) as conn:  # again under the write lock: one new epoch only
        lock = " FOR UPDATE" if is_postgres(conn) else ""
        conn.execute(text(f"SELECT value FROM feed_counter WHERE id = 1{lock}"))
        reason = behind(conn, proofs, public)
        return None if reason is None else start_new_epoch(conn, f"restored: {reason}")


def refuse_contradiction(conn: Connection, device: str, events, proofs: list[Signed], key) -> None:
    """409 if this push re-sends an event the desk's own receipt says was something else.

    After a restore the server may have lost the events a receipt vouched for;
    the desk sends them again, and they must be exactly the ones signed for.
    """
    from cxdesk.sync.server.push import PushRefused

    public = receipts.public_hex(key)
    for proof in proofs:
        r = proof.receipt()
        if r is None or r.device != device or not receipts.verified(public, proof):
            continue
        for event in events:
            if event.device_seq == r.last_seq and event.hash != r.last_hash:
                raise PushRefused(
                    409,
                    "receipt",
                    f"{device} #{r.last_seq} is not the event the server gave a receipt for",
                    r.last_seq,
                )
