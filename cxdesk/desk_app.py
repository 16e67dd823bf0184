"""``Desk``, what a screen may use of the desk app, and ``OnDesk``, which hands it over.

Textual types ``self.app`` as a plain ``App``, so a screen reaching for
``self.app.store`` is unknown to the type checker, and a stand-in app in a
test could quietly lack what the real one has. Screens and widgets mixed with
``OnDesk`` reach the desk only through ``self.desk``: the store, the settings,
the session, the sync worker's news, and the few things the desk remembers
between screens (the last wrap-up's channel, a palette task waiting for a
record, forms' drafts). ``Desk`` is exactly that surface: the app holds one
(``CxDeskApp.desk``), and the shared state lives on it rather than on the app.

Screens still use ``self.app`` for Textual's own calls (push a screen, call from
a thread, notify).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from cxdesk.errors import CxDeskError
from cxdesk.session import DeskSession

if TYPE_CHECKING:
    from textual.app import App

    from cxdesk.app import CxDeskApp
    from cxdesk.config import Settings
    from cxdesk.store.store import Store
    from cxdesk.sync.status import SyncStatus
    from cxdesk.sync.worker import SyncWorker
    from cxdesk.tasks import Task
    from cxdesk.typeahead import TypeAhead

FormDrafts = dict[tuple[str, str], dict[str, Any]]
"""Typed-in values of forms closed unsaved, by (form, resident) (``screens/discard.py``)."""


class Desk:
    """The desk app as screens and widgets see it: typed views of the app's state, and
    the little state screens share (the app holds one, made with it)."""

    def __init__(self, app: CxDeskApp) -> None:
        self._app = app
        self.last_contact_channel: str | None = None
        """The channel of the last wrap-up at this desk; the next one starts with it."""
        self.pending_record_task: Task | None = None
        """A palette task about a resident, waiting for their record to open (``cxdesk.tasks``)."""
        self.form_drafts: FormDrafts = {}
        """Forms closed unsaved keep what was typed here (``screens/discard.py``)."""

    @property
    def store(self) -> Store:
        """The open desk store (replaced when a revoked desk enrols afresh)."""
        return self._app.store

    @property
    def settings(self) -> Settings:
        return self._app.settings

    @property
    def session(self) -> DeskSession | None:
        """The person signed in, or None (``OnDesk.signed_in`` past sign-in)."""
        return self._app.session

    @property
    def locked(self) -> bool:
        return self._app.locked

    @property
    def sync(self) -> SyncWorker | None:
        """The sync worker, if this desk is enrolled with a central API."""
        return self._app.sync

    @property
    def sync_status(self) -> SyncStatus | None:
        """The sync worker's latest status (None until it reports)."""
        return self._app.sync_status

    @property
    def sync_text(self) -> str:
        """The header's sync status line ("" until the worker reports)."""
        return self._app.sync_text

    @property
    def typeahead(self) -> TypeAhead:
        return self._app.typeahead

    def sync_now(self) -> None:
        """Ask the sync worker for a round now (a notice if there is none)."""
        self._app.sync_now()


def desk_of(app: App[Any]) -> Desk:
    """``app`` as the desk; a screen or function handed an app that is not one is a bug."""
    from cxdesk.app import CxDeskApp  # here: the app module imports every screen's base

    if not isinstance(app, CxDeskApp):
        raise TypeError(f"cxdesk screens run only in CxDeskApp, not {type(app).__name__}")
    return app.desk


class OnDesk:
    """A screen or widget that only runs inside ``CxDeskApp``."""

    if TYPE_CHECKING:

        @property
        def app(self) -> App[Any]: ...

    @property
    def desk(self) -> Desk:
        """The desk app this screen or widget runs in."""
        return desk_of(self.app)

    @property
    def signed_in(self) -> DeskSession:
        """The session of the person signed in.

        Every screen past sign-in runs only while someone is signed in (signing
        out drops them), so no session here is a bug, not a state to handle.
        """
        session = self.desk.session
        if session is None:
            raise CxDeskError("Nobody is signed in at this desk.", title="Signed out")
        return session
