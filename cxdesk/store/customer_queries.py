"""Reading customers: search, likely matches, one record, its history.

Search must stay quick on 100,000 customers at a thin-client desk. Exact parts
of the query (date of birth, postcode or district, phone, council reference)
go to SQLite indexes. Names go through a vocabulary of distinct name words
(far fewer than customers), matched with rapidfuzz in C to find the spellings
close to each typed word; only customers holding a close spelling of EVERY
typed word are fetched and scored. The vocabulary is cached per store and
rebuilt only when a customer's name may have changed.

Lists carry only what identifies a person: name, year of birth and postcode
district (``CustomerHit``); full details come from ``get_customer``.
"""

from __future__ import annotations

import json
import threading
import weakref
from dataclasses import dataclass

from rapidfuzz import process
from rapidfuzz.distance import JaroWinkler

from cxdesk.domain.customers import (
    Match,
    Person,
    likely_match,
    normalise_name,
    parse_search,
    search_name_score,
)
from cxdesk.store import _sql

MIN_NAME_SCORE = 80
_WORD_CUTOFF = 0.84
_MAX_SPELLINGS = 60


@dataclass(frozen=True)
class CustomerHit:
    """One line of a customer list: just enough to tell people apart."""

    customer_id: str
    given_name: str
    family_name: str
    birth_year: int
    district: str
    score: float = 100.0

    @property
    def name(self) -> str:
        return f"{self.given_name} {self.family_name}"


_vocab: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_vocab_lock = threading.Lock()
# A new change row is the only way a new name word appears. (A server acknowledgement
# that reorders two offline renames can change a name without a new row; the word is
# then missed until the next change, and the customer is still found by any other part.)
_SIGNATURE = "SELECT MAX(rowid), COUNT(*) FROM customer_changes"


def _vocabulary(store) -> list[str]:
    signature = tuple(_sql.query(store, _SIGNATURE)[0])
    with _vocab_lock:
        cached = _vocab.get(store)
        if cached and cached[0] == signature:
            return cached[1]
    words = [r[0] for r in _sql.query(store, "SELECT DISTINCT token FROM customer_name_tokens")]
    with _vocab_lock:
        _vocab[store] = (signature, words)
    return words


def _spellings(word: str, vocabulary: list[str]) -> list[str]:
    """Name words in the store close to ``word``: typos, or ``word`` as a prefix."""
    close = process.extract(
        word,
        vocabulary,
        scorer=JaroWinkler.normalized_similarity,
        score_cutoff=_WORD_CUTOFF,
        limit=_MAX_SPELLINGS,
    )
    found = {match for match, _score, _i in close}
    if len(word) >= 2:
        found.update(w for w in vocabulary if w.startswith(word))
    return sorted(found)


def _join_particles(words: list[str], vocabulary: set[str]) -> list[str]:
    """ "o brien" is O'Brien: a one-letter word joins the next when the joined name is known.

    A stored name loses its apostrophe ("obrien"), so an advisor who types a space
    instead of the apostrophe must still find it; an initial ("j smith") stays an initial.
    """
    out: list[str] = []
    i = 0
    while i < len(words):
        word = words[i]
        if len(word) == 1 and i + 1 < len(words) and word + words[i + 1] in vocabulary:
            out.append(word + words[i + 1])
            i += 2
            continue
        out.append(word)
        i += 1
    return out


def _hits(rows, names: str, limit: int) -> list[CustomerHit]:
    hits = []
    for r in rows:
        score = search_name_score(names, r["given_name"], r["family_name"]) if names else 100.0
        if score >= MIN_NAME_SCORE:
            hits.append(
                CustomerHit(
                    r["customer_id"],
                    r["given_name"],
                    r["family_name"],
                    r["birth_year"],
                    r["postcode_district"],
                    round(score, 1),
                )
            )
    hits.sort(key=lambda h: (-h.score, h.family_name, h.given_name, h.birth_year))
    return hits[:limit]


