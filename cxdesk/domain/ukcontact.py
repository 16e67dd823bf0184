"""UK postcodes and phone numbers: check what an advisor typed and store one canonical form.

Postcodes follow the Royal Mail / GOV.UK pattern (which letters may stand in
which position), so a slip such as the letter O for a zero is caught at the desk
rather than breaking a repeat-claim match later. Phone numbers go through
``phonenumbers`` (Google's libphonenumber data) and are stored as E.164
(``+442079460018``), shown in national form (``020 7946 0018``).

Ofcom keeps some numbers back for drama, fixtures and training; libphonenumber
calls a few of those ranges invalid, so they are accepted here explicitly. They
reach nobody, so accepting them cannot misdirect a call.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from cxdesk.errors import ValidationError

if TYPE_CHECKING:
    import phonenumbers

_EXAMPLE_POSTCODE = "SW1A 1AA"
_OUTWARD = (
    r"(?:[A-PR-UWYZ][0-9][0-9]?"  # A9, A99
    r"|[A-PR-UWYZ][A-HK-Y][0-9][0-9]?"  # AA9, AA99
    r"|[A-PR-UWYZ][0-9][A-HJKPSTUW]"  # A9A
    r"|[A-PR-UWYZ][A-HK-Y][0-9][ABEHMNPRVWXY])"  # AA9A
)
_INWARD = r"[0-9][ABD-HJLNP-UW-Z]{2}"
_POSTCODE = re.compile(rf"^(?:{_OUTWARD}{_INWARD}|GIR0AA)$")
_BFPO = re.compile(r"^BFPO(\d{1,4})$")
"""British Forces Post Office: "BFPO 1234", the postcode of a service family abroad."""
_OUTWARD_ONLY = re.compile(rf"^{_OUTWARD}$")


def parse_uk_postcode(value: str | None, *, field: str = "postcode") -> str:
    """A UK postcode in canonical form: upper case, one space before the inward code.

    ``"sw1a1aa"`` and ``" SW1A  1AA "`` both give ``"SW1A 1AA"``; ``"bfpo 12"`` gives
    ``"BFPO 12"`` (British Forces Post Office).
    """
    typed = ("" if value is None else str(value)).strip()
    compact = "".join(typed.split()).upper()
    if not compact:
        raise ValidationError("Please enter a postcode.", field=field)
    if not compact.isascii() or not compact.isalnum():
        raise ValidationError(
            f"A postcode has only letters and numbers, for example {_EXAMPLE_POSTCODE}.",
            field=field,
        )
    if bfpo := _BFPO.match(compact):
        return f"BFPO {bfpo[1]}"
    if _OUTWARD_ONLY.match(compact):
        raise ValidationError(
            f"{compact} is only the first half of a postcode. "
            f"Please enter the full postcode, for example {_EXAMPLE_POSTCODE}.",
            field=field,
        )
    if len(compact) < 5:
        raise ValidationError(
            f"That postcode is too short. A full UK postcode looks like {_EXAMPLE_POSTCODE}.",
            field=field,
        )
    if len(compact) > 7:
        raise ValidationError(
            f"That postcode is too long. A UK postcode looks like {_EXAMPLE_POSTCODE}.",
            field=field,
        )
    if not _POSTCODE.match(compact):
        hint = ""
        if compact[-3] == "O":
            hint = " The second half starts with a number: is that a letter O for a zero?"
        raise ValidationError(f"{typed.upper()} is not a valid UK postcode.{hint}", field=field)
    return f"{compact[:-3]} {compact[-3:]}"


def postcode_district(postcode: str, *, field: str = "postcode") -> str:
    """The outward code (postcode district) of a postcode: ``"SW1A 1AA"`` gives ``"SW1A"``."""
    return parse_uk_postcode(postcode, field=field).split(" ")[0]


# Ofcom's drama ranges, as the first seven digits of the ten-digit national
# significant number; each range holds 1,000 numbers. Source: Ofcom, "TV, radio
# and film: telephone numbers for drama purposes".
_DRAMA_PREFIXES = frozenset(
    {
        "1134960",
        "1144960",
        "1154960",
        "1164960",
        "1174960",
        "1184960",  # Leeds..Reading
        "1214960",
        "1314960",
        "1414960",
        "1514960",
        "1614960",
        "1914980",  # cities
        "2079460",
        "2896496",
        "2920180",  # London, Belfast, Cardiff
        "1632960",  # no area
        "7700900",  # mobile
        "8081570",
        "9098790",
        "3069990",  # freephone, premium rate, UK-wide
    }
)
_PHONE_CHARS = re.compile(r"^\+?[0-9()\-.\s]+$")
_EXAMPLE_PHONE = "020 7946 0000 or 07700 900000"


def _is_drama_number(number: phonenumbers.PhoneNumber) -> bool:
    nsn = str(number.national_number)
    return number.country_code == 44 and len(nsn) == 10 and nsn[:7] in _DRAMA_PREFIXES


def is_drama_number(number: phonenumbers.PhoneNumber) -> bool:
    """True for a number in one of Ofcom's drama ranges (the directory accepts them too)."""
    return _is_drama_number(number)


