"""Match keys for the claims index: enough to spot a repeat claim, not enough to read.

Every desk receives a minimal index of the council's issues (``cxdesk.sync.
scope``: a desk holds only its own location's residents), so that the repeat
check still finds a claim made at another location while offline. Per issue it
carries keys, not data: a salted SHA-256 of the customer id, of each name
part's sound (Metaphone of the normalised name, so "Maria"/"Mario" and
"Okafor"/"Okafore" agree as the register's likely match would), of the date of
birth and of the postcode. A key can confirm a guess about someone you already
know (name, date of birth, postcode) but gives no address, phone or story.

A match follows the register's likely-match rule as far as keys allow: both
name parts agree (in either order), and the date of birth is the same, or
nearly the same (day and month swapped, or one digit of the day mistyped) with
the same postcode.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import jellyfish

from cxdesk.domain.customers import normalise_name

_SALT = "cxdesk-claims-v1"


def _key(kind: str, value: str) -> str:
    return hashlib.sha256(f"{_SALT}|{kind}|{value}".encode()).hexdigest()[:24]


def record_key(customer_id: str) -> str:
    return _key("record", customer_id)


def name_key(part: str) -> str:
    plain = normalise_name(part).replace(" ", "")
    return _key("name", jellyfish.metaphone(plain) or plain)


def dob_key(iso: str) -> str:
    return _key("dob", iso)


def postcode_key(postcode: str) -> str:
    return _key("postcode", "".join(postcode.upper().split()))


def close_dates(iso: str) -> set[str]:
    """Dates of birth nearly the same as ``iso`` (day/month swapped, one day digit off)."""
    try:
        year, month, day = iso.split("-")
    except ValueError:
        return set()
    found = set()
    if month != day:
        found.add(f"{year}-{day}-{month}")
    for i in range(2):
        for digit in "0123456789":
            other = day[:i] + digit + day[i + 1 :]
            if other != day and "01" <= other <= "31":
                found.add(f"{year}-{month}-{other}")
    return found


@dataclass(frozen=True)
class ClaimKeys:
    """An indexed issue's person, as keys."""

    record: str
    given: str
    family: str
    dob: str
    postcode: str


def keys_of(customer_id: str, given: str, family: str, dob: str, postcode: str) -> ClaimKeys:
    return ClaimKeys(
        record_key(customer_id),
        name_key(given),
        name_key(family),
        dob_key(dob),
        postcode_key(postcode),
    )


def likely_same(mine: ClaimKeys, close_dobs: set[str], theirs: ClaimKeys) -> bool:
    """Whether an indexed issue's person is likely the customer at the desk.

    ``close_dobs`` are the keys of the dates nearly the same as the customer's
    (``dob_key`` of each of ``close_dates``), computed once per check.
    """
    pairs = ((theirs.given, theirs.family), (theirs.family, theirs.given))
    if (mine.given, mine.family) not in pairs:  # both name parts, in either order
        return False
    if theirs.dob == mine.dob:
        return True
    return theirs.dob in close_dobs and theirs.postcode == mine.postcode
