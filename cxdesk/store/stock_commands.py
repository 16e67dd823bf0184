"""Supervisors' stock records: receive a range, transfer, write off, record a count.

Each function checks the role first (the catalogue checks it again when the
event is recorded, and the server again on sync), then the locations against
the known list, then the serials (canonical in the kind's policy format, see
``domain.serials``) against the records, and refuses with a message saying
exactly which location or serials are wrong.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from cxdesk.domain.serials import canonical_serial
from cxdesk.domain.stock import KIND_NAMES, PREFIX_NAMES, count_difference, expand_range
from cxdesk.domain.validation import clean_text
from cxdesk.errors import AuthError, ValidationError
from cxdesk.events import SUPERVISORS
from cxdesk.events.envelope import Event
from cxdesk.store import stock_queries as q


def require_supervisor(role: str | None) -> None:
    if role not in SUPERVISORS:
        raise AuthError("Only a supervisor can record stock.")


def _kind(kind: str) -> str:
    if kind not in KIND_NAMES:
        raise ValidationError("Choose food vouchers or payment cards.", field="kind")
    return kind


def _known_location(store, location: str | None, field: str = "location") -> str:
    """``location`` if it is on this desk's list of locations, else a refusal naming them."""
    names = q.location_names(store)
    if location not in names:
        known = ", ".join(sorted(names)) or "none yet; sync first"
        raise ValidationError(
            f"{location or 'That'} is not a known location (known: {known}).", field=field
        )
    return location


def _range(store, kind: str, first_text: str, last_text: str | None) -> list[str]:
    fmt = q.kind_serial_format(store, kind)
    first = canonical_serial(first_text, fmt, kinds=PREFIX_NAMES, field="first")
    last = (
        canonical_serial(last_text, fmt, kinds=PREFIX_NAMES, field="last")
        if (last_text or "").strip()
        else first
    )
    return expand_range(first, last)


def _note(text: str | None) -> str:
    return clean_text(text, field="note", max_len=300, required=False)


def _listed(serials: list[str]) -> str:
    more = f" and {len(serials) - 5} more" if len(serials) > 5 else ""
    return ", ".join(serials[:5]) + more


def receive_stock(store, *, actor, role, location, kind, first, last, note="") -> Event:
    """Record a range of new items arriving at ``location``."""
    require_supervisor(role)
    _known_location(store, location)
    serials = _range(store, _kind(kind), first, last)
    known = q.known_serials(store, serials)
    if known:
        raise ValidationError(
            f"Already in the stock records: {_listed(known)}. Check the range.", field="first"
        )
    payload = {
        "location": location,
        "kind": kind,
        "first": serials[0],
        "last": serials[-1],
        "note": _note(note),
    }
    return store.record("StockReceived", payload, actor=actor, role=role)


def transfer_stock(store, *, actor, role, from_location, to_location, kind, first, last, note=""):
    """Record items moving from one location's drawer to another's."""
    require_supervisor(role)
    if not to_location or to_location == from_location:
        raise ValidationError("Choose another location to send the items to.", field="to")
    _known_location(store, from_location, field="from")
    _known_location(store, to_location, field="to")
    serials = _range(store, _kind(kind), first, last)
    missing = q.serials_not_on_hand(store, serials, from_location, kind)
    if missing:
        raise ValidationError(f"Not on hand at {from_location}: {_listed(missing)}.", field="first")
    payload = {
        "from_location": from_location,
        "to_location": to_location,
        "kind": kind,
        "first": serials[0],
        "last": serials[-1],
        "note": _note(note),
    }
    return store.record("StockTransferred", payload, actor=actor, role=role)


def parse_serial_list(store, kind: str, text: str) -> list[str]:
    """Serials typed as a list (spaces or commas) and/or ranges ``FV000001-FV000005``."""
    out: list[str] = []
    for part in re.split(r"[,\s]+", (text or "").strip()):
        if not part:
            continue
        first, _, last = part.partition("..") if ".." in part else part.partition("~")
        out += _range(store, kind, first, last or None)
    if not out:
        raise ValidationError("Type the serials, for example FV000001 FV000002.", field="serials")
    if len(set(out)) != len(out):
        raise ValidationError("A serial is listed twice.", field="serials")
    return out


def write_off(store, *, actor, role, location, kind, serials_text, condition, reason) -> Event:
    """Record items lost or spoiled; they leave the on-hand count for good."""
    require_supervisor(role)
    if condition not in ("lost", "spoiled"):
        raise ValidationError("Choose lost or spoiled.", field="condition")
    _known_location(store, location)
    serials = parse_serial_list(store, _kind(kind), serials_text)
    why = clean_text(reason, field="reason", max_len=500)
    missing = q.serials_not_on_hand(store, serials, location, kind)
    if missing:
        raise ValidationError(f"Not on hand at {location}: {_listed(missing)}.", field="serials")
    payload = {
        "location": location,
        "kind": kind,
        "serials": serials,
        "condition": condition,
        "reason": why,
    }
    return store.record("StockWrittenOff", payload, actor=actor, role=role)


@dataclass(frozen=True)
class CountResult:
    event: Event
    counted: int
    expected: int
    difference: int
    text: str


def record_count(store, *, actor, role, location, kind, counted_text, note="") -> CountResult:
    """Record a physical count against what the records expect; the difference is kept."""
    require_supervisor(role)
    text = (counted_text or "").strip()
    if not text.isdigit():
        raise ValidationError("Type the number of items counted, for example 42.", field="counted")
    counted = int(text)
    if counted > 1_000_000:
        raise ValidationError("That count is far too large. Please check it.", field="counted")
    _known_location(store, location)
    with store.transaction():
        expected = q.on_hand_count(store, location, _kind(kind))
        payload = {
            "location": location,
            "kind": kind,
            "counted": counted,
            "expected": expected,
            "note": _note(note),
        }
        event = store.record("StockCounted", payload, actor=actor, role=role)
    diff, words = count_difference(counted, expected)
    return CountResult(event, counted, expected, diff, words)
