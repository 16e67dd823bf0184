"""The catalogue of event kinds: what may be written to the log, by whom, with what payload.

Each feature declares its kinds in its own module in this package with the
``event_kind`` decorator on a pydantic payload model. ``load_all`` imports every
module here, so the catalogue is complete wherever it is needed (the desk store,
the central API's checks, rebuilds) without one file that every feature edits.
"""

from __future__ import annotations

import importlib
import pkgutil
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar, TypeVar

from pydantic import BaseModel, ConfigDict, ValidationInfo, field_validator
from pydantic import ValidationError as PydanticValidationError
from pydantic_core import PydanticCustomError

from cxdesk.domain.safe_text import hidden_character, json_may_hide
from cxdesk.errors import ValidationError

ALL_ROLES = frozenset({"advisor", "hub", "welfare", "supervisor", "admin"})
FRONTLINE = frozenset({"advisor", "hub", "supervisor"})
SUPERVISORS = frozenset({"supervisor", "admin"})
DESK_ACTOR = "desk"
_SCREENED = {"hidden_characters_screened": True}
"""Validation context: the whole payload's JSON was searched once and holds no hidden
character, so the per-field rule has nothing to find (``check_payload``)."""
"""Actor of events the desk itself records, such as a failed sign-in (nobody is signed in)."""


def _refuse_hidden_characters(value: Any, multiline: bool) -> None:
    """Raise if any text in ``value`` (a string, or one inside a list or dict) breaks the rule."""
    if isinstance(value, str):
        found = hidden_character(value, multiline=multiline)
        if found:
            position, char = found
            raise PydanticCustomError(
                "hidden_character",
                "contains a control or bidirectional character (U+{code}) at position "
                "{position}, which is never stored",
                {"code": f"{ord(char):04X}", "position": position},
            )
    elif isinstance(value, list | tuple):
        for item in value:
            _refuse_hidden_characters(item, multiline)
    elif isinstance(value, dict):
        for key, item in value.items():
            _refuse_hidden_characters(key, False)
            _refuse_hidden_characters(item, multiline)


class Payload(BaseModel):
    """Base for event payloads: unknown fields are refused, values are plain JSON.

    No text in any payload may hold control characters (ESC, C1, DEL...) or
    bidirectional overrides: the same rule the desk's forms apply
    (``cxdesk.domain.safe_text.hidden_character``), checked here for every field
    of every kind, so the server refuses what a modified desk might push.
    Line breaks and tabs are allowed only in the fields a kind names in
    ``multiline_fields`` (notes, stories, outcomes).
    """

    model_config = ConfigDict(extra="forbid", frozen=True)
    multiline_fields: ClassVar[frozenset[str]] = frozenset()

    @field_validator("*", mode="after")
    @classmethod
    def _no_hidden_characters(cls, value: Any, info: ValidationInfo) -> Any:
        if info.context is _SCREENED:
            return value
        _refuse_hidden_characters(value, info.field_name in cls.multiline_fields)
        return value

    def summary(self) -> str:
        """One line for a history list (a customer's timeline); kinds override it.

        The default is the kind's class name in words: ``VoucherIssued`` gives
        "Voucher issued". Keep personal data out of summaries: they are shown in lists.
        """
        words = re.findall(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|\d+", type(self).__name__)
        text = " ".join(w if len(w) > 1 and w.isupper() else w.lower() for w in words)
        return text[:1].upper() + text[1:] if text else type(self).__name__


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

P = TypeVar("P", bound=type[Payload])


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
    if isinstance(payload, BaseModel):
        payload = payload.model_dump(mode="json")
    return _validated(kind, payload).model_dump(mode="json")


def check_payload(kind: str, payload: dict[str, Any], canonical: str | None = None) -> None:
    """Raise ``ValidationError`` as ``validate_payload`` would (the server: no copy made).

    ``canonical`` is the payload's canonical JSON, if the caller has it: when one
    search of it finds nothing that could be a hidden character, the rule is not run
    again field by field (``safe_text.json_may_hide``; same answers either way).
    """
    screened = canonical is not None and not json_may_hide(canonical)
    _validated(kind, payload, _SCREENED if screened else None)


def _validated(
    kind: str, payload: dict[str, Any], context: dict[str, bool] | None = None
) -> BaseModel:
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
