"""Feed order and "not rejected", said once for every query in the store.

Projections converge because every desk reads an entity's history in the same
order: the server's place in the feed (``server_seq``) for synced events, then
this desk's apply order (``rowid_``) for events the server has not placed yet,
which sort after every synced one. An event the server rejected counts for
nothing. Each history table joins its events with ``join_events`` and then uses
``NOT_REJECTED`` and ``ORDER`` (or ``LATEST_FIRST``); no query spells the rule
out by hand, so a query cannot get it half right (``ORDER DESC`` would reverse
only the last key, and the oldest version would win).

The fragments use the aliases ``e`` (the event) and ``a`` (its acknowledgement).
"""

from __future__ import annotations

UNSYNCED = 9e18
"""Feed place of an event the server has not placed yet: after every synced one."""

PLACE = "COALESCE(a.server_seq, 9e18)"  # 9e18: UNSYNCED
"""The event's feed place; ties (unsynced events) are broken by ``e.rowid_``."""

ORDER = f"{PLACE}, e.rowid_"
"""Oldest first, in feed order."""

LATEST_FIRST = f"{PLACE} DESC, e.rowid_ DESC"
"""Newest first, in feed order: both keys descending."""

NOT_REJECTED = "(a.status IS NULL OR a.status != 'rejected')"
"""The event counts: the server accepted it, or has not answered yet."""


def join_events(event_id: str, *, outer: bool = False) -> str:
    """Join the event whose id is in column ``event_id`` (as ``e``) and its acknowledgement
    (as ``a``, absent until the server answers); ``outer`` keeps rows with no event."""
    join = "LEFT JOIN" if outer else "JOIN"
    return f"{join} events e ON e.id = {event_id} LEFT JOIN event_acks a ON a.event_id = e.id"
