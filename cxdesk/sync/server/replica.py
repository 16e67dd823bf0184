"""Pulls served from a read replica (``cxdesk serve --read-db``), never behind the desk.

A replica applies the primary's commits a little later. A desk treats an answer
from the past as a restore (DESIGN.md, "Sync"): another epoch than the one it
knows, a head below its cursor, or its own location changed back. So a pull is
served from the replica only when the replica has caught up with everything the
desk can know, its *floor*:

- the epoch and head of every receipt and mark the desk sent back (a desk
  always sends its latest), and its cursor ``after``;
- the head this API process has heard of (``FeedWatch.head``), so a held pull
  woken by a commit re-reads where the commit is, rather than spinning on a
  replica that has not got it yet;
- the desk's location as its last mark named it (a move not yet on the replica
  would look like a move back).

Otherwise, or when the replica does not know the device yet (enrolled a moment
ago), the pull is served by the primary. The proofs need not be verified for
this: a desk that lies about its floor only sends its own pull to the primary.
Restore checks (``signing.notice_restore``) always read the primary.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection

from cxdesk.sync.receipts import Signed
from cxdesk.sync.server.feed import epoch_and_head


@dataclass(frozen=True)
class Floor:
    """What the desk already knows of the feed: no answer may be older than this."""

    head: int
    epochs: frozenset[str]
    location: str | None


def floor_of(proofs: list[Signed], after: int, heard: int) -> Floor:
    heads, epochs, location = [after, heard], set(), None
    for proof in proofs:
        statement = proof.receipt() or proof.mark()
        if statement is None:
            continue
        heads.append(statement.head)
        epochs.add(statement.epoch)
        if (mark := proof.mark()) is not None and mark.location:
            location = mark.location
    return Floor(max(heads), frozenset(epochs), location)


def caught_up(conn: Connection, floor: Floor) -> bool:
    """Whether this (replica) snapshot is at or past the desk's floor, in its epoch."""
    epoch, top = epoch_and_head(conn)
    return top >= floor.head and floor.epochs <= {epoch}
