"""The core of every store: the append-only event log, acknowledgements, desk identity.

The event table refuses UPDATE and DELETE by trigger. What the server later
says about an event (its place in the feed, or a rejection) is kept beside it
in ``event_acks``, so the log itself never changes once written.
"""

from __future__ import annotations

from cxdesk.store.components import Component, register

V1 = """
CREATE TABLE desk (
    only_row INTEGER PRIMARY KEY CHECK (only_row = 1),
    device_id TEXT NOT NULL,
    location TEXT NOT NULL,
    created_at TEXT NOT NULL
);

CREATE TABLE events (
    rowid_ INTEGER PRIMARY KEY,             -- local apply order
    id TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL,
    payload TEXT NOT NULL,                  -- canonical JSON
    payload_digest TEXT NOT NULL,
    actor TEXT NOT NULL,
    device TEXT NOT NULL,
    location TEXT NOT NULL,
    device_seq INTEGER NOT NULL CHECK (device_seq >= 1),
    hlc TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL,
    UNIQUE (device, device_seq)
);
CREATE INDEX events_kind ON events (kind);

CREATE TRIGGER events_no_update BEFORE UPDATE ON events
BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;
CREATE TRIGGER events_no_delete BEFORE DELETE ON events
BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;

CREATE TABLE event_acks (
    event_id TEXT PRIMARY KEY REFERENCES events (id),
    status TEXT NOT NULL CHECK (status IN ('accepted', 'duplicate', 'rejected')),
    server_seq INTEGER UNIQUE,
    reason TEXT,
    acked_at TEXT NOT NULL
);

CREATE TABLE sync_state (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE VIEW event_log AS
SELECT e.*, a.server_seq, a.status AS ack_status, a.reason AS ack_reason
FROM events e LEFT JOIN event_acks a ON a.event_id = e.id;
"""

# V2: the author's signature over the event's hash (outside the hash, so the
# chain is unchanged; ADD COLUMN does not fire the no-update trigger).
V2 = "ALTER TABLE events ADD COLUMN signature TEXT;"

# V3: an acknowledgement is found by its event's id, so the table is clustered by it
# (``WITHOUT ROWID``: one b-tree, not a table and its key's index), and it no longer
# declares ``REFERENCES events (id)``. Each pulled event wrote three b-trees here and
# looked its event up once more for the foreign key; now two, and no look-up. The key
# checked nothing: an event is never deleted and never changes its id (the log's
# triggers), and every acknowledgement is written for an event the desk holds, found
# or inserted in the same transaction. ``server_seq`` stays unique and indexed: signed
# pages and receipts are checked by feed place. The view is made again around the
# swap, as it names the table.
V3 = """
DROP VIEW event_log;
CREATE TABLE event_acks_by_event (
    event_id TEXT PRIMARY KEY,
    status TEXT NOT NULL CHECK (status IN ('accepted', 'duplicate', 'rejected')),
    server_seq INTEGER UNIQUE,
    reason TEXT,
    acked_at TEXT NOT NULL
) WITHOUT ROWID;
INSERT INTO event_acks_by_event (event_id, status, server_seq, reason, acked_at)
SELECT event_id, status, server_seq, reason, acked_at FROM event_acks;
DROP TABLE event_acks;
ALTER TABLE event_acks_by_event RENAME TO event_acks;
CREATE VIEW event_log AS
SELECT e.*, a.server_seq, a.status AS ack_status, a.reason AS ack_reason
FROM events e LEFT JOIN event_acks a ON a.event_id = e.id;
"""

# V4: the status check spelled with ``OR`` instead of ``IN (...)``. SQLite builds a
# throwaway index for an ``IN`` list each time a statement runs, so a page's
# ``executemany`` of acknowledgements built one per row (about 2.5 us of the desk's
# 7 us an acknowledgement); the same three values are allowed. Rebuilt as in V3.
V4 = """
DROP VIEW event_log;
CREATE TABLE event_acks_v4 (
    event_id TEXT PRIMARY KEY,
    status TEXT NOT NULL
        CHECK (status = 'accepted' OR status = 'duplicate' OR status = 'rejected'),
    server_seq INTEGER UNIQUE,
    reason TEXT,
    acked_at TEXT NOT NULL
) WITHOUT ROWID;
INSERT INTO event_acks_v4 (event_id, status, server_seq, reason, acked_at)
SELECT event_id, status, server_seq, reason, acked_at FROM event_acks;
DROP TABLE event_acks;
ALTER TABLE event_acks_v4 RENAME TO event_acks;
CREATE VIEW event_log AS
SELECT e.*, a.server_seq, a.status AS ack_status, a.reason AS ack_reason
FROM events e LEFT JOIN event_acks a ON a.event_id = e.id;
"""

core = register(Component("core", migrations=[V1, V2, V3, V4]))
