"""Serial numbers of food vouchers and crisis payment cards.

A serial is a kind prefix of 2-4 letters and 6-10 digits. The canonical form
has no separator (``FV000123``), which is what a barcode scanner types; people
may type ``fv-000123`` or ``FV 000 123`` and get the same serial. Leading zeros
are kept, because the printed serial has them and stock ranges are recorded as
printed. Anything else is refused rather than guessed: a wrong serial means a
voucher recorded against the wrong stock.

Each kind of item has one serial format, set in its policy (``SerialFormat``:
a prefix and a digit count, ``FV`` and 6 by default). Wherever stock or an
issue is recorded, a serial goes through ``canonical_serial``: the digits are
re-padded to the format's count, so ``FV0000123`` typed with a zero too many is
the same item as ``FV000123`` (and a range ``FV0500001..`` the same as
``FV500001..``), and a number that needs more digits, or another prefix, is
refused with the expected format in the message. Without this, a typo in a
receipt made ghost stock that could be issued twice.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from cxdesk.errors import ValidationError

_SERIAL = re.compile(r"^(?P<prefix>[A-Z]{2,4})-?(?P<digits>[0-9]{6,10})$")
_LOOSE = re.compile(r"^(?P<prefix>[A-Z]{2,4})-?(?P<rest>.*)$")
_SHAPE = "2 to 4 letters then 6 to 10 digits, for example FV000123"


def _kind(prefix: str, kinds: Mapping[str, str] | None) -> str:
    name = (kinds or {}).get(prefix)
    return f"a {name} serial ({prefix}…)" if name else f"a serial starting {prefix}"


def parse_serial(
    value: str | None,
    *,
    prefix: str | None = None,
    kinds: Mapping[str, str] | None = None,
    field: str = "serial",
) -> str:
    """A serial in canonical form, ``FV000123``.

    ``prefix`` (if given) is the kind this form needs; a serial of another kind is
    refused, naming the kind it looks like from ``kinds`` (prefix to name, such
    as ``{"FV": "food voucher", "PC": "payment card"}``).
    """
    compact = "".join(("" if value is None else str(value)).split()).upper()
    if not compact:
        raise ValidationError("Please type or scan the serial number.", field=field)
    match = _SERIAL.match(compact)
    if match is None:
        raise ValidationError(_why_not_a_serial(compact), field=field)
    serial = match["prefix"] + match["digits"]
    wanted = prefix.upper() if prefix else None
    if wanted and match["prefix"] != wanted:
        raise ValidationError(
            f"{serial} looks like {_kind(match['prefix'], kinds)}, "
            f"but this needs {_kind(wanted, kinds)}.",
            field=field,
        )
    return serial


def _why_not_a_serial(compact: str) -> str:
    """The most useful explanation of why ``compact`` is not a serial."""
    loose = _LOOSE.match(compact)
    if loose is None:
        return f"{compact} is not a serial number. A serial is {_SHAPE}."
    rest = loose["rest"]
    if rest.isascii() and rest.isdigit():
        return (
            f"{compact} has {len(rest)} digits after the letters; a serial has 6 to 10. "
            "Please check it."
        )
    if set(rest) <= set("0123456789OIL") and set(rest) & set("OIL"):
        return (
            f"{compact} has a letter among the digits: is that an O for a zero "
            "or an I or L for a one? Please check the serial."
        )
    return f"{compact} is not a serial number. A serial is {_SHAPE}."


def split_serial(serial: str) -> tuple[str, int, int]:
    """A serial's prefix, number and digit count: ``FV000123`` gives ``("FV", 123, 6)``."""
    canonical = parse_serial(serial)
    match = _SERIAL.match(canonical)
    assert match is not None  # parse_serial returned a canonical serial
    return match["prefix"], int(match["digits"]), len(match["digits"])


def serial_number_part(serial: str) -> int:
    """The number in a serial, for ranges and counts: ``FV000123`` gives 123."""
    return split_serial(serial)[1]


def format_serial(prefix: str, number: int, *, digits: int = 6) -> str:
    """The canonical serial for ``number`` in a run of ``digits``-digit serials.

    The inverse of ``split_serial``: ``format_serial("FV", 123)`` gives ``FV000123``.
    """
    text = f"{prefix.upper()}{number:0{digits}d}" if number >= 0 else ""
    if not 6 <= digits <= 10 or len(text) != len(prefix) + digits:
        raise ValidationError(f"{number} does not fit a serial of {digits} digits.", field="serial")
    return parse_serial(text)


DEFAULT_DIGITS = 6


@dataclass(frozen=True)
class SerialFormat:
    """The serial format of one kind of item: its prefix and how many digits follow."""

    prefix: str
    digits: int = DEFAULT_DIGITS
    name: str = ""  # "food voucher", for messages

    def example(self, number: int = 123) -> str:
        return f"{self.prefix}{number:0{self.digits}d}"

    def describe(self) -> str:
        what = f"{self.name} serials are" if self.name else "serials here are"
        return f"{what} {self.prefix} and {self.digits} digits, for example {self.example()}"


def canonical_serial(
    value: str | None,
    fmt: SerialFormat,
    *,
    kinds: Mapping[str, str] | None = None,
    field: str = "serial",
) -> str:
    """The serial in ``fmt``'s canonical form: ``FV0000123`` becomes ``FV000123``.

    Refuses another kind's prefix and a number too long for the format, saying
    what the format is.
    """
    serial = parse_serial(value, field=field)
    match = _SERIAL.match(serial)
    assert match is not None  # parse_serial returned a canonical serial
    if match["prefix"] != fmt.prefix:
        looks = _kind(match["prefix"], kinds)
        raise ValidationError(f"{serial} looks like {looks}, but {fmt.describe()}.", field=field)
    digits = match["digits"].lstrip("0") or "0"
    if len(digits) > fmt.digits:
        raise ValidationError(
            f"{serial} does not fit: {fmt.describe()}. Please check it.", field=field
        )
    return fmt.prefix + digits.rjust(fmt.digits, "0")
