"""The desk side of a changed rule: residents who moved away, and this desk moved.

Store-internal: ``cxdesk.store.sync_commands`` calls these inside the
transaction that applies a feed page.

The server decides; the desk never guesses. Each pull answer names, signed in
its mark, where the server has this desk now and which residents a
``CustomerMoved`` took from its location in the page's range (DESIGN.md, "Who
receives what"). The desk then, inside the transaction that applies the page:

- **a resident dropped**: blanks the events it holds about them
  (``store.projections.scope_drops``), except what still reaches this desk by
  place (an issue its location made counts in its stock; an address marker goes
  everywhere) and its own events the server has not acknowledged, or rejected:
  unsent work is never lost, and is dropped once the server has it;
- **this desk moved**: keeps what every desk receives and what reaches its new
  location by place, its own unsent and rejected events; blanks the rest; and
  starts the feed again from zero (signed pages forgotten), so the new
  location's share arrives with the same round and blanked events that belong
  to it come back whole.

The words for what happened are kept in ``sync_state`` (``SCOPE_NEWS``) for
F8 and the one-line notice.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable
from typing import TYPE_CHECKING

from cxdesk.store.eventlog import EVENT_COLUMNS, row_to_event
from cxdesk.store.projections.scope_drops import blank_event
from cxdesk.sync import scope  # the rule itself: plain Python, shared with the server

if TYPE_CHECKING:
    from cxdesk.events.envelope import Event

SCOPE_NEWS = "scope_news"
"""sync_state: what the last scope change did, in words (F8 and the notice)."""
_SELECT = ", ".join("e." + c.strip() for c in EVENT_COLUMNS.split(","))


class _Here:
    """This desk's audiences, and the rule's look-ups answered from what it holds."""

    def __init__(self, conn: sqlite3.Connection, device: str, location: str) -> None:
        self.conn, self.device = conn, device
        kind = conn.execute(
            "SELECT kind FROM location_names_v WHERE location_id = ?", (location,)
        ).fetchone()
        self.audiences = set(scope.audiences(location, kind[0] if kind else None))
        self._private: dict[str, str | None] = {}

    def private_referral(self, referral_id: str) -> str | None:
        if referral_id not in self._private:
            row = self.conn.execute(
                "SELECT location FROM events WHERE kind = 'ReferralRaised' "
                "AND json_extract(payload, '$.referral_id') = ? "
                "AND json_extract(payload, '$.advice_only')",
                (referral_id,),
            ).fetchone()
            self._private[referral_id] = row[0] if row else None
        return self._private[referral_id]

    def reaches_by_place(self, event: Event) -> bool:
        """Whether this desk receives the event whatever residents it holds."""
        try:
            found = scope.targets(event, event.location, self.private_referral)
        except (KeyError, TypeError):
            return False  # a payload the rule cannot read: nothing keeps it here by place
        return any(not t.via_grant and t.name in self.audiences for t in found)

    def keeps_own(self, event: Event, status: str | None) -> bool:
        """Own work the server has not acknowledged, or rejected (F8 shows it), stays."""
        return event.device == self.device and status not in ("accepted", "duplicate")


def drop_residents(
    conn: sqlite3.Connection, device: str, location: str, customer_ids: Iterable[str]
) -> int:
    """Drop what this desk holds about these residents; returns how many events."""
    ids = list(dict.fromkeys(customer_ids))
    conn.executemany(
        "INSERT OR IGNORE INTO dropped_residents (customer_id) VALUES (?)", [(c,) for c in ids]
    )
    return _drop_about(conn, _Here(conn, device, location), ids)


def drop_pending(conn: sqlite3.Connection, device: str, location: str) -> int:
    """Own events about dropped residents, unsent at the drop, that the server has now.

    A resident stays listed only while some of this desk's own events about them
    are still unsent, so the list (and this scan) stays short.
    """
    ids = [r[0] for r in conn.execute("SELECT customer_id FROM dropped_residents")]
    if not ids:
        return 0
    count = _drop_about(conn, _Here(conn, device, location), ids)
    conn.execute(
        "DELETE FROM dropped_residents WHERE NOT EXISTS (SELECT 1 FROM events e "
        "LEFT JOIN event_acks a ON a.event_id = e.id WHERE e.device = ? "
        "AND (a.status IS NULL OR a.status = 'rejected') "
        "AND json_extract(e.payload, '$.customer_id') = dropped_residents.customer_id)",
        (device,),
    )
    return count


def forget_regranted(conn: sqlite3.Connection, device: str, location: str, events) -> None:
    """Residents the feed brings again (another desk's event, by grant): held again."""
    here = _Here(conn, device, location)
    again = {
        e.payload.get("customer_id")
        for e in events
        if e.device != device and e.payload.get("customer_id") and not here.reaches_by_place(e)
    }
    conn.executemany(
        "DELETE FROM dropped_residents WHERE customer_id = ?", [(c,) for c in again if c]
    )


def _drop_about(conn: sqlite3.Connection, here: _Here, customer_ids: list[str]) -> int:
    count = 0
    for customer_id in customer_ids:
        rows = conn.execute(
            f"SELECT {_SELECT}, a.status FROM events e "
            "LEFT JOIN event_acks a ON a.event_id = e.id "
            "WHERE json_extract(e.payload, '$.customer_id') = ?",
            (customer_id,),
        ).fetchall()
        for row in rows:
            event, status = row_to_event(row[:-1]), row[-1]
            if here.keeps_own(event, status) or here.reaches_by_place(event):
                continue
            blank_event(conn, event.id, customer_id)
            count += 1
    return count


def move_desk(conn: sqlite3.Connection, device: str, old: str, new: str) -> tuple[int, int]:
    """This desk is now at ``new``: drop what it may not hold there, and pull from zero.

    Returns (events dropped, own events kept until the server has them). One
    transaction with the page that said so: a crash leaves the desk where it was,
    and the next round learns the move again.
    """
    conn.execute("UPDATE desk SET location = ?", (new,))
    here = _Here(conn, device, new)
    dropped = kept_own = 0
    pending: set[str] = set()
    rows = conn.execute(
        f"SELECT {_SELECT}, a.status FROM events e LEFT JOIN event_acks a ON a.event_id = e.id "
        "WHERE e.id NOT IN (SELECT event_id FROM dropped_events)"
    ).fetchall()
    for row in rows:
        event, status = row_to_event(row[:-1]), row[-1]
        customer = _customer_of(event)
        if here.keeps_own(event, status):
            kept_own += 1
            if customer:
                pending.add(customer)  # dropped once sent, unless the new place holds them
            continue
        if here.reaches_by_place(event):
            continue
        blank_event(conn, event.id, customer)
        dropped += 1
    conn.executemany(
        "INSERT OR IGNORE INTO dropped_residents (customer_id) VALUES (?)",
        [(c,) for c in sorted(pending)],
    )
    # The signed pages described the old location's share; the feed starts again.
    conn.execute("DELETE FROM feed_pages")
    conn.execute("DELETE FROM feed_backfill")
    conn.execute("UPDATE event_acks SET server_seq = NULL")
    return dropped, kept_own


def _customer_of(event: Event) -> str | None:
    found = event.payload.get("customer_id")
    return found if isinstance(found, str) else None


def news_of_move(old: str, new: str, dropped: int, kept_own: int) -> str:
    text = (
        f"This desk was moved from {old} to {new} by the administrator: {dropped} records "
        f"{new} may not hold were removed from it, and {new}'s records are being received."
    )
    if kept_own:
        text += f" {kept_own} of this desk's own records not yet sent are kept and sent."
    return text


def news_of_drops(location: str, residents: int, events: int) -> str:
    people = "1 resident" if residents == 1 else f"{residents} residents"
    return (
        f"{people} moved away from {location}: their records ({events}) were removed "
        "from this desk."
    )


def news_payload(text: str, stamp: str) -> str:
    return json.dumps({"text": text, "at": stamp})
