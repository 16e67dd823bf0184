"""The desk's local SQLite store: event log, projections, and the queries screens use."""

from cxdesk.store.store import Store, open_store

__all__ = ["Store", "open_store"]
