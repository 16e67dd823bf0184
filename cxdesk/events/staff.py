"""Event kinds for locations, the staff roster and sign-in audit.

The roster travels down the feed with each person's public signing key, its
salt and argon2 parameters (never a passcode or anything secret), so a desk can
sign people in while offline by deriving the key from what they type, the
server can check the signature on everything they record, and a person removed
from the roster can no longer sign in once the desk has synced.
"""

from __future__ import annotations

from pydantic import Field

from cxdesk.events import SUPERVISORS, Payload, event_kind

ROLE_PATTERN = r"^(advisor|hub|welfare|supervisor|admin)$"
ID_PATTERN = r"^[A-Z0-9][A-Z0-9-]{1,39}$"
ADMIN = frozenset({"admin"})
PUBLIC_KEY_PATTERN = r"^[0-9a-f]{64}$"
SALT_PATTERN = r"^[0-9a-f]{16,64}$"
PARAMS_PATTERN = r"^m=[0-9]{1,7},t=[0-9]{1,2},p=[0-9]{1,2}$"


@event_kind("LocationDefined", roles=ADMIN)
class LocationDefined(Payload):
    location_id: str = Field(pattern=ID_PATTERN)
    name: str = Field(min_length=1, max_length=120)
    kind: str = Field(pattern=r"^(csc|hub|back-office)$")
    address: str = Field(default="", max_length=300)
    postcode: str = Field(default="", max_length=10)
    hours: str = Field(default="", max_length=300)


@event_kind("StaffEnrolled", roles=ADMIN)
class StaffEnrolled(Payload):
    staff_id: str = Field(pattern=ID_PATTERN)
    name: str = Field(min_length=1, max_length=120)
    role: str = Field(pattern=ROLE_PATTERN)
    locations: list[str] = Field(min_length=1, max_length=50)
    public_key: str = Field(pattern=PUBLIC_KEY_PATTERN)
    key_salt: str = Field(pattern=SALT_PATTERN)
    key_params: str = Field(pattern=PARAMS_PATTERN)


@event_kind("StaffUpdated", roles=ADMIN)
class StaffUpdated(Payload):
    staff_id: str = Field(pattern=ID_PATTERN)
    name: str | None = Field(default=None, min_length=1, max_length=120)
    role: str | None = Field(default=None, pattern=ROLE_PATTERN)
    locations: list[str] | None = Field(default=None, min_length=1, max_length=50)
    # A new passcode: all three together (checked on the server).
    public_key: str | None = Field(default=None, pattern=PUBLIC_KEY_PATTERN)
    key_salt: str | None = Field(default=None, pattern=SALT_PATTERN)
    key_params: str | None = Field(default=None, pattern=PARAMS_PATTERN)


@event_kind("StaffRekeyed")
class StaffRekeyed(Payload):
    """A person's key re-derived at sign-in under today's argon2 parameters.

    Recorded by the person themselves and signed with their *old* key (the
    server checks it against the roster before this event), so only someone
    who knows the passcode can re-key; the passcode itself is unchanged.
    """

    staff_id: str = Field(pattern=ID_PATTERN)
    public_key: str = Field(pattern=PUBLIC_KEY_PATTERN)
    key_salt: str = Field(pattern=SALT_PATTERN)
    key_params: str = Field(pattern=PARAMS_PATTERN)


@event_kind("StaffRemoved", roles=ADMIN)
class StaffRemoved(Payload):
    staff_id: str = Field(pattern=ID_PATTERN)


@event_kind("SignInSucceeded")
class SignInSucceeded(Payload):
    """Recorded by the person who signed in, signed with the key their passcode gave.

    A success clears the failure count of the lock-out, so it must not be
    something a desk can claim for anyone: unlike a failed try (which by
    definition has no one to sign it), it is signed and checked like any act.
    """

    staff_id: str = Field(max_length=40)


@event_kind("SignInFailed", desk_authored=True, roles=frozenset())
class SignInFailed(Payload):
    staff_id: str = Field(max_length=40)
    reason: str = Field(max_length=200)


@event_kind("SignInLockedOut", desk_authored=True, roles=frozenset())
class SignInLockedOut(Payload):
    staff_id: str = Field(max_length=40)
    until: str = Field(max_length=40)


@event_kind("SignedOut", desk_authored=True, roles=frozenset())
class SignedOut(Payload):
    staff_id: str = Field(max_length=40)
    reason: str = Field(max_length=40)


@event_kind("LockoutCleared", roles=SUPERVISORS)
class LockoutCleared(Payload):
    staff_id: str = Field(max_length=40)
