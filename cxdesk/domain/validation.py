"""Every value a person types, checked in one place with a message an advisor can act on.

Forms and the central API both call these functions, so a rule and its wording
are the same on the desk and on the server. Each takes the raw text (``None``
counts as blank) and returns the clean value, or raises
``cxdesk.errors.ValidationError(message, field=...)``; the message says what is
wrong and, where it helps, what to type instead. Nothing here touches a screen,
a database or the network.

Postcodes and phone numbers live in ``ukcontact``, money in ``money`` and
serials in ``serials``; they are re-exported here so callers have one import.
"""

from __future__ import annotations

import calendar
import re
import unicodedata
from collections.abc import Callable
from datetime import date, datetime
from typing import TypeVar
from zoneinfo import ZoneInfo

from cxdesk.domain.money import format_pounds, parse_amount_pence
from cxdesk.domain.safe_text import LINE_BREAKS, hidden_character
from cxdesk.domain.serials import format_serial, parse_serial, serial_number_part, split_serial
from cxdesk.domain.ukcontact import (
    format_phone_national,
    parse_uk_phone,
    parse_uk_postcode,
    postcode_district,
)
from cxdesk.errors import ValidationError

__all__ = [
    "clean_text",
    "format_phone_national",
    "format_pounds",
    "format_serial",
    "optional",
    "parse_amount_pence",
    "parse_date",
    "parse_date_of_birth",
    "parse_email",
    "parse_location_id",
    "parse_serial",
    "parse_staff_id",
    "parse_uk_phone",
    "parse_uk_postcode",
    "postcode_district",
    "serial_number_part",
    "split_serial",
]

LONDON = ZoneInfo("Europe/London")
T = TypeVar("T")


def _label(field: str) -> str:
    return field.replace("_", " ").strip().capitalize() or "This field"


def _hidden_character_problem(text: str, label: str, multiline: bool) -> str | None:
    """Why ``text`` cannot be stored as it is, or None if it can (``hidden_character``)."""
    found = hidden_character(text, multiline=multiline)
    if found is None:
        return None
    position, char = found
    if not multiline and (char == "\t" or char in LINE_BREAKS):
        kind = "a tab" if char == "\t" else "a line break"
        return f"{label} must be on one line, but it contains {kind}."
    return (
        f"{label} contains a hidden control character (U+{ord(char):04X}) "
        f"at position {position}. Please retype it."
    )


def clean_text(
    value: str | None,
    *,
    field: str,
    max_len: int,
    required: bool = True,
    multiline: bool = False,
    label: str | None = None,
) -> str:
    """Text stripped, NFC-normalised and checked for hidden characters and length.

    ``multiline`` allows line breaks (``\\r\\n`` becomes ``\\n``) and tabs. The
    length limit counts characters after normalisation, so "Zoë" is 3 however
    it was typed. ``label`` is the name shown to people (default from ``field``).
    """
    name = label or _label(field)
    text = unicodedata.normalize("NFC", "" if value is None else str(value))
    if multiline:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
        text = text.replace("\u2028", "\n").replace("\u2029", "\n")
    text = text.strip()
    problem = _hidden_character_problem(text, name, multiline)
    if problem:
        raise ValidationError(problem, field=field)
    if not text:
        if required:
            raise ValidationError(f"{name} cannot be left blank.", field=field)
        return ""
    if len(text) > max_len:
        raise ValidationError(
            f"{name} is too long: {len(text)} characters, and the limit is {max_len}.",
            field=field,
        )
    return text


def optional(parse: Callable[..., T], value: str | None, /, **kwargs: object) -> T | None:
    """``parse(value, **kwargs)``, or None when ``value`` is blank (an optional field)."""
    if value is None or not str(value).strip():
        return None
    return parse(value, **kwargs)


# --- dates -------------------------------------------------------------------

