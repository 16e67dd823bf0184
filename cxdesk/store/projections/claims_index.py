"""The claims index on the desk: the council's issues as match keys (not a projection).

Every desk receives it with its pull pages (``cxdesk.sync.server.claims``), so
the repeat-claim check finds a claim made at a location whose residents this
desk does not hold, while offline. Rows are keyed by issue; a void replaces the
row's status. Not rebuilt from the log (``tables`` is empty): it is the
server's word, refreshed when the desk pulls from zero.
"""

from __future__ import annotations

from cxdesk.store.components import Component, register

V1 = """
CREATE TABLE claims_index (
    issue_id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    record_key TEXT NOT NULL,
    given_key TEXT NOT NULL,
    family_key TEXT NOT NULL,
    dob_key TEXT NOT NULL,
    postcode_key TEXT NOT NULL,
    at_ms INTEGER NOT NULL,
    location TEXT NOT NULL,
    status TEXT NOT NULL
);
CREATE INDEX claims_index_kind_at ON claims_index (kind, at_ms);
"""

claims = register(Component("claims_index", migrations=[V1]))

UPSERT = (
    "INSERT INTO claims_index (issue_id, kind, record_key, given_key, family_key, dob_key, "
    "postcode_key, at_ms, location, status) VALUES (?,?,?,?,?,?,?,?,?,?) "
    "ON CONFLICT (issue_id) DO UPDATE SET status = excluded.status"
)
