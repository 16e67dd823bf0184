"""Serial-numbered stock: ranges, the life of one serial, and on-hand arithmetic.

Vouchers and payment cards are physical items. Their state is never typed in:
it is worked out from the moves recorded against each serial (received,
transferred, written off, issued, voided) taken in feed order. This module
holds those rules as plain functions so the desk's projection, the desk's
refusals and the central API's checks all use the same ones.

Decisions, and why:

- A range is ``first..last`` inclusive, with the same prefix and digit count,
  at most ``MAX_RANGE`` items: a typo in a range of a million would flood the
  store.
- Each kind has its own serial prefix (``FV`` food voucher, ``PC`` payment
  card), so a card scanned into the voucher form is caught as the wrong kind;
  its policy may set another prefix and the digit count (``serial_format``),
  and every serial recorded is canonical in that format.
- An item voided "back to stock" is on hand again (status ``voided_back``) and
  may be issued again: the physical item is back in the drawer. A spoiled or
  lost item never comes back.
- Two desks that issue the same serial while offline have both handed
  something over: both issues are facts and both stay. The serial is then
  ``issued`` with a clash (more than one live issue), shown to a supervisor.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from cxdesk.domain.serials import DEFAULT_DIGITS, SerialFormat, format_serial, split_serial
from cxdesk.errors import ValidationError

KIND_PATTERN = r"^(food_voucher|payment_card)$"
KIND_PREFIX = {"food_voucher": "FV", "payment_card": "PC"}
KIND_NAMES = {"food_voucher": "food voucher", "payment_card": "payment card"}
PREFIX_NAMES = {prefix: KIND_NAMES[kind] for kind, prefix in KIND_PREFIX.items()}
MAX_RANGE = 10_000
ON_HAND = ("in_stock", "voided_back")
STATUSES = ("in_stock", "voided_back", "issued", "spoiled", "lost")


def serial_format(kind: str, policy: dict | None = None) -> SerialFormat:
    """The serial format of ``kind`` from its latest ``PolicySet`` payload (or the default)."""
    policy = policy or {}
    return SerialFormat(
        prefix=policy.get("serial_prefix") or KIND_PREFIX[kind],
        digits=policy.get("serial_digits") or DEFAULT_DIGITS,
        name=KIND_NAMES[kind],
    )


def range_size(first: str, last: str) -> int:
    """How many serials ``first..last`` covers; refuses ranges that are not one run."""
    p1, n1, d1 = split_serial(first)
    p2, n2, d2 = split_serial(last)
    if (p1, d1) != (p2, d2):
        raise ValidationError(
            f"{first} and {last} are not from the same run of serials.", field="last"
        )
    if n2 < n1:
        raise ValidationError(
            f"The last serial {last} comes before the first {first}.", field="last"
        )
    size = n2 - n1 + 1
    if size > MAX_RANGE:
        raise ValidationError(
            f"{size} items is more than one range may hold ({MAX_RANGE}); "
            "please check the serials.",
            field="last",
        )
    return size


def expand_range(first: str, last: str) -> list[str]:
    """Every serial from ``first`` to ``last`` inclusive, in order."""
    range_size(first, last)
    prefix, start, digits = split_serial(first)
    _, end, _ = split_serial(last)
    return [format_serial(prefix, n, digits=digits) for n in range(start, end + 1)]


def check_kind_prefix(kind: str, serial: str, field: str = "serial") -> None:
    """Refuse a serial whose prefix belongs to another kind of item."""
    prefix = split_serial(serial)[0]
    wanted = KIND_PREFIX[kind]
    if prefix != wanted:
        looks = PREFIX_NAMES.get(prefix)
        what = f"a {looks} serial" if looks else f"a serial starting {prefix}"
        raise ValidationError(
            f"{serial} looks like {what}, but this is for {KIND_NAMES[kind]}s ({wanted}...).",
            field=field,
        )


@dataclass(frozen=True)
class Move:
    """One thing that happened to a serial, as the projection stores it."""

    move: str  # received | transferred | written_off | issued | voided
    location: str  # where it happened (for a transfer: where the item left)
    to_location: str | None = None
    issue_id: str | None = None
    condition: str | None = None  # lost | spoiled | back_to_stock


@dataclass
class SerialState:
    """Where a serial is and what became of it, after its moves in feed order."""

    location: str | None = None
    base: str | None = None  # in_stock | voided_back | spoiled | lost; None = never received
    live_issues: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def status(self) -> str:
        if self.live_issues:
            return "issued"
        return self.base or "unknown"

    @property
    def issue_id(self) -> str | None:
        return self.live_issues[-1] if self.live_issues else None

    @property
    def clash(self) -> bool:
        return len(self.live_issues) > 1

    @property
    def on_hand(self) -> bool:
        return self.status in ON_HAND


def apply_moves(moves: Iterable[Move]) -> SerialState:
    """The state of one serial after ``moves`` (in feed order). Never raises: odd
    sequences (issued twice, lost after issue) are kept as notes for a supervisor."""
    s = SerialState()
    for m in moves:
        if m.move == "received":
            if s.base is None and not s.live_issues:
                s.location, s.base = m.location, "in_stock"
            else:
                s.notes.append(f"received again at {m.location}")
        elif m.move == "transferred":
            if s.on_hand and s.location == m.location:
                s.location = m.to_location
            else:
                s.notes.append(f"transfer {m.location}->{m.to_location} while {s.status}")
        elif m.move == "written_off":
            if s.on_hand:
                s.base = m.condition
            else:
                s.notes.append(f"reported {m.condition} while {s.status}")
        elif m.move == "issued":
            if not s.on_hand:
                s.notes.append(f"issued at {m.location} while {s.status}")
            if s.location is None:
                s.location = m.location
            s.live_issues.append(m.issue_id or "")
        elif m.move == "voided" and m.issue_id in s.live_issues:
            s.live_issues.remove(m.issue_id)
            if m.condition == "spoiled":
                s.base = "spoiled"
            elif not s.live_issues and s.base not in ("lost", "spoiled"):
                s.base = "voided_back"
    return s


def refusal_to_issue(
    serial: str, state: SerialState | None, *, location: str, location_name: str | None = None
) -> str | None:
    """Why ``serial`` cannot be handed over at ``location``, or None if it can."""
    here = location_name or location
    if state is None or state.base is None and not state.live_issues:
        return f"{serial} is not in the stock recorded at {here}. Please check the serial."
    if state.status == "issued":
        ref = (state.issue_id or "")[-8:].upper()
        return f"{serial} has already been issued (reference {ref})."
    if state.status == "lost":
        return f"{serial} was reported lost; it cannot be issued."
    if state.status == "spoiled":
        return f"{serial} was spoiled or voided as spoiled; it cannot be issued."
    if state.location != location:
        return f"{serial} belongs to the stock at {state.location}, not {here}."
    return None


def count_difference(counted: int, expected: int) -> tuple[int, str]:
    """The difference of a physical count from the records, and how to say it."""
    diff = counted - expected
    if diff == 0:
        return 0, "matches the records"
    more = "more" if diff > 0 else "fewer"
    return diff, f"{abs(diff)} {more} than the records ({expected} expected)"
