"""Tests (and benchmarks) look inside the desk store's tables; the app cannot.

The store's public surface is its query and command modules; raw SQL is
private to ``cxdesk.store`` (``tests/test_closed_store.py``). A test that checks
what a projection wrote, or sets up an odd state, reads the tables through here.
"""

from __future__ import annotations

from cxdesk.store._sql import query, scalar

__all__ = ["query", "scalar"]