_UK_DATE = re.compile(r"^(\d{1,2})([/.\- ])(\d{1,2})\2(\d+)$", re.ASCII)
_ISO_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$", re.ASCII)
_DATE_EXAMPLE = "day/month/year, for example 31/01/1980"


def parse_date(value: str | None, *, field: str = "date", past_before: date | None = None) -> date:
    """A date typed day first, ``31/01/1980`` (also with ``.``, ``-`` or spaces), or ISO.

    With ``past_before`` (a date of birth: it can only be in the past) a two-digit year
    means the latest year that puts the date on or before that day: "29/2/88" is 1988.
    Without it a two-digit year is refused, because the century cannot be told.
    """
    text = ("" if value is None else str(value)).strip()
    if not text:
        raise ValidationError(f"Please enter a date as {_DATE_EXAMPLE}.", field=field)
    if iso := _ISO_DATE.match(text):
        year, month, day = (int(part) for part in iso.groups())
    elif uk := _UK_DATE.match(text):
        day, month, year_text = int(uk[1]), int(uk[3]), uk[4]
        if len(year_text) == 2 and past_before is not None:
            return _checked_date(
                _past_year(int(year_text), month, day, past_before), month, day, field
            )
        if len(year_text) == 2:
            raise ValidationError(
                f"Please give the year with all four digits, not just {year_text}.", field=field
            )
        if len(year_text) != 4:
            raise ValidationError(f"{year_text} does not look like a year.", field=field)
        year = int(year_text)
    else:
        raise ValidationError(f"Please enter the date as {_DATE_EXAMPLE}.", field=field)
    return _checked_date(year, month, day, field)


def _past_year(two_digits: int, month: int, day: int, today: date) -> int:
    """The latest year ending in ``two_digits`` whose day/month falls on or before ``today``."""
    year = today.year - (today.year - two_digits) % 100
    if (month, day) > (today.month, today.day) and year == today.year:
        year -= 100
    return year


def _checked_date(year: int, month: int, day: int, field: str) -> date:
    """The date, or a message naming exactly which part cannot be right."""
    if year < 1:
        raise ValidationError(f"{year:04d} does not look like a year.", field=field)
    if not 1 <= month <= 12:
        hint = " Dates go day first, then month." if 1 <= day <= 12 else ""
        raise ValidationError(f"There is no month {month}.{hint}", field=field)
    month_name = calendar.month_name[month]
    days_in_month = calendar.monthrange(year, month)[1]
    if day < 1 or day > 31:
        raise ValidationError(f"There is no day {day} in any month.", field=field)
    if day > days_in_month:
        if month == 2 and day == 29:
            raise ValidationError(
                f"There is no 29 February {year}: {year} is not a leap year.", field=field
            )
        raise ValidationError(
            f"There is no {day} {month_name}: {month_name} has {days_in_month} days.",
            field=field,
        )
    return date(year, month, day)


def london_today() -> date:
    """Today's date in the UK, which is what "today" means to the people at the desk."""
    return datetime.now(LONDON).date()


def parse_date_of_birth(
    value: str | None, *, today: date | None = None, field: str = "date_of_birth"
) -> date:
    """A date of birth: a valid date, not in the future, at most 120 years ago."""
    today = today or london_today()
    born = parse_date(value, field=field, past_before=today)
    if born > today:
        raise ValidationError(
            "A date of birth cannot be in the future. Please check the year.", field=field
        )
    try:
        earliest = today.replace(year=today.year - 120)
    except ValueError:  # today is 29 February and that year was not a leap year
        earliest = today.replace(year=today.year - 120, day=28)
    if born < earliest:
        raise ValidationError(
            f"That date of birth is more than 120 years ago ({born.year}). Please check the year.",
            field=field,
        )
    return born


# --- email -------------------------------------------------------------------

_EMAIL_EXAMPLE = "for example name@example.org"
_LOCAL_FORBIDDEN = frozenset('()<>[]:;@\\,"')


