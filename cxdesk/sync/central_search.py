"""Search all locations: ask the central API for a resident this desk does not hold.

A desk holds only its location's residents and the claims index (DESIGN.md,
"Who receives what"). When someone registered elsewhere is at the desk, the
advisor asks the central API with the search's fields and a reason; each match
is recorded centrally as viewed here (with the reason), which gives this
location the resident, and the record arrives with the next pull. This module
is the desk's side of it without a screen: what to ask (from the search box),
the checks, the call and the words for each answer.
"""

from __future__ import annotations

from dataclasses import dataclass

from cxdesk.domain import validation as v
from cxdesk.domain.customers import parse_name, parse_search
from cxdesk.errors import CxDeskError, ValidationError
from cxdesk.sync.client import DeskRevoked, SyncRefused, SyncUnavailable
from cxdesk.sync.protocol import CENTRAL_REASON_MAX, CentralSearch, CentralSearchAnswer

ONLY_HERE = "only this desk's residents and the claims index can be searched"
NO_CENTRAL = f"This desk is not connected to the central API, so {ONLY_HERE}."
OFFLINE = f"This desk is offline, so {ONLY_HERE}."
NEEDS = (
    "To search all locations, type the given name, family name and date of birth "
    "(and the postcode if known)."
)


@dataclass(frozen=True)
class Wanted:
    """Who the search box describes, as the central search asks for them."""

    given_name: str
    family_name: str
    date_of_birth: str
    """ISO, as the wire wants it."""
    postcode: str = ""

    def words(self) -> str:
        """ "Maria Okafor, born 11/02/1984, postcode EM1 4QT" for the advisor to check."""
        y, m, d = self.date_of_birth.split("-")
        where = f", postcode {self.postcode}" if self.postcode else ""
        return f"{self.given_name} {self.family_name}, born {d}/{m}/{y}{where}"


def wanted_from_search(text: str) -> Wanted:
    """The names (the last word is the family name), date of birth and postcode typed in
    the search box; a ``ValidationError`` saying what is missing or wrong."""
    terms = parse_search(text)
    words = terms.names.split()
    if len(words) < 2 or not terms.date_of_birth:
        raise ValidationError(NEEDS, field="search")
    given = parse_name(" ".join(words[:-1]), field="search", label="The given name")
    family = parse_name(words[-1], field="search", label="The family name")
    return Wanted(given, family, terms.date_of_birth, terms.postcode or "")


def make_ask(wanted: Wanted, reason: str) -> CentralSearch:
    """The request, with the reason checked as every stored text is (it is recorded)."""
    why = v.clean_text(reason, field="reason", max_len=CENTRAL_REASON_MAX, label="The reason")
    if len(why) < 3:
        raise ValidationError("Please say why you need the record.", field="reason")
    return CentralSearch(
        given_name=wanted.given_name,
        family_name=wanted.family_name,
        date_of_birth=wanted.date_of_birth,
        postcode=wanted.postcode,
        reason=why,
    )


def unreachable(exc: CxDeskError) -> str:
    """One sentence for a search the central API did not answer (or refused)."""
    if isinstance(exc, SyncRefused) and not isinstance(exc, DeskRevoked):
        return f"The central API refused the search ({exc.reason}), so {ONLY_HERE}."
    short = getattr(exc, "short", None) or "no answer"
    return f"The central API cannot be reached now ({short}), so {ONLY_HERE}."


def ask_central(app, worker, ask: CentralSearch) -> CentralSearchAnswer:
    """Ask, from a thread worker, with the sync ``worker``'s client: it lives on the app's
    loop, so the request runs there (the screen never waits). Raises a ``CxDeskError``
    in one sentence."""
    if worker is None:
        raise CxDeskError(NO_CENTRAL)
    try:
        return app.call_from_thread(worker.client.search_central, ask)
    except DeskRevoked as exc:
        worker.sync_now()  # the worker's next round wipes the desk, as for any refusal
        raise CxDeskError(f"The central API refused this desk: {exc.reason}") from None
    except (SyncUnavailable, SyncRefused) as exc:
        raise CxDeskError(unreachable(exc)) from None


def records(count: int, where: str) -> str:
    """ "1 record held at another location", "2 records held at other locations"."""
    if where == "here":
        return "1 record held here" if count == 1 else f"{count} records held here"
    return f"1 {where}" if count == 1 else f"{count} records held at other locations"


ELSEWHERE = "record held at another location"


def found_words(new: int, held: int) -> str:
    """What the answer means, before the records arrive."""
    if new:
        return f"Found {records(new, ELSEWHERE)}; fetching {'it' if new == 1 else 'them'}…"
    return f"Found {records(held, 'here')} already; listed first."


def fetched_words(new: int, missing: int) -> str:
    """What the advisor can do once the sync has run (or has not brought them yet)."""
    if not missing:
        which = "it" if new == 1 else "the highlighted one"
        return f"Fetched {records(new, ELSEWHERE)}: listed first. Enter opens {which}."
    return (
        f"Found {records(new, ELSEWHERE)}; {missing} not here yet: listed once the next "
        "sync brings them (F8 shows sync)."
    )


def none_words(wanted: Wanted) -> str:
    return (
        f"Nobody matching {wanted.words()} is held at any location. "
        "Check the details, or Ctrl+N to register."
    )