def parse_uk_phone(value: str | None, *, field: str = "phone") -> str:
    """A valid UK phone number in E.164 form (``+447700900123``).

    Accepts national (``07700 900123``) and international (``+44 7700 900123``,
    ``0044 ...``) forms, with spaces, dashes, dots and brackets.
    """
    typed = ("" if value is None else str(value)).strip()
    if not typed:
        raise ValidationError("Please enter a phone number.", field=field)
    if not _PHONE_CHARS.match(typed):
        raise ValidationError(
            "A phone number has only digits and spaces (and + at the start), "
            f"for example {_EXAMPLE_PHONE}.",
            field=field,
        )
    too_short = ValidationError(
        f"That phone number is too short. Include the area code, for example {_EXAMPLE_PHONE}.",
        field=field,
    )
    too_long = ValidationError(
        "That phone number is too long: a UK number has 10 or 11 digits starting with 0.",
        field=field,
    )
    # libphonenumber's tables load on the first number typed, not at the desk's start.
    import phonenumbers
    from phonenumbers import NumberParseException, ValidationResult

    try:
        number = phonenumbers.parse(typed, "GB")
    except NumberParseException as exc:
        if exc.error_type in (
            NumberParseException.TOO_SHORT_NSN,
            NumberParseException.TOO_SHORT_AFTER_IDD,
        ):
            raise too_short from None
        if exc.error_type == NumberParseException.TOO_LONG:
            raise too_long from None
        raise ValidationError(f"{typed} is not a valid UK number.", field=field) from None
    if number.country_code != 44:
        raise ValidationError(
            f"{typed} is not a UK number (it is for country code +{number.country_code}). "
            "Please give a UK number.",
            field=field,
        )
    reason = phonenumbers.is_possible_number_with_reason(number)
    if reason in (ValidationResult.TOO_SHORT, ValidationResult.IS_POSSIBLE_LOCAL_ONLY):
        raise too_short
    if reason == ValidationResult.TOO_LONG:
        raise too_long
    if not (phonenumbers.is_valid_number(number) or _is_drama_number(number)):
        # Nearly every UK number has 10 digits after the 0; a few valid ones have 9.
        if len(str(number.national_number)) < 9:
            raise too_short
        if len(str(number.national_number)) == 9:
            raise ValidationError(
                f"{typed} is not a valid UK number: it looks too short, or a digit is wrong. "
                "Most UK numbers have 11 digits starting with 0.",
                field=field,
            )
        raise ValidationError(
            f"{typed} is not a valid UK number. Please check the digits.", field=field
        )
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def format_phone_national(e164: str) -> str:
    """A stored E.164 number for display: UK numbers in national form (``020 7946 0018``).

    Display must never fail, so anything unparseable comes back as it was.
    """
    import phonenumbers
    from phonenumbers import NumberParseException, PhoneNumberFormat

    try:
        number = phonenumbers.parse(e164, "GB")
    except NumberParseException:
        return e164
    style = (
        PhoneNumberFormat.NATIONAL if number.country_code == 44 else PhoneNumberFormat.INTERNATIONAL
    )
    return phonenumbers.format_number(number, style)
