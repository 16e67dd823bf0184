"""Search-as-you-type over the priority numbers directory.

An advisor types a few letters while the resident is still talking, often with a
typo ("housng"), words run together ("counciltax"), in any order ("tax
council"), or the digits of a number they were given. The index is built once
per directory load and each keystroke must cost a few milliseconds on 10,000
entries, so the work is split:

- at build time every entry's name, keywords, team and service are folded
  (lower case, accents and punctuation removed) into *words*, and neighbouring
  words run together into *joined* terms ("counciltax", and whole phrases such
  as "adultsocialcare"). Each term keeps a posting list of entries, weighted by
  the field it came from (a name outranks a description).
- at query time each query word is looked up in the vocabulary, not the
  entries: an exact word, then words it begins (typing in progress), then an
  exact joined term; only if none of those match, joined terms it begins, and
  last ``rapidfuzz`` typo matching over the words. Typo matching is a fallback
  so a correctly spelt word is never outranked by look-alikes, and it runs over
  the few thousand distinct words, in C. Results per word are cached, so
  typing the third word of a query does not redo the first two.
- an entry's score is the mean over query words of its best match, so word
  order does not matter and a missing word costs its share; the query with its
  spaces removed is tried as one word too.
- only the best few hundred candidates get the name bonus (closeness of the
  whole name, name starts with the query), which puts exact and prefix name
  matches first.
- a query of digits is matched against the numbers through sorted lists
  (exact, then numbers starting with it, then ending with it) and one joined
  string for digits in the middle, stopping as soon as there are enough hits.
"""

from __future__ import annotations

import heapq
import re
import unicodedata
from bisect import bisect_left
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from itertools import chain
from operator import itemgetter
from typing import TYPE_CHECKING

# phonenumbers and rapidfuzz are imported where they are used: their tables load on the
# first search, not when the desk starts (the event catalogue imports this module).

if TYPE_CHECKING:
    from cxdesk.domain.directory import DirectoryEntry

# Where a word was found decides how much it counts.
_FIELD_WEIGHTS = (("name", 1.0), ("keywords", 0.92), ("team", 0.85), ("service", 0.7))
_STRONG = 0.85  # the weight of a team; descriptions weigh less
_STOPWORDS = frozenset({"a", "an", "and", "for", "in", "of", "on", "or", "the", "to", "with"})
_FUZZY_CUTOFF = 75.0  # fuzz.ratio; "housng" vs "housing" is 92, "care" vs "card" 75
_MIN_SCORE = 40.0  # a hit must match at least this well on average
_RESCORE = 300  # candidates that get the (dearer) name bonus
_CACHE_SIZE = 512
_NON_WORD = re.compile(r"[^0-9a-z]+")
_LETTER = re.compile(r"[^\W\d_]")
# Phone hits rank by how the digits matched, whatever the entry's name.
_PHONE_EXACT, _OOH_EXACT, _PHONE_START, _PHONE_END, _PHONE_MIDDLE = 100.0, 98.0, 95.0, 90.0, 85.0

Postings = tuple[tuple[int, float], ...]


def fold(text: str) -> str:
    """Lower-case ASCII-ish words: accents, apostrophes and punctuation removed."""
    if not text.isascii():
        decomposed = unicodedata.normalize("NFKD", text)
        text = "".join(c for c in decomposed if not unicodedata.combining(c))
    plain = text.casefold().replace("'", "").replace("\u2019", "")
    return " ".join(_NON_WORD.split(plain)).strip()


@dataclass(frozen=True, slots=True)
class SearchHit:
    """One search result: the entry and how well it matched (0-100)."""

    entry: DirectoryEntry
    score: float


class _Vocabulary:
    """Sorted terms with their posting lists, for exact and prefix look-ups."""

    def __init__(self, postings: dict[str, dict[int, float]]) -> None:
        self.terms = sorted(postings)
        self.position = {term: k for k, term in enumerate(self.terms)}
        self.postings: list[Postings] = [tuple(postings[t].items()) for t in self.terms]
        # Postings from names, keywords and teams only: a one- or two-letter prefix
        # matches so many description words that those would swamp the result.
        self.strong: list[Postings] = [
            tuple(p for p in posting if p[1] >= _STRONG) for posting in self.postings
        ]

    def prefixed(self, token: str) -> range:
        """Positions of the terms that start with ``token``."""
        return range(bisect_left(self.terms, token), bisect_left(self.terms, token + "\U0010ffff"))


