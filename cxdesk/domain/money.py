"""Money as whole pence: parse what an advisor typed, show it back in pounds.

Amounts are ints of pence everywhere (never floats), so £5 vouchers and crisis
payments add up exactly in stock counts and the supervisor's log. Parsing is
forgiving about how people write money ("£25", "25.5", "£1,000", "50p") and
strict about what it means (no fractions of a penny, no negatives, no zero).
"""

from __future__ import annotations

import re

from cxdesk.errors import ValidationError

_NUMBER = re.compile(r"^(?P<pounds>\d{1,3}(?:,\d{3})+|\d+)?(?:\.(?P<fraction>\d*))?$", re.ASCII)
_MINUS = ("-", "\u2212", "\u2013")  # hyphen-minus, minus sign, en dash (from word processors)
_MAX_POUND_DIGITS = 9  # under £1bn: far beyond any real payment, safe for JSON and SQLite


def format_pounds(pence: int) -> str:
    """Pence as pounds for people: ``500`` gives ``"£5"``, ``2550`` gives ``"£25.50"``."""
    sign = "-" if pence < 0 else ""
    pounds, rest = divmod(abs(pence), 100)
    return f"{sign}£{pounds:,}" + (f".{rest:02d}" if rest else "")


def parse_amount_pence(
    value: str | None, *, max_pence: int | None = None, field: str = "amount"
) -> int:
    """An amount of money as a positive whole number of pence.

    ``"£25"`` and ``"25"`` give 2500; ``"25.5"`` and ``"25.50"`` give 2550;
    ``"£1,000"`` gives 100000; ``"50p"`` gives 50.
    """
    text = ("" if value is None else str(value)).strip()
    example = "in pounds, for example 25 or 25.50"
    if not text:
        raise ValidationError(f"Please enter an amount {example}.", field=field)
    negative = False
    if text.startswith(_MINUS):
        negative, text = True, text[1:].strip()
    has_pound_sign = text.startswith("£")
    if has_pound_sign:
        text = text[1:].strip()
        if text.startswith(_MINUS):
            negative, text = True, text[1:].strip()
    in_pence = text.lower().endswith("p") and not has_pound_sign
    if in_pence:
        text = text[:-1].strip()

    match = _NUMBER.match(text)
    if not match or not (match["pounds"] or match["fraction"]):
        if "," in text:
            raise ValidationError(
                "Use commas only between thousands (1,000) and a full stop for pence (1.50).",
                field=field,
            )
        raise ValidationError(
            f"That is not an amount of money. Please enter it {example}.", field=field
        )
    whole = (match["pounds"] or "0").replace(",", "")
    fraction = match["fraction"] or ""
    if in_pence and match["fraction"] is not None:
        raise ValidationError("Write pence as 50p or £0.50, not both.", field=field)
    if len(whole.lstrip("0")) > _MAX_POUND_DIGITS:
        raise ValidationError("That amount is far too large. Please check it.", field=field)
    if len(fraction.rstrip("0")) > 2:
        raise ValidationError(
            f"{text} is not in pence: use at most two figures after the point, for example 5.55.",
            field=field,
        )

    pence = int(whole) if in_pence else int(whole) * 100 + int((fraction + "00")[:2])
    if negative and pence:
        raise ValidationError("The amount cannot be negative.", field=field)
    if pence == 0:
        raise ValidationError("The amount must be more than £0.", field=field)
    if max_pence is not None and pence > max_pence:
        raise ValidationError(
            f"The most allowed here is {format_pounds(max_pence)}; "
            f"{format_pounds(pence)} is over that.",
            field=field,
        )
    return pence
