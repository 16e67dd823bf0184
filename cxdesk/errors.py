"""One small exception family, so the app has one place that turns failures into messages.

Screens and the CLI catch ``CxDeskError`` and show ``message`` (and ``title``);
anything else is a bug and is allowed to surface.
"""

from __future__ import annotations


class CxDeskError(Exception):
    """A failure a person can understand and act on."""

    title = "Something went wrong"
    short: str | None = None
    """A few words for the sync header ("records changed"), where a failure has them."""

    def __init__(self, message: str, title: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if title is not None:
            self.title = title


class ValidationError(CxDeskError):
    """Input that breaks a rule; ``field`` names the form field or API field at fault."""

    title = "Please check"

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class StoreError(CxDeskError):
    """The local store cannot be opened or written."""

    title = "Store problem"


class SyncError(CxDeskError):
    """The central API could not be reached or refused a request."""

    title = "Sync problem"


class AuthError(CxDeskError):
    """Sign-in refused, or an action the signed-in person's role may not take.

    ``field`` names the sign-in field to put right ("staff_id" for an ID this desk
    does not know), or is None (the passcode, or nothing to retype).
    """

    title = "Not allowed"

    def __init__(self, message: str, title: str | None = None, field: str | None = None) -> None:
        super().__init__(message, title)
        self.field = field
