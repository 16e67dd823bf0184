"""Event kinds for desks (devices) enrolled with the central API.

The server writes these itself when an administrator enrols or revokes a
desk, so every desk's log shows which desks exist and when one was cut off.
The token never appears in an event: only the server keeps its hash.
"""

from __future__ import annotations

from pydantic import Field

from cxdesk.events import Payload, event_kind

ADMIN = frozenset({"admin"})
DEVICE_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$"


@event_kind("DeviceEnrolled", roles=ADMIN, subject="device_id")
class DeviceEnrolled(Payload):
    device_id: str = Field(pattern=DEVICE_PATTERN)
    location: str = Field(min_length=1, max_length=40)


@event_kind("DeviceRevoked", roles=ADMIN, subject="device_id")
class DeviceRevoked(Payload):
    device_id: str = Field(pattern=DEVICE_PATTERN)
    reason: str = Field(default="", max_length=200)


@event_kind("DeviceMoved", roles=ADMIN, subject="device_id")
class DeviceMoved(Payload):
    """An administrator moved a desk to another location (``cxdesk admin move-device``).

    The desk learns it from the server's signed word at its next contact, drops
    what its new location may not hold and pulls the new location's share.
    """

    device_id: str = Field(pattern=DEVICE_PATTERN)
    from_location: str = Field(min_length=1, max_length=40)
    to_location: str = Field(min_length=1, max_length=40)
