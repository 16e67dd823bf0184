"""How many migrations each desk-store component has: what a current store records.

Opening a store compares its ``schema_components`` rows with this table first:
when they match, nothing needs migrating and the projection modules (which
declare the migrations themselves) stay unimported until the first event is
recorded or applied, so the sign-in screen does not wait for them.
``tests/test_schema_versions.py`` fails when a component gains a migration and
this table is not brought up to date with it.
"""

from __future__ import annotations

CURRENT: dict[str, int] = {
    "core": 4,
    "cautions": 1,
    "claims_index": 1,
    "contacts": 2,
    "crisis": 3,
    "customers": 5,
    "directory": 1,
    "erasure": 1,
    "feed_audit": 2,
    "feed_refusals": 1,
    "stock": 3,
    "issuing": 6,
    "referrals": 1,
    "scope_drops": 1,
    "staff": 7,
    "supervision": 1,
}