class DirectoryIndex:
    """The directory, prepared for fast search. Build once; entries are not copied."""

    def __init__(self, entries: Iterable[DirectoryEntry]) -> None:
        self.entries: tuple[DirectoryEntry, ...] = tuple(entries)
        self._names = [fold(e.name) for e in self.entries]
        self._alphabetical = sorted(
            range(len(self.entries)), key=lambda i: (self._names[i], self.entries[i].id)
        )
        self._by_id = {e.id: e for e in self.entries}
        # For a single typed character: entries whose name starts with it, then
        # those with a later word starting with it, each alphabetical.
        self._first_letter: dict[str, list[int]] = {}
        self._word_letter: dict[str, list[int]] = {}
        for index in self._alphabetical:
            name_words = self._names[index].split()
            if name_words:
                self._first_letter.setdefault(name_words[0][0], []).append(index)
            for letter in dict.fromkeys(word[0] for word in name_words[1:]):
                self._word_letter.setdefault(letter, []).append(index)
        words: dict[str, dict[int, float]] = {}
        joined: dict[str, dict[int, float]] = {}
        for index, entry in enumerate(self.entries):
            for field, weight in _FIELD_WEIGHTS:
                value = getattr(entry, field)
                for phrase in value if isinstance(value, tuple) else (value,):
                    parts = [w for w in fold(phrase).split() if w not in _STOPWORDS]
                    _post(words, parts, index, weight)
                    if field == "service":
                        continue  # nobody types a description's words run together
                    pairs = [a + b for a, b in zip(parts, parts[1:], strict=False)]
                    if len(parts) > 2:
                        pairs.append("".join(parts))
                    _post(joined, pairs, index, weight)
        self._words = _Vocabulary(words)
        self._joined = _Vocabulary(joined)
        self._cache: dict[str, dict[int, float]] = {}
        self._build_phones()

    def _build_phones(self) -> None:
        starts: list[tuple[str, int]] = []
        ends: list[tuple[str, int]] = []
        self._ooh: dict[str, list[int]] = {}
        pieces = []
        self._piece_start: list[int] = []
        self._piece_owner: list[int] = []
        offset = 0
        for index, entry in enumerate(self.entries):
            for digits in _phone_digits(entry.phone):
                starts.append((digits, index))
                ends.append((digits[::-1], index))
                pieces.append(digits)
                self._piece_start.append(offset)
                self._piece_owner.append(index)
                offset += len(digits) + 1
            if entry.out_of_hours_phone:
                for digits in _phone_digits(entry.out_of_hours_phone):
                    self._ooh.setdefault(digits, []).append(index)
        starts.sort()
        ends.sort()
        self._starts = [digits for digits, _ in starts]
        self._start_owner = [index for _, index in starts]
        self._ends = [digits for digits, _ in ends]
        self._end_owner = [index for _, index in ends]
        self._phone_blob = "|".join(pieces)

    def __len__(self) -> int:
        return len(self.entries)

    def get(self, entry_id: str) -> DirectoryEntry | None:
        """The entry with this id, or None."""
        return self._by_id.get(entry_id)

    def search(
        self, query: str, limit: int = 20, *, include_staff_only: bool = True
    ) -> list[SearchHit]:
        """The best ``limit`` entries for what the advisor typed, best first.

        An empty query lists entries alphabetically by name (score 0). Digits
        only ("0161 496", "+44 20 7946 0123") search the phone numbers.
        """
        from rapidfuzz import fuzz

        folded = fold(query)
        if not folded:
            return self._hits(((0.0, i) for i in self._alphabetical), limit, include_staff_only)
        digits = re.sub(r"\D", "", query)
        if len(digits) >= 3 and not _LETTER.search(query):
            ranked = self._phone_matches(_national_digits(query, digits))
            return self._hits(ranked, limit, include_staff_only)
        if len(folded) == 1:
            return self._hits(self._initial(folded), limit, include_staff_only)
        scores = self._match_words(folded)
        if not include_staff_only:
            scores = {i: s for i, s in scores.items() if not self.entries[i].staff_only}
        best = heapq.nlargest(_RESCORE, scores.items(), key=itemgetter(1))
        ranked = []
        for index, base in best:
            name = self._names[index]
            bonus = 15.0 * fuzz.token_sort_ratio(folded, name) / 100
            if name.startswith(folded):
                bonus += 10.0
            ranked.append((round(base * 0.75 + bonus, 2), index))
        ranked.sort(key=lambda pair: (-pair[0], self._names[pair[1]], pair[1]))
        return self._hits(ranked, limit, include_staff_only)

    def _hits(self, ranked: Iterable[tuple[float, int]], limit: int, staff: bool) -> list:
        hits: list[SearchHit] = []
        seen: set[int] = set()
        for score, index in ranked:
            if len(hits) >= limit:
                break
            entry = self.entries[index]
            if index not in seen and (staff or not entry.staff_only):
                seen.add(index)
                hits.append(SearchHit(entry, score))
        return hits

    def _initial(self, letter: str) -> Iterator[tuple[float, int]]:
        """One letter typed: names starting with it, then names with a word starting with it."""
        yield from ((90.0, i) for i in self._first_letter.get(letter, ()))
        yield from ((70.0, i) for i in self._word_letter.get(letter, ()))

    def _match_words(self, folded: str) -> dict[int, float]:
        words = folded.split()
        tokens = [w for w in words if w not in _STOPWORDS and len(w) > 1] or words
        per_token = [self._match_one(token) for token in tokens]
        if len(per_token) == 1:
            return {i: s for i, s in per_token[0].items() if s >= _MIN_SCORE}
        totals: dict[int, float] = {}
        for matches in per_token:
            for index, score in matches.items():
                totals[index] = totals.get(index, 0.0) + score
        count = len(tokens)
        scores = {i: s / count for i, s in totals.items()}
        # "council tax" typed as words should also find "counciltax" and vice versa.
        for index, score in self._match_token("".join(tokens)).items():
            if score > scores.get(index, 0.0):
                scores[index] = score
        return {i: s for i, s in scores.items() if s >= _MIN_SCORE}

    def _match_one(self, token: str) -> dict[int, float]:
        if not (token.isdigit() and len(token) >= 3):
            return self._match_token(token)
        matches: dict[int, float] = {}
        for score, index in self._phone_matches(token, cap=2000):
            matches.setdefault(index, score)  # best first, so the first is the best
        return matches

    def _match_token(self, token: str) -> dict[int, float]:
        """Entry -> 0..100 for one query word (cached)."""
        from rapidfuzz import fuzz, process

        cached = self._cache.get(token)
        if cached is not None:
            return cached
        matched: dict[int, float] = {}
        words, joined = self._words, self._joined
        exact = words.position.get(token)
        if exact is not None:
            _apply(matched, words.postings[exact], 100.0)
        prefix_postings = words.strong if len(token) <= 2 else words.postings
        for k in words.prefixed(token):
            if k != exact:
                # Probably the word being typed; longer leftovers count a little less.
                _apply(matched, prefix_postings[k], 90.0 + 10.0 * len(token) / len(words.terms[k]))
        exact_joined = joined.position.get(token)
        if exact_joined is not None:
            _apply(matched, joined.postings[exact_joined], 100.0)
        if not matched and len(token) >= 4:
            for k in joined.prefixed(token):
                _apply(matched, joined.postings[k], 90.0 + 10.0 * len(token) / len(joined.terms[k]))
        if not matched and len(token) >= 4:
            for _term, ratio, k in process.extract(
                token, words.terms, scorer=fuzz.ratio, score_cutoff=_FUZZY_CUTOFF, limit=None
            ):
                # Stretch the scale so one typo stays high and a weak likeness falls away.
                _apply(matched, words.postings[k], 100.0 - 1.5 * (100.0 - ratio))
        if len(self._cache) >= _CACHE_SIZE:
            self._cache.clear()
        self._cache[token] = matched
        return matched

    def _phone_matches(self, digits: str, cap: int | None = None) -> Iterator[tuple[float, int]]:
        """(score, entry) best first: exact, out-of-hours exact, starts, ends, middle."""
        exact = _range(self._starts, digits, exact=True)
        starts = _range(self._starts, digits)
        ends = _range(self._ends, digits[::-1])
        found = chain(
            ((_PHONE_EXACT, self._start_owner[k]) for k in exact),
            ((_OOH_EXACT, index) for index in self._ooh.get(digits, ())),
            ((_PHONE_START, self._start_owner[k]) for k in starts if k not in exact),
            ((_PHONE_END, self._end_owner[k]) for k in ends),
            (
                (_PHONE_MIDDLE, self._piece_owner[self._piece_at(m.start())])
                for m in re.finditer(re.escape(digits), self._phone_blob)
            ),
        )
        for count, item in enumerate(found):
            if cap is not None and count >= cap:
                return
            yield item

    def _piece_at(self, offset: int) -> int:
        return bisect_left(self._piece_start, offset + 1) - 1


