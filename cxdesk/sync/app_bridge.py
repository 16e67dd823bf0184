"""Starting the sync worker inside the desk app, and its messages to the app.

The worker runs as a Textual async worker on the app's event loop; it does its
SQLite work in threads, so the screen never waits for it. Its status reaches
the app as ``SyncStateChanged`` messages (replaceable: only the newest one
matters), and the app turns each into the header's text. A local event pokes
the worker through the store's listeners, so it is sent within moments.
"""

from __future__ import annotations

from textual.message import Message

from cxdesk.sync.status import SyncStatus

REFRESH_SECONDS = 10.0
"""How often the header's "synced 12s ago" is redrawn without a new status."""


class SyncStateChanged(Message):
    """The sync worker's status changed (or the header's ages need redrawing)."""

    def __init__(self, status: SyncStatus) -> None:
        super().__init__()
        self.status = status

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, SyncStateChanged)


class DeskWasRevoked(Message):
    """The central API answered that this very desk was revoked; the worker has stopped."""

    def __init__(self, error) -> None:
        super().__init__()
        self.error = error


class ScopeChanged(Message):
    """A sync changed what this desk holds: residents moved away, or the desk was moved."""

    def __init__(self, news: list[str], moved_to: str | None) -> None:
        super().__init__()
        self.news, self.moved_to = news, moved_to


def _round_news(app, report) -> None:
    if report.news:
        app.post_message(ScopeChanged(list(report.news), report.moved_to))


def start_sync(app):
    """Start ``app.sync`` (or make one if this desk is enrolled); returns it or None."""
    from cxdesk.sync.desk import make_worker, sync_configured

    if app.sync is None and sync_configured(app.settings, app.store):
        app.sync = make_worker(app.settings, app.store)
    worker = app.sync
    if worker is None:
        return None
    worker.on_change = lambda status: app.post_message(SyncStateChanged(status))
    worker.on_revoked = lambda error: app.post_message(DeskWasRevoked(error))
    worker.on_round = lambda report: _round_news(app, report)
    app.store.listeners.append(lambda _event: worker.poke())
    app.run_worker(worker.run(), name="sync", group="sync", exclusive=True, exit_on_error=False)
    app.set_interval(
        REFRESH_SECONDS,
        # Only while this worker is the app's (a revoked desk's worker is gone).
        lambda: app.sync is worker and app.post_message(SyncStateChanged(worker.status)),
        name="sync-age",
    )
    return worker
