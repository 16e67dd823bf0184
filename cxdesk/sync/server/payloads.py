"""A push's payloads checked against their kinds' models together, one list per kind.

``check_payload`` validates one payload at a time; a push of 500 spends most of
that in calls into pydantic and in the per-field hidden-character rule, which
for a payload whose canonical JSON the one search passed has nothing to find
(``safe_text.json_may_hide``). ``payload_problems`` gives every payload the
answer ``check_payload`` would (``tests/test_payload_screen.py`` holds the two
equal on a hypothesis corpus of every kind), with one validator call per kind,
and for screened payloads a validator built without that rule at all.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from functools import cache
from typing import Any

from pydantic import ValidationError as PydanticValidationError
from pydantic_core import SchemaValidator, core_schema

from cxdesk.domain.safe_text import json_may_hide
from cxdesk.errors import CxDeskError
from cxdesk.events import check_payload, load_all
from cxdesk.events.payload import SCREENED, Payload

_FIELD_RULE = Payload.__dict__["_no_hidden_characters"].__func__


def payload_problems(items: Sequence[tuple[str, dict[str, Any], str]]) -> list[str | None]:
    """``check_payload`` for many (kind, payload, canonical JSON) at once: each one's
    message, or None; an unknown kind gets None (the caller asks ``get_kind``)."""
    kinds = load_all()
    groups: dict[tuple[str, bool], list[int]] = {}
    for n, (kind, _payload, canonical) in enumerate(items):
        if kind in kinds:
            groups.setdefault((kind, not json_may_hide(canonical)), []).append(n)
    found: list[str | None] = [None] * len(items)
    for (kind, screened), members in groups.items():
        batch = [items[n][1] for n in members]
        try:
            _list_of(kinds[kind].payload, screened).validate_python(
                batch, context=SCREENED if screened else None
            )
        except CxDeskError:  # a model's own check raised ours, not pydantic's: one by one
            for n in members:
                try:
                    check_payload(*items[n])
                except CxDeskError as exc:
                    found[n] = exc.message
        except PydanticValidationError as exc:
            for error in exc.errors():
                index, *loc = error["loc"]
                n = members[int(index)]
                if found[n] is None:  # each payload's first error, as alone
                    where = ".".join(str(p) for p in loc) or "payload"
                    found[n] = f"{kind}: {where}: {error['msg']}"
    return found


@cache
def _list_of(model: type[Payload], screened: bool) -> SchemaValidator:
    """A validator of a list of ``model``: for screened payloads, one without the
    per-field hidden-character rule (a call into Python for every field; with the
    screened context it would return at once anyway)."""
    schema = model.__pydantic_core_schema__
    if screened:
        schema = _without_field_rule(copy.deepcopy(schema))
    return SchemaValidator(core_schema.list_schema(schema))


def _without_field_rule(schema: Any) -> Any:
    """``schema`` with every ``Payload._no_hidden_characters`` step taken out."""
    if isinstance(schema, list):
        return [_without_field_rule(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    function = schema.get("function")
    if (
        schema.get("type") == "function-after"
        and isinstance(function, dict)
        and getattr(function.get("function"), "__func__", None) is _FIELD_RULE
    ):
        inner = dict(schema["schema"])
        if "ref" in schema:  # another part of the schema refers to this step
            inner["ref"] = schema["ref"]
        return _without_field_rule(inner)
    return {key: _without_field_rule(value) for key, value in schema.items()}
