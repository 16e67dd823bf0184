"""The server's signed word on each pull page this desk applied (not a projection).

One row per page that carried events: the range of feed places it covered and
the server's signed mark of how many events it sent and their digest. ``cxdesk
admin verify`` recomputes each from the events the desk holds, so a feed event
deleted here together with its acknowledgement is caught. The rows are never
cleared by a projection rebuild (``tables`` is empty); a new epoch clears them,
because the desk then pulls the feed again from zero.
"""

from __future__ import annotations

from cxdesk.store.components import Component, register

V1 = """
CREATE TABLE feed_pages (
    after INTEGER PRIMARY KEY,
    next INTEGER NOT NULL,
    epoch TEXT NOT NULL,
    mark TEXT NOT NULL                      -- the signed mark (JSON)
);
"""

# A resident's history that reached this desk with a later grant (pull scoping):
# such an event sits at a feed place below the page that brought it, so the
# audit counts it in that page, not in the page whose range holds its place.
V2 = """
CREATE TABLE feed_backfill (
    event_id TEXT PRIMARY KEY,
    page_after INTEGER NOT NULL             -- the page (by its cursor) that brought it
);
"""

feed_audit = register(Component("feed_audit", migrations=[V1, V2]))
