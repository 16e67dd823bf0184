"""Customer rules with no store and no screen: the form's checks, search terms, likely matches.

Likely matches stop the same person being registered twice, and let the
repeat-claim check see one person behind two records. A match needs the date
of birth (exact, or with day and month swapped, or one digit of the day
mistyped) and both names close, in either order (Jaro-Winkler and token-set
scores from rapidfuzz, which forgive typos, swapped letters and a missing
middle name). Each name part is scored on its own so that twins sharing a date
of birth, a surname and a postcode are NOT offered as one person; postcode only
raises the score.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date

from cxdesk.domain import validation as v
from cxdesk.errors import ValidationError

NAME_PART_THRESHOLD = 85
"""Each name part (given, family) must score at least this for a likely match."""
_NAME_CHARS = re.compile(r"^[^\W\d_]+(?:[ '’.-][^\W\d_]+)*\.?$")
_REFERENCE = re.compile(r"^[A-Z0-9][A-Z0-9/-]{2,19}$")
MAX_FLAGS = 12


def normalise_name(text: str) -> str:
    """Lower case, accents and punctuation removed: "O'Brien-Zoë" gives "obrien zoe"."""
    decomposed = unicodedata.normalize("NFKD", text or "")
    plain = "".join(c for c in decomposed if not unicodedata.combining(c)).lower()
    plain = re.sub(r"['’.]", "", plain)
    return " ".join(re.sub(r"[^a-z]+", " ", plain).split())


def _part_score(a: str, b: str) -> float:
    from rapidfuzz import fuzz  # imported when a search first runs, not at start
    from rapidfuzz.distance import JaroWinkler

    if not a or not b:
        return 0.0
    return max(JaroWinkler.normalized_similarity(a, b) * 100, fuzz.token_set_ratio(a, b))


def name_similarity(given_a: str, family_a: str, given_b: str, family_b: str) -> float:
    """0-100: the weaker of the two name parts, in whichever order fits better."""
    ga, fa, gb, fb = (normalise_name(x) for x in (given_a, family_a, given_b, family_b))
    straight = min(_part_score(ga, gb), _part_score(fa, fb))
    swapped = min(_part_score(ga, fb), _part_score(fa, gb))
    return max(straight, swapped)


def dob_closeness(a: str, b: str) -> str | None:
    """ "same", "close" (day and month swapped, or one digit of the day mistyped), or None."""
    if a == b:
        return "same"
    try:
        ya, ma, da = (int(x) for x in a.split("-"))
        yb, mb, db = (int(x) for x in b.split("-"))
    except ValueError:
        return None
    if ya == yb and (ma, da) == (db, mb):
        return "close"
    day_a, day_b = f"{da:02d}", f"{db:02d}"
    one_digit = sum(x != y for x, y in zip(day_a, day_b, strict=True)) == 1
    return "close" if ya == yb and ma == mb and one_digit else None


@dataclass(frozen=True)
class Person:
    """What a likely match compares: names, ISO date of birth, postcode."""

    given_name: str
    family_name: str
    date_of_birth: str
    postcode: str = ""


@dataclass(frozen=True)
class Match:
    score: int
    reasons: tuple[str, ...]


def district_of(postcode: str) -> str:
    """The outward code of a stored postcode ("" if there is none)."""
    return postcode.split(" ")[0].upper() if postcode else ""


def likely_match(a: Person, b: Person) -> Match | None:
    """How likely ``a`` and ``b`` are the same person, or None if they are not a likely match."""
    name = name_similarity(a.given_name, a.family_name, b.given_name, b.family_name)
    dob = dob_closeness(a.date_of_birth, b.date_of_birth)
    # Two people with no fixed abode do not share an address.
    known = bool(a.postcode) and a.postcode.upper() != NO_FIXED_ABODE
    same_pc = known and a.postcode.upper() == b.postcode.upper()
    same_district = known and district_of(a.postcode) == district_of(b.postcode)
    if name < NAME_PART_THRESHOLD or dob is None or (dob == "close" and not same_pc):
        return None
    reasons = ["same date of birth" if dob == "same" else "date of birth nearly the same"]
    reasons.append("same name" if name >= 99 else "similar name")
    if same_pc:
        reasons.append("same postcode")
    elif same_district:
        reasons.append("same postcode district")
    score = 0.6 * name + (30 if dob == "same" else 15) + (10 if same_pc else 5 * same_district)
    return Match(round(min(score, 100)), tuple(reasons))


def search_name_score(query: str, given: str, family: str) -> float:
    """0-100: each typed word against its best name part, so order and typos matter little."""
    from rapidfuzz.distance import JaroWinkler

    words = normalise_name(query).split()
    parts = normalise_name(f"{given} {family}").split()
    if not words or not parts:
        return 0.0
    total = 0.0
    for word in words:
        best = 0.0
        for part in parts:
            if len(word) >= 2 and part.startswith(word):
                score = 95.0 if word != part else 100.0
            else:
                score = JaroWinkler.normalized_similarity(word, part) * 100
            best = max(best, score)
        total += best
    return total / len(words)


# --- search terms ---------------------------------------------------------------

_DATE_RE = re.compile(r"\b(\d{1,2}[/.-]\d{1,2}[/.-](?:\d{4}|\d{2})|\d{4}-\d{2}-\d{2})\b")
_POSTCODE_RE = re.compile(r"\b([A-Za-z]{1,2}\d[A-Za-z\d]?)\s*(\d[A-Za-z]{2})\b")
_PHONE_RE = re.compile(r"(?<![\w])(\+?\d[\d ]{8,16}\d)(?![\w])")
_DISTRICT_RE = re.compile(r"^[A-Z]{1,2}\d[A-Z\d]?$")


@dataclass
class SearchTerms:
    """A search box's text split into what it holds."""

    names: str = ""
    date_of_birth: str | None = None
    postcode: str | None = None
    district: str | None = None
    phone: str | None = None
    references: list[str] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not (
            self.names
            or self.date_of_birth
            or self.postcode
            or self.district
            or self.phone
            or self.references
        )


