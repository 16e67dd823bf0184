"""Event kinds for the priority numbers directory.

An updated entry travels whole (the payload *is* the entry, validated by
``cxdesk.domain.directory.DirectoryEntry``), so a desk that missed earlier
changes still ends with the right entry, and an import can compare what it
read with what the desk holds by one digest. Administrators maintain the
directory centrally; supervisors may correct an entry at their site.
"""

from __future__ import annotations

from pydantic import Field

from cxdesk.domain.directory import DirectoryEntry
from cxdesk.events import SUPERVISORS, Payload, event_kind


@event_kind("DirectoryEntryUpdated", roles=SUPERVISORS, subject="id")
class DirectoryEntryUpdated(DirectoryEntry, Payload):
    """A new or changed directory entry, in full."""

    multiline_fields = frozenset({"notes", "out_of_hours"})

    def summary(self) -> str:
        return f"Directory entry updated: {self.name}"


@event_kind("DirectoryEntryRemoved", roles=SUPERVISORS, subject="id")
class DirectoryEntryRemoved(Payload):
    """An entry taken out of the directory."""

    id: str = Field(min_length=1, max_length=80)

    def summary(self) -> str:
        return f"Directory entry removed: {self.id}"