def _domain_label_ok(label: str) -> bool:
    """One dot-separated part of a domain: letters, digits and inner hyphens."""
    return (
        bool(label)
        and not label.startswith("-")
        and not label.endswith("-")
        and all(char.isalnum() or char == "-" for char in label)
    )


def parse_email(value: str | None, *, field: str = "email") -> str:
    """An email address with its domain in lower case (the part before @ is kept as typed).

    Deliberately simple: one @, something before it, a domain with a dot after
    it, no spaces, at most 254 characters. Whether the mailbox exists is for
    the email to find out.
    """
    text = ("" if value is None else str(value)).strip()
    if not text:
        raise ValidationError(f"Please enter an email address, {_EMAIL_EXAMPLE}.", field=field)
    if any(char.isspace() for char in text):
        raise ValidationError("An email address cannot contain spaces.", field=field)
    if len(text) > 254:
        raise ValidationError(
            f"That email address is too long: {len(text)} characters, and the limit is 254.",
            field=field,
        )
    if text.count("@") != 1:
        raise ValidationError(f"An email address has exactly one @, {_EMAIL_EXAMPLE}.", field=field)
    local, domain = text.split("@")
    if not local or not domain:
        raise ValidationError(
            f"That email address is missing a part, {_EMAIL_EXAMPLE}.", field=field
        )
    bad = sorted({char for char in local if char in _LOCAL_FORBIDDEN or not char.isprintable()})
    if bad or len(local) > 64 or local.startswith(".") or local.endswith(".") or ".." in local:
        raise ValidationError(
            f"The part before @ in that email address is not valid, {_EMAIL_EXAMPLE}.",
            field=field,
        )
    if "." not in domain:
        raise ValidationError(f"The part after @ needs a dot, {_EMAIL_EXAMPLE}.", field=field)
    labels = domain.lower().split(".")
    if (
        not all(_domain_label_ok(label) for label in labels)
        or labels[-1].isdigit()
        or len(labels[-1]) < 2
    ):
        raise ValidationError(
            f"The part after @ in that email address is not valid, {_EMAIL_EXAMPLE}.",
            field=field,
        )
    return f"{local}@{domain.lower()}"


# --- identifiers -------------------------------------------------------------

_STAFF_ID = re.compile(r"^[A-Z0-9]{2,20}$")
_LOCATION_ID = re.compile(r"^[A-Z0-9]+(?:-[A-Z0-9]+)*$")


def parse_staff_id(value: str | None, *, field: str = "staff_id") -> str:
    """A staff ID: 2-20 letters and digits, in upper case (``js1234`` gives ``JS1234``)."""
    text = ("" if value is None else str(value)).strip().upper()
    if not text:
        raise ValidationError("Please enter your staff ID.", field=field)
    if any(char.isspace() for char in text):
        raise ValidationError("A staff ID has no spaces.", field=field)
    if not _STAFF_ID.match(text):
        if not (text.isascii() and text.isalnum()):
            raise ValidationError("A staff ID has only letters A-Z and numbers.", field=field)
        raise ValidationError(
            f"A staff ID is 2 to 20 letters and numbers; that one has {len(text)}.", field=field
        )
    return text


def parse_location_id(value: str | None, *, field: str = "location_id") -> str:
    """A location code: 2-40 letters, digits and single hyphens, upper case (``HUB-NORTH``)."""
    text = ("" if value is None else str(value)).strip().upper()
    if not text:
        raise ValidationError("Please enter a location code.", field=field)
    if any(char.isspace() for char in text):
        raise ValidationError(
            "A location code has no spaces; use a hyphen, for example HUB-NORTH.", field=field
        )
    if not 2 <= len(text) <= 40:
        raise ValidationError(
            f"A location code is 2 to 40 characters; that one has {len(text)}.", field=field
        )
    if not _LOCATION_ID.match(text):
        raise ValidationError(
            "A location code has only letters A-Z, numbers and single hyphens between them, "
            "for example HUB-NORTH.",
            field=field,
        )
    return text