def parse_search(text: str) -> SearchTerms:
    """Split "smith john 14/03/1980 AB1 2CD" into names, date of birth, postcode, phone, refs."""
    rest = v.clean_text(text, field="search", max_len=200, required=False)
    terms = SearchTerms()
    if m := _DATE_RE.search(rest):
        born = v.parse_date(m[1], field="search", past_before=v.london_today())
        terms.date_of_birth = born.isoformat()
        rest = rest[: m.start()] + " " + rest[m.end() :]
    if m := _POSTCODE_RE.search(rest):
        try:
            terms.postcode = v.parse_uk_postcode(m[0])
            rest = rest[: m.start()] + " " + rest[m.end() :]
        except ValidationError:
            pass
    if m := _PHONE_RE.search(rest):
        try:
            terms.phone = v.parse_uk_phone(m[1])
            rest = rest[: m.start()] + " " + rest[m.end() :]
        except ValidationError:
            pass
    words = []
    for token in rest.split():
        upper = token.upper()
        if any(c.isdigit() for c in token):
            if _DISTRICT_RE.match(upper) and terms.district is None and not terms.postcode:
                terms.district = upper
            else:
                terms.references.append(upper)
        else:
            words.append(token)
    terms.names = " ".join(words)
    return terms


# --- the customer form ----------------------------------------------------------


def parse_name(value: str | None, *, field: str, label: str) -> str:
    """A name: letters with single spaces, hyphens or apostrophes between them."""
    text = v.clean_text(value, field=field, max_len=60, label=label)
    if not _NAME_CHARS.match(text):
        raise ValidationError(
            f"{label} can have letters, spaces, hyphens and apostrophes only.", field=field
        )
    return text


def parse_reference(value: str | None, *, field: str = "council_reference") -> str:
    """A council reference: 3-20 letters, digits, / or -, stored in upper case ("" if blank)."""
    text = v.clean_text(value, field=field, max_len=20, required=False).upper()
    if text and not _REFERENCE.match(text):
        raise ValidationError(
            "A council reference has 3 to 20 letters and numbers (with / or -), "
            "for example CT-1048823.",
            field=field,
        )
    return text


