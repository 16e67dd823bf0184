"""The priority direct numbers directory: one entry per team or service.

Advisors at the Customer Service Centre and the Community Hubs use these numbers
to put a resident straight through to the team that can help, instead of the
main switchboard. An entry says who the team is, what they do, when they answer,
who to ring when they don't, and whether the number is for staff only (a
priority line that must never be read out to the public).

Every entry is checked when it is built, whoever builds it (importer, store,
sync), so a bad number or a control character cannot reach an advisor's screen:
phones must be valid numbers (kept in E.164; UK short numbers such as 999, 111
and 116 123 are kept as their digits, since they have no E.164 form; Ofcom's
drama ranges such as 07700 900123 are accepted, as the customer form accepts
them, because they reach nobody); an extension ("ext 2") is kept apart in
``extension``; text is NFC-normalised, trimmed,
length-limited and free of control characters. Failures raise
``cxdesk.errors.ValidationError`` naming the field.

Search lives in ``cxdesk.domain.directory_search`` and is re-exported here.
"""

from __future__ import annotations

import contextlib
import hashlib
import re
import unicodedata
from typing import Literal

# phonenumbers is imported where it is used (its tables load on the first number read),
# because the event catalogue imports this module when the desk starts.
from pydantic import BaseModel, ConfigDict, field_validator, model_serializer, model_validator

from cxdesk.domain.hours import OpeningHours
from cxdesk.domain.safe_text import hidden_character
from cxdesk.domain.ukcontact import is_drama_number
from cxdesk.errors import ValidationError

Source = Literal["fixture", "csv", "oruk"]

MAX_LENGTHS = {
    "id": 80,
    "name": 120,
    "team": 80,
    "service": 300,
    "keyword": 40,
    "out_of_hours": 500,
    "notes": 1000,
    "email": 254,
}
MAX_KEYWORDS = 30
# Notes and out-of-hours advice may run over several lines; nothing else may.
_MULTILINE = {"notes", "out_of_hours"}
_SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s.]+$")
_EXTENSION = re.compile(r"^[0-9]{1,8}$")
_PHONE_FIELDS = (("phone", "extension"), ("out_of_hours_phone", "out_of_hours_extension"))


def clean_text(value: object, field: str, *, required: bool = False) -> str:
    """Trimmed, NFC-normalised text for ``field``; refuses control characters and overlong text."""
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise ValidationError(f"{field} must be text", field=field)
    text = unicodedata.normalize("NFC", value).strip()
    if field in _MULTILINE:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    # The same rule as every other stored text: bidi overrides could make a number
    # or name display differently from what is stored.
    found = hidden_character(text, multiline=field in _MULTILINE)
    if found:
        char = found[1]
        raise ValidationError(
            f"{field} contains a control character (U+{ord(char):04X})", field=field
        )
    if required and not text:
        raise ValidationError(f"{field} is required", field=field)
    limit = MAX_LENGTHS.get(field)
    if limit is not None and len(text) > limit:
        raise ValidationError(
            f"{field} is {len(text)} characters long; the limit is {limit}", field=field
        )
    return text


def clean_email(value: object) -> str | None:
    """A plausible email address (one @, a dot in the domain), or None when blank."""
    text = clean_text(value, "email")
    if not text:
        return None
    if not _EMAIL.match(text):
        raise ValidationError(f"email '{text}' is not an email address", field="email")
    return text


def slugify(text: str) -> str:
    """A stable id from any text: lower-case ASCII letters and digits joined by hyphens."""
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", folded.lower()).strip("-")[: MAX_LENGTHS["id"]].strip("-")


def parse_phone(value: object, field: str = "phone") -> tuple[str, str | None]:
    """(number, extension) for a UK-dialled or international number.

    The number is E.164, or the digits of a UK short number (999, 111, 116 123);
    the extension is the digits after "ext"/"x", or None.
    """
    import phonenumbers
    from phonenumbers import shortnumberinfo

    text = clean_text(value, field, required=True)
    try:
        number = phonenumbers.parse(text, "GB")
    except phonenumbers.NumberParseException:
        raise ValidationError(f"{field} '{text}' is not a phone number", field=field) from None
    extension = number.extension or None
    if extension is not None and not _EXTENSION.match(extension):
        raise ValidationError(
            f"{field} '{text}' has an extension that is not 1-8 digits", field=field
        )
    # Short numbers (999, 111, 116 123) have no E.164 form: they are kept as dialled.
    if not text.startswith("+") and shortnumberinfo.is_valid_short_number_for_region(number, "GB"):
        return str(number.national_number), extension
    if not (phonenumbers.is_valid_number(number) or is_drama_number(number)):
        raise ValidationError(f"{field} '{text}' is not a valid phone number", field=field)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164), extension


def to_e164(value: object, field: str = "phone") -> str:
    """The number of ``parse_phone`` (E.164, or a short number's digits) without extension."""
    return parse_phone(value, field)[0]


