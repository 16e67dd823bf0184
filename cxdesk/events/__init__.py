"""The catalogue of event kinds: what may be written to the log, by whom, with what payload.

Each feature declares its kinds in its own module in this package with the
``event_kind`` decorator on a pydantic payload model. ``load_all`` imports every
module here, so the catalogue is complete wherever it is needed (the desk store,
the central API's checks, rebuilds) without one file that every feature edits.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from cxdesk.errors import ValidationError

if TYPE_CHECKING:
    from pydantic import BaseModel

    from cxdesk.events.payload import Payload

ALL_ROLES = frozenset({"advisor", "hub", "welfare", "supervisor", "admin"})
FRONTLINE = frozenset({"advisor", "hub", "supervisor"})
SUPERVISORS = frozenset({"supervisor", "admin"})
DESK_ACTOR = "desk"
"""Actor of events the desk itself records, such as a failed sign-in (nobody is signed in)."""


def __getattr__(name: str) -> Any:
    # ``Payload`` (pydantic) is made when a kind module first asks for it, so that
    # importing the catalogue's names (roles, ``get_kind``) does not import pydantic.
    if name == "Payload":
        from cxdesk.events.payload import Payload

        return Payload
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


@dataclass(frozen=True)
class EventKind:
    name: str
    payload: type[Payload]
    roles: frozenset[str]
    desk_authored: bool = False
    personal_fields: tuple[str, ...] = ()
    subject: str | None = None

    def subject_of(self, payload: dict[str, Any]) -> str | None:
        """The id of the thing this event is about (a referral, a serial), if it has one."""
        return None if self.subject is None else str(payload.get(self.subject))


KINDS: dict[str, EventKind] = {}

P = TypeVar("P", bound="type[Payload]")


def event_kind(
    name: str,
    *,
    roles: frozenset[str] = ALL_ROLES,
    desk_authored: bool = False,
    personal_fields: tuple[str, ...] = (),
    subject: str | None = None,
) -> Callable[[P], P]:
    """Register a payload model as the schema of event kind ``name``.

    ``roles`` may author it (checked on the desk and again on the server);
    ``desk_authored`` kinds are recorded by the desk with actor ``desk``;
    ``personal_fields`` are blanked by a retention erasure; ``subject`` names the
    payload field holding the id of the thing the event is about, so the server
    can find an entity's history (for example to check a referral's transition).
    """

    def register(model: P) -> P:
        if name in KINDS and KINDS[name].payload is not model:
            raise RuntimeError(f"event kind {name} declared twice")
        KINDS[name] = EventKind(
            name, model, frozenset(roles), desk_authored, personal_fields, subject
        )
        return model

    return register


_loaded = False


def load_all() -> dict[str, EventKind]:
    """Import every kind module in this package (once) and return the catalogue."""
    global _loaded
    # Scanning the package costs ~1 ms and get_kind runs per event (bulk pushes, seeds).
    if not _loaded:
        for info in pkgutil.iter_modules(__path__):
            importlib.import_module(f"{__name__}.{info.name}")
        _loaded = True
    return KINDS


def get_kind(name: str) -> EventKind:
    load_all()
    try:
        return KINDS[name]
    except KeyError:
        raise ValidationError(f"Unknown event kind {name!r}", field="kind") from None


def validate_payload(kind: str, payload: dict[str, Any] | BaseModel) -> dict[str, Any]:
    """The payload checked against its kind's model, as plain JSON-ready data."""
    from pydantic import BaseModel

    if isinstance(payload, BaseModel):
        payload = payload.model_dump(mode="json")
    return _validated(kind, payload).model_dump(mode="json")


def check_payload(kind: str, payload: dict[str, Any], canonical: str | None = None) -> None:
    """Raise ``ValidationError`` as ``validate_payload`` would (the server: no copy made).

    ``canonical`` is the payload's canonical JSON, if the caller has it: when one
    search of it finds nothing that could be a hidden character, the rule is not run
    again field by field (``safe_text.json_may_hide``; same answers either way).
    """
    from cxdesk.domain.safe_text import json_may_hide
    from cxdesk.events.payload import SCREENED

    screened = canonical is not None and not json_may_hide(canonical)
    _validated(kind, payload, SCREENED if screened else None)


def _validated(
    kind: str, payload: dict[str, Any], context: dict[str, bool] | None = None
) -> BaseModel:
    from pydantic import ValidationError as PydanticValidationError

    model = get_kind(kind).payload
    try:
        return model.model_validate(payload, context=context)
    except PydanticValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "payload"
        raise ValidationError(f"{kind}: {where}: {first['msg']}", field=where) from None


def may_author(kind: str, role: str | None, actor: str) -> bool:
    """Whether someone in ``role`` (or the desk itself) may write an event of ``kind``."""
    spec = get_kind(kind)
    if actor == DESK_ACTOR:
        return spec.desk_authored
    return role is not None and role in spec.roles