def parse_flags(value: str | list[str] | None, *, field: str = "vulnerability_flags") -> list[str]:
    """Comma-separated flags, each up to 40 characters, lower case, no repeats."""
    items = value if isinstance(value, list) else (value or "").split(",")
    flags: list[str] = []
    for item in items:
        flag = v.clean_text(item, field=field, max_len=40, required=False, label="A flag").lower()
        if flag and flag not in flags:
            flags.append(flag)
    if len(flags) > MAX_FLAGS:
        raise ValidationError(f"Please give at most {MAX_FLAGS} flags.", field=field)
    return flags


def _yes(value: object) -> bool:
    return value is True or str(value).strip().lower() in ("y", "yes", "true", "1")


NO_FIXED_ABODE = "NFA"
"""The postcode recorded for someone with no fixed abode (a choice, never a blank)."""


def _means_no_fixed_abode(value: object) -> bool:
    words = " ".join(str(value or "").upper().replace(".", " ").split())
    return words in ("NFA", "N F A", "NO FIXED ABODE")


def clean_customer(raw: dict, *, today: date | None = None) -> tuple[dict, dict[str, str]]:
    """The customer form checked: (clean values, {field: message}) with every problem at once."""
    clean: dict = {}
    errors: dict[str, str] = {}

    def take(name, parse):
        try:
            clean[name] = parse(raw.get(name))
        except ValidationError as exc:
            errors[exc.field or name] = exc.message

    take("given_name", lambda x: parse_name(x, field="given_name", label="Given name"))
    take("family_name", lambda x: parse_name(x, field="family_name", label="Family name"))
    take("date_of_birth", lambda x: v.parse_date_of_birth(x, today=today).isoformat())
    if _yes(raw.get("no_fixed_abode")) or _means_no_fixed_abode(raw.get("postcode")):
        # No fixed abode is a real answer, not a missing postcode: recorded as "NFA".
        clean["postcode"] = NO_FIXED_ABODE
        if not (raw.get("address") or "").strip():
            raw = {**raw, "address": "No fixed abode"}
    else:
        take("postcode", v.parse_uk_postcode)
    take("address", lambda x: v.clean_text(x, field="address", max_len=300, multiline=True))
    take("phone", lambda x: v.optional(v.parse_uk_phone, x))
    take("email", lambda x: v.optional(v.parse_email, x))
    clean["no_email"] = _yes(raw.get("no_email"))
    take(
        "contact_times",
        lambda x: v.clean_text(x, field="contact_times", max_len=120, required=False),
    )
    take(
        "language",
        lambda x: v.clean_text(x, field="language", max_len=40, required=False) or "English",
    )
    clean["interpreter_needed"] = _yes(raw.get("interpreter_needed"))
    take(
        "accessibility_needs",
        lambda x: v.clean_text(x, field="accessibility_needs", max_len=300, required=False),
    )
    take("vulnerability_flags", parse_flags)
    take("council_reference", parse_reference)
    # Here, not at the top: the store's projections import this module at start.
    from cxdesk.events.customers import CONTACT_METHODS

    method = (raw.get("preferred_contact") or "phone").strip().lower()
    if method not in CONTACT_METHODS:
        errors["preferred_contact"] = "Choose phone, text, email, letter or in person."
    clean["preferred_contact"] = method
    if "email" not in errors:
        if clean.get("email") and clean["no_email"]:
            errors["no_email"] = "You gave an email address; untick 'no email' or clear it."
        elif not clean.get("email") and not clean["no_email"]:
            errors["email"] = "Enter an email address, or record that they have no email."
    if method in ("phone", "text") and "phone" not in errors and not clean.get("phone"):
        errors["phone"] = f"They prefer contact by {method}: please enter a phone number."
    if method == "email" and clean["no_email"]:
        errors["preferred_contact"] = "They have no email, so email cannot be their preference."
    return clean, errors


class FormErrors(ValidationError):
    """Several fields wrong at once: ``errors`` maps each field to its message."""

    def __init__(self, errors: dict[str, str]) -> None:
        field_name, message = next(iter(errors.items()))
        count = len(errors)
        summary = message if count == 1 else f"{count} fields need checking. {message}"
        super().__init__(summary, field=field_name)
        self.errors = dict(errors)