def clean_extension(value: object, field: str = "extension") -> str | None:
    """An extension as digits (Open Referral gives a number), or None when blank."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool):
        raise ValidationError(f"{field} must be digits", field=field)
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).strip()
    text = re.sub(r"^(?:ext\.?|extension|x)\s*", "", text, flags=re.IGNORECASE)
    if not _EXTENSION.match(text):
        raise ValidationError(f"{field} '{value}' must be 1 to 8 digits", field=field)
    return text


def find_phone(text: str) -> str | None:
    """The first valid phone number written in ``text``, as E.164, or None."""
    import phonenumbers

    for match in phonenumbers.PhoneNumberMatcher(text, "GB"):
        return phonenumbers.format_number(match.number, phonenumbers.PhoneNumberFormat.E164)
    return None


def format_uk(e164: str, extension: str | None = None) -> str:
    """The number as dialled from a UK phone: "020 7946 0123", or "00 353 ..." if abroad.

    A short number shows as dialled ("999", "116 123"); an extension is added as
    "ext 2". Text that is not a phone number comes back unchanged, so a display
    never fails.
    """
    shown = _format_number(e164)
    return f"{shown} ext {extension}" if extension else shown


def _format_number(e164: str) -> str:
    import phonenumbers

    if e164.isdigit():  # a short number: 116 numbers are written in two threes
        return f"{e164[:3]} {e164[3:]}" if len(e164) == 6 else e164
    try:
        number = phonenumbers.parse(e164, "GB")
    except phonenumbers.NumberParseException:
        return e164
    return phonenumbers.format_out_of_country_calling_number(number, "GB")


class DirectoryEntry(BaseModel):
    """One team or service with its priority direct number.

    Checking a phone number costs about 0.1 ms, so a store reloading thousands of
    rows it wrote itself may rebuild them with ``model_construct`` (passing an
    ``OpeningHours``); everything arriving from outside goes through validation.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str
    name: str
    team: str = ""
    service: str = ""
    keywords: tuple[str, ...] = ()
    phone: str
    extension: str | None = None
    hours: OpeningHours
    out_of_hours: str = ""
    out_of_hours_phone: str | None = None
    out_of_hours_extension: str | None = None
    notes: str = ""
    staff_only: bool = False
    email: str | None = None
    source: Source = "csv"

    @model_validator(mode="before")
    @classmethod
    def _split_extensions(cls, data: object) -> object:
        # "020 7946 0123 ext 2" in a phone field keeps its extension instead of losing it.
        if not isinstance(data, dict):
            return data
        data = dict(data)
        for phone, ext in _PHONE_FIELDS:
            value = data.get(phone)
            if isinstance(value, str) and value.strip() and data.get(ext) in (None, ""):
                # A bad number is left for the field validator to explain.
                with contextlib.suppress(ValidationError):
                    data[phone], data[ext] = parse_phone(value, phone)
        return data

    @model_serializer(mode="wrap")
    def _drop_unset_extensions(self, handler) -> dict:
        # Entries recorded before extensions existed keep their payload digest.
        data = handler(self)
        for name in ("extension", "out_of_hours_extension"):
            if name in data and data[name] is None:
                del data[name]
        return data

    @field_validator("extension", "out_of_hours_extension", mode="before")
    @classmethod
    def _check_extension(cls, value: object, info) -> str | None:
        return clean_extension(value, info.field_name)

    @field_validator("id", mode="before")
    @classmethod
    def _check_id(cls, value: object) -> str:
        text = clean_text(value, "id", required=True)
        if not _SLUG.match(text):
            raise ValidationError(
                f"id '{text}' must be lower-case letters, digits and hyphens", field="id"
            )
        return text

    @field_validator("name", mode="before")
    @classmethod
    def _check_name(cls, value: object) -> str:
        return clean_text(value, "name", required=True)

    @field_validator("team", "service", "out_of_hours", "notes", mode="before")
    @classmethod
    def _check_text(cls, value: object, info) -> str:
        return clean_text(value, info.field_name)

    @field_validator("keywords", mode="before")
    @classmethod
    def _check_keywords(cls, value: object) -> tuple[str, ...]:
        if isinstance(value, str):
            value = value.split(";")
        if not isinstance(value, list | tuple):
            raise ValidationError("keywords must be a list", field="keywords")
        seen: dict[str, str] = {}
        for item in value:
            word = clean_text(item, "keyword")
            if word and word.casefold() not in seen:
                seen[word.casefold()] = word
        if len(seen) > MAX_KEYWORDS:
            raise ValidationError(
                f"{len(seen)} keywords; the limit is {MAX_KEYWORDS}", field="keywords"
            )
        return tuple(seen.values())

    @field_validator("phone", mode="before")
    @classmethod
    def _check_phone(cls, value: object) -> str:
        return to_e164(value, "phone")

    @field_validator("out_of_hours_phone", mode="before")
    @classmethod
    def _check_ooh_phone(cls, value: object) -> str | None:
        if value is None or (isinstance(value, str) and not value.strip()):
            return None
        return to_e164(value, "out_of_hours_phone")

    @field_validator("email", mode="before")
    @classmethod
    def _check_email(cls, value: object) -> str | None:
        return clean_email(value)

    def fingerprint(self) -> str:
        """A digest of every field, so a store can skip entries that did not change."""
        return hashlib.sha256(self.model_dump_json().encode()).hexdigest()


# Imported last: the search module only needs DirectoryEntry for type checking.
from cxdesk.domain.directory_search import DirectoryIndex, SearchHit, fold  # noqa: E402

__all__ = [
    "DirectoryEntry",
    "DirectoryIndex",
    "SearchHit",
    "clean_email",
    "clean_text",
    "find_phone",
    "fold",
    "clean_extension",
    "format_uk",
    "parse_phone",
    "slugify",
    "to_e164",
]
