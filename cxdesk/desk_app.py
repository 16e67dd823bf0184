"""``OnDesk``: mixed into screens and widgets so that ``self.app`` is typed as the desk app.

Textual types ``app`` as a plain ``App``, so ``self.app.store`` would be unknown
to the type checker. At run time the mixin only adds ``signed_in``: the session,
never None.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from cxdesk.errors import CxDeskError
from cxdesk.session import DeskSession

if TYPE_CHECKING:
    from cxdesk.app import CxDeskApp


class OnDesk:
    """A screen or widget that only runs inside ``CxDeskApp``."""

    if TYPE_CHECKING:

        @property
        def app(self) -> CxDeskApp: ...

    @property
    def signed_in(self) -> DeskSession:
        """The session of the person signed in.

        Every screen past sign-in runs only while someone is signed in (signing
        out drops them), so no session here is a bug, not a state to handle.
        """
        session = self.app.session
        if session is None:
            raise CxDeskError("Nobody is signed in at this desk.", title="Signed out")
        return session