def _post(table: dict[str, dict[int, float]], terms: list[str], index: int, weight: float) -> None:
    for term in terms:
        slot = table.setdefault(term, {})
        if slot.get(index, 0.0) < weight:
            slot[index] = weight


def _apply(matched: dict[int, float], postings: Postings, score: float) -> None:
    for index, weight in postings:
        value = score * weight
        if value > matched.get(index, 0.0):
            matched[index] = value


def _range(keys: list[str], digits: str, *, exact: bool = False) -> range:
    start = bisect_left(keys, digits)
    stop = bisect_left(keys, digits + ("\x00" if exact else ":"))  # ":" sorts after "9"
    return range(start, stop)


def _phone_digits(e164: str) -> tuple[str, str]:
    """The digit strings someone might type for a number: national and international."""
    import phonenumbers

    if e164.isdigit():  # a short number (999, 116123) is dialled as it is everywhere
        return e164, e164
    if e164.startswith("+44"):
        return "0" + e164[3:], e164[1:]  # the UK national form is the trunk 0 and the rest
    number = phonenumbers.parse(e164, "GB")
    national = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
    return re.sub(r"\D", "", national), e164.lstrip("+")


def _national_digits(query: str, digits: str) -> str:
    """Typed "+44 161 ..." or "0044 161 ..." becomes the national "0161 ..." digits."""
    if query.strip().startswith("+44"):
        rest = digits[2:]
    elif digits.startswith("0044"):
        rest = digits[4:]
    else:
        return digits
    # "+44 (0)161 ..." already carries the trunk zero.
    return rest if rest.startswith("0") else "0" + rest