_HIT_COLUMNS = "customer_id, given_name, family_name, birth_year, postcode_district"


def search_customers(store, text: str, *, limit: int = 20) -> list[CustomerHit]:
    """Customers matching a name, date of birth, postcode, phone or council reference.

    Name words may come in any order and with typos; the other parts must match.
    """
    terms = parse_search(text)
    if terms.empty:
        return []
    where, params = [], []
    for column, value in (
        ("date_of_birth", terms.date_of_birth),
        ("postcode", terms.postcode),
        ("postcode_district", terms.district),
        ("phone", terms.phone),
    ):
        if value:
            where.append(f"{column} = ?")
            params.append(value)
    if terms.references:
        marks = ", ".join("?" * len(terms.references))
        where.append(f"council_reference IN ({marks})")
        params += terms.references
    words = normalise_name(terms.names).split()
    if words:
        words = _join_particles(words, set(_vocabulary(store)))
    names = " ".join(words)
    if words and not where:  # exact parts already narrow it to a few rows: score those
        vocabulary = _vocabulary(store)
        for word in words[:4]:
            spellings = _spellings(word, vocabulary)
            if not spellings:
                return []
            marks = ", ".join("?" * len(spellings))
            where.append(
                f"customer_id IN (SELECT customer_id FROM customer_name_tokens "
                f"WHERE token IN ({marks}))"
            )
            params += spellings
    rows = _sql.query(
        store,
        f"SELECT {_HIT_COLUMNS} FROM customers WHERE {' AND '.join(where)} LIMIT 2000",
        tuple(params),
    )
    return _hits(rows, names, limit)


def hits_by_id(store, customer_ids: list[str]) -> list[CustomerHit]:
    """The list lines of these customers, as far as this desk holds them, in the order given."""
    if not customer_ids:
        return []
    marks = ", ".join("?" * len(customer_ids))
    rows = _sql.query(
        store,
        f"SELECT {_HIT_COLUMNS} FROM customers WHERE customer_id IN ({marks})",
        tuple(customer_ids),
    )
    found = {h.customer_id: h for h in _hits(rows, "", len(customer_ids))}
    return [found[c] for c in customer_ids if c in found]


def likely_matches(
    store, given_name: str, family_name: str, date_of_birth: str, postcode: str = "", *, limit=5
) -> list[tuple[CustomerHit, Match]]:
    """Existing customers who are likely the same person, best first.

    Candidates share the date of birth, or the year and month (a mistyped or
    swapped day), so this reads a handful of rows whatever the store's size.
    """
    year, month, day = date_of_birth.split("-")
    swapped = f"{year}-{day}-{month}"
    rows = _sql.query(
        store,
        f"SELECT {_HIT_COLUMNS}, date_of_birth, postcode FROM customers "
        "WHERE date_of_birth IN (?, ?) OR date_of_birth LIKE ?",
        (date_of_birth, swapped, f"{year}-{month}-%"),
    )
    me = Person(given_name, family_name, date_of_birth, postcode)
    found = []
    for r in rows:
        match = likely_match(
            me, Person(r["given_name"], r["family_name"], r["date_of_birth"], r["postcode"])
        )
        if match:
            hit = CustomerHit(
                r["customer_id"],
                r["given_name"],
                r["family_name"],
                r["birth_year"],
                r["postcode_district"],
                match.score,
            )
            found.append((hit, match))
    found.sort(key=lambda pair: -pair[1].score)
    return found[:limit]


@dataclass(frozen=True, slots=True)
class CustomerRecord:
    """Every detail of one customer, as the record screen shows it."""

    customer_id: str
    given_name: str
    family_name: str
    date_of_birth: str  # YYYY-MM-DD
    birth_year: int
    address: str
    postcode: str
    postcode_district: str
    phone: str | None  # E.164
    email: str | None
    no_email: bool
    preferred_contact: str
    contact_times: str
    language: str
    interpreter_needed: bool
    accessibility_needs: str
    vulnerability_flags: tuple[str, ...]
    council_reference: str
    registered_at_ms: int
    registered_location: str
    registered_by: str
    updated_at_ms: int
    registered_location_name: str | None  # None: the roster does not know the location
    registered_by_name: str | None


