"""``Payload``, the pydantic base of every event kind's payload model (``event_kind``).

Its own module, imported when the first kind module is (``load_all``), so that
the catalogue's names (roles, ``get_kind``) cost no pydantic at start-up.
"""

from __future__ import annotations

import re
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, ValidationInfo, field_validator
from pydantic_core import PydanticCustomError

from cxdesk.domain.safe_text import hidden_character

SCREENED = {"hidden_characters_screened": True}
"""Validation context: the whole payload's JSON was searched once and holds no hidden
character, so the per-field rule has nothing to find (``check_payload``)."""


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
        if info.context is SCREENED:
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