_RECORD_COLUMNS = ", ".join(f"c.{f}" for f in list(CustomerRecord.__dataclass_fields__)[:-2])
"""The ``customers`` columns: every field but the two names joined from the roster."""


def get_customer(store, customer_id: str) -> CustomerRecord | None:
    """Every detail of one customer, or None."""
    rows = _sql.query(
        store,
        f"SELECT {_RECORD_COLUMNS}, "
        "l.name AS registered_location_name, s.name AS registered_by_name "
        "FROM customers c LEFT JOIN location_names_v l ON l.location_id = c.registered_location "
        "LEFT JOIN staff_names_v s ON s.staff_id = c.registered_by WHERE c.customer_id = ?",
        (customer_id,),
    )
    if not rows:
        return None
    record = dict(rows[0])
    record["vulnerability_flags"] = tuple(json.loads(record["vulnerability_flags"]))
    record["no_email"] = bool(record["no_email"])
    record["interpreter_needed"] = bool(record["interpreter_needed"])
    return CustomerRecord(**record)


@dataclass(frozen=True)
class HistoryLine:
    """One thing that happened to or for a customer, anywhere."""

    event_id: str
    at_ms: int
    kind: str
    summary: str
    actor: str
    actor_name: str
    location: str
    location_name: str


def customer_history(store, customer_id: str, *, include_views: bool = False) -> list[HistoryLine]:
    """The customer's whole history across every location, newest first."""
    views = "" if include_views else "AND t.kind != 'CustomerRecordViewed'"
    rows = _sql.query(
        store,
        "SELECT t.event_id, t.at_ms, t.kind, t.summary, t.actor, "
        "COALESCE(s.name, t.actor) AS actor_name, t.location, "
        "COALESCE(l.name, t.location) AS location_name FROM customer_timeline t "
        "LEFT JOIN staff_names_v s ON s.staff_id = t.actor "
        "LEFT JOIN location_names_v l ON l.location_id = t.location "
        f"WHERE t.customer_id = ? {views} ORDER BY t.at_ms DESC, t.event_id DESC",
        (customer_id,),
    )
    return [HistoryLine(**dict(r)) for r in rows]


def view_count(store, customer_id: str) -> int:
    """How many times the record has been opened (each opening is an event)."""
    return int(
        _sql.scalar(
            store,
            "SELECT COUNT(*) FROM customer_timeline WHERE customer_id = ? "
            "AND kind = 'CustomerRecordViewed'",
            (customer_id,),
        )
    )


def other_locations(store, here: str) -> list[tuple[str, str]]:
    """(location id, name) of every location but ``here``, for moving a resident there."""
    from cxdesk.store.staff_queries import location_names

    names = location_names(store)  # the roster's locations
    return sorted(((i, n) for i, n in names.items() if i != here), key=lambda pair: pair[1])


@dataclass(frozen=True, slots=True)
class ContactDetails:
    """How to reach a customer, as the shared-contact anomaly compares them."""

    customer_id: str
    name: str
    phone: str
    address: str


def contact_details(store, customer_ids: list[str]) -> dict[str, ContactDetails]:
    """Name, phone and address of each of these customers this desk holds, by id."""
    found: dict[str, ContactDetails] = {}
    ids = list(dict.fromkeys(customer_ids))
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        marks = ",".join("?" * len(chunk))
        for cid, name, phone, address in _sql.query(
            store,
            "SELECT customer_id, given_name || ' ' || family_name, phone, address "
            f"FROM customers WHERE customer_id IN ({marks})",
            chunk,
        ):
            found[cid] = ContactDetails(cid, name, phone or "", address or "")
    return found
