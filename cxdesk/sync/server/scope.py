"""The server's side of scoping: who may receive each event, kept as events are accepted.

``record_scope`` runs in the push transaction, after the events have their
feed places, and writes (in feed order, so every grant has a definite place):

- ``scope_targets``: per event its places and keys (``cxdesk.sync.scope``);
- ``scope_grants``: per key and location, the first feed place from which
  the location may hold the key's events (the *grant*);
- ``scope_locations``: each location's kind, from ``LocationDefined``;
- ``scope_private``: advice-only referrals and where they were given;
- ``scope_homes``, ``scope_standing``, ``scope_dropped``: each resident's home
  location, the locations with a standing reason to keep them, and the grants a
  ``CustomerMoved`` withdrew (with its feed place), from which each desk's pull
  page says which residents to drop (``dropped_between``).

``scoped_page`` is a desk's pull page. An event's *delivery place* is its
``server_seq``, or for a keyed event held back until a grant, the grant's
place: then the resident's earlier history arrives together, right after the
cursor passes the grant ("backfill"). A page is every event whose delivery
place is in ``(after, next]``, ordered by (delivery place, ``server_seq``), so
the cursor never skips or repeats and the page is still in feed order for the
events of each place. ``next`` is ``head`` (read first) when the page is not
full, so a desk that may see nothing new still moves on.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence

from sqlalchemy import Connection, bindparam, text

from cxdesk.events.envelope import MAX_SEQ, Event
from cxdesk.sync import scope
from cxdesk.sync.protocol import CENTRAL_DEVICE
from cxdesk.sync.server.bulk import Read, Write, insert_write, read_together, rows_for_keys
from cxdesk.sync.server.claims import note_claim
from cxdesk.sync.server.council_tables import note_report

_GRANTS = "SELECT target, location FROM scope_grants WHERE target IN :keys"
_PRIVATE = "SELECT referral_id, location FROM scope_private WHERE referral_id IN :keys"
_KINDS = "SELECT location_id, kind FROM scope_locations WHERE location_id IN :keys"
_STAFF_KEYED = scope.STAFF_KINDS | scope.SIGN_IN_KINDS


class ScopeWriter:
    """Scope bookkeeping for one push (caches what it has read or written).

    The grants of every resident and staff member the push names, the private
    referrals it mentions and the kinds of its places are read in one query each
    (``reads``: the push sends them with its other reads under the feed lock, one
    round trip) and kept up to date in memory; new grants and targets are written
    together by ``flush``.
    """

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self.kinds: dict[str, str | None] = {}
        self.private: dict[str, str | None] = {}
        self.grants: dict[str, set[str]] = {}
        """key -> the places holding it, as the push stands."""
        self.targets: list[tuple[int, str, bool]] = []
        """``scope_targets`` rows, inserted together by ``flush`` (nothing here reads them)."""
        self.new_grants: list[dict] = []
        self.woken: set[str] = set()
        """Audiences whose pull pages this push changes (direct places, grants, drops)."""
        self.via_keys: set[str] = set()
        """Keys the push's events follow: every place holding one gets them."""

    def prefetch(self, events: list[Event]) -> None:
        reads = self.reads(events)
        self.take(iter([rows_for_keys(self.conn, r.query, r.keys or ()) for r in reads]))

    def reads(self, events: list[Event]) -> list[Read]:
        """What noting ``events`` will read (grants of the residents they name, the
        private referrals they mention, the kinds of their places), to travel with
        other reads: ``take`` their answers, in this order."""
        keys, referrals = set(), set()
        for event in events:
            customer, referral = event.payload.get("customer_id"), event.payload.get("referral_id")
            if isinstance(customer, str):
                keys.add(scope.customer_key(customer))
            staff = event.payload.get("staff_id")
            if isinstance(staff, str) and event.kind in _STAFF_KEYED:
                # Sign-ins and staff changes follow the person's grants: ``audiences``
                # (the wake set) asks for them, and would otherwise read them alone.
                keys.add(scope.staff_key(staff))
            if isinstance(referral, str):
                referrals.add(referral)
        grants = sorted(k for k in keys if k not in self.grants)
        for key in grants:
            self.grants[key] = set()
        private = sorted(r for r in referrals if r not in self.private)
        self.private.update(dict.fromkeys(private))
        places = sorted({e.location for e in events} - self.kinds.keys())
        self.kinds.update(dict.fromkeys(places))
        return [Read(_GRANTS, keys=grants), Read(_PRIVATE, keys=private), Read(_KINDS, keys=places)]

    def take(self, answers: Iterator[Iterable[Sequence]]) -> None:
        for key, place in next(answers):
            self.grants[key].add(place)
        for referral, place in next(answers):
            self.private[referral] = place
        for location, kind in next(answers):
            self.kinds[location] = kind

    def _load_grants(self, keys: set[str]) -> None:
        wanted = sorted(k for k in keys if k not in self.grants)
        for key in wanted:
            self.grants[key] = set()
        for key, place in rows_for_keys(self.conn, _GRANTS, wanted):
            self.grants[key].add(place)

    def _grants_of(self, key: str) -> set[str]:
        if key not in self.grants:
            self._load_grants({key})
        return self.grants[key]

    def location_kind(self, location: str) -> str | None:
        if location not in self.kinds:
            self.kinds[location] = self.conn.execute(
                text("SELECT kind FROM scope_locations WHERE location_id = :l"), {"l": location}
            ).scalar()
        return self.kinds[location]

    def private_referral(self, referral_id: str) -> str | None:
        if referral_id not in self.private:
            self.private[referral_id] = self.conn.execute(
                text("SELECT location FROM scope_private WHERE referral_id = :r"),
                {"r": referral_id},
            ).scalar()
        return self.private[referral_id]

    def written_at(self, event: Event) -> str:
        """Where the event was written: the place the push's trust check accepted.

        That is the enrolled desk's location (not the desk's word), or, for a desk an
        administrator moved, its old one for what it wrote before it learned of the
        move (``trust.EventTrust.place_of``). The server's own events (roster, seeds)
        name their location themselves.
        """
        return event.location

    def holds(self, key: str, location: str) -> bool:
        places = scope.audiences(location, self.location_kind(location))
        return not self._grants_of(key).isdisjoint(places)

    def known(self, key: str) -> bool:
        return bool(self._grants_of(key))

    def entitled(self, event: Event, location: str) -> bool:
        """Whether the writer may extend who holds this resident (see ``scope.grants``)."""
        customer = event.payload.get("customer_id")
        if event.device == CENTRAL_DEVICE or customer is None:
            return True
        key = scope.customer_key(customer)
        if event.kind == "CustomerRegistered" and not self.known(key):
            return True
        return self.holds(key, location)

    def grant(self, key: str, place: str, seq: int) -> None:
        held = self._grants_of(key)
        if place not in held:  # the first grant stands (the table's ON CONFLICT DO NOTHING)
            held.add(place)
            self.woken.add(place)  # the key's history arrives there (backfill)
            self.new_grants.append({"t": key, "l": place, "s": seq})

    def withdraw(self, key: str, place: str) -> None:
        """Take ``place``'s grant of ``key`` away (a move), whether written yet or not."""
        self._grants_of(key).discard(place)
        self.new_grants = [g for g in self.new_grants if (g["t"], g["l"]) != (key, place)]
        self.conn.execute(
            text("DELETE FROM scope_grants WHERE target = :t AND location = :l"),
            {"t": key, "l": place},
        )

    def note(self, event: Event, seq: int) -> None:
        location = self.written_at(event)
        note_claim(self.conn, event, seq, location)  # every desk's claims index
        note_report(self.conn, event, seq, location)  # the council-wide reports
        if event.kind == "LocationDefined":
            p = event.payload
            self.conn.execute(
                text(
                    "INSERT INTO scope_locations (location_id, kind) VALUES (:l, :k) "
                    "ON CONFLICT (location_id) DO UPDATE SET kind = excluded.kind"
                ),
                {"l": p["location_id"], "k": p["kind"]},
            )
            self.kinds[p["location_id"]] = p["kind"]
        if scope.is_private_advice(event):
            rid = event.payload["referral_id"]
            self.conn.execute(
                text(
                    "INSERT INTO scope_private (referral_id, location) VALUES (:r, :l) "
                    "ON CONFLICT (referral_id) DO NOTHING"
                ),
                {"r": rid, "l": location},
            )
            self.private[rid] = location
        found = {t.name: t for t in scope.targets(event, location, self.private_referral)}
        self.targets += [(seq, t.name, t.via_grant) for t in found.values()]
        for t in found.values():
            (self.via_keys if t.via_grant else self.woken).add(t.name)
        if self.entitled(event, location):
            for key, place in scope.grants(event, location, self._is_location):
                self.grant(key, place, seq)
            self.note_home(event, location, seq)

    def note_home(self, event: Event, location: str, seq: int) -> None:
        """Standing reasons, and the resident's home; a move withdraws the old home's grant."""
        searched = event.device == CENTRAL_DEVICE
        for key, place in scope.standing(event, location, self._is_location, searched=searched):
            self.conn.execute(
                text(
                    "INSERT INTO scope_standing (target, location) VALUES (:t, :l) "
                    "ON CONFLICT (target, location) DO NOTHING"
                ),
                {"t": key, "l": place},
            )
        found = scope.home(event, location)
        if found is None:
            return
        key, place = found
        old = self.conn.execute(
            text("SELECT location FROM scope_homes WHERE target = :t"), {"t": key}
        ).scalar()
        if event.kind != "CustomerMoved":
            if old is None:  # registered: the first registration is the home
                self._set_home(key, place, insert=True)
            return
        self._set_home(key, place, insert=old is None)
        if old is None or old == place or self._stands(key, old):
            return
        self.withdraw(key, old)
        self.woken.add(old)  # its page now names the resident as dropped
        self.conn.execute(
            text(
                "INSERT INTO scope_dropped (target, location, dropped_seq) VALUES (:t, :l, :s) "
                "ON CONFLICT (target, location, dropped_seq) DO NOTHING"
            ),
            {"t": key, "l": old, "s": seq},
        )

    def _set_home(self, key: str, place: str, *, insert: bool) -> None:
        sql = (
            "INSERT INTO scope_homes (target, location) VALUES (:t, :l)"
            if insert
            else "UPDATE scope_homes SET location = :l WHERE target = :t"
        )
        self.conn.execute(text(sql), {"t": key, "l": place})

    def _stands(self, key: str, location: str) -> bool:
        found = self.conn.execute(
            text("SELECT 1 FROM scope_standing WHERE target = :t AND location = :l"),
            {"t": key, "l": location},
        ).first()
        return found is not None

    def _is_location(self, name: str) -> bool:
        return self.location_kind(name) is not None

    def audiences(self) -> frozenset[str]:
        """Everyone this push's events reach, as grants stand at its end (the wake set)."""
        found = set(self.woken)
        for key in self.via_keys:
            found |= self._grants_of(key)
        return frozenset(found)

    def writes(self, conn: Connection) -> list[Write | None]:
        """The new grants and targets, one statement per table for the whole push (one per
        event was most of its cost), for the push's closing round trip."""
        grants = [(g["t"], g["l"], g["s"]) for g in self.new_grants]
        self.new_grants = []
        targets, self.targets = self.targets, []
        return [
            insert_write(
                conn,
                "scope_grants",
                ("target", "location", "granted_seq"),
                grants,
                "ON CONFLICT (target, location) DO NOTHING",
            ),
            insert_write(conn, "scope_targets", ("server_seq", "target", "via_grant"), targets),
        ]


def record_scope(
    conn: Connection, accepted: Iterable[tuple[Event, int]], writer: ScopeWriter | None = None
) -> tuple[frozenset[str], list[Write | None]]:
    """Note who may receive each newly accepted event, in feed order (push transaction).

    ``writer``: one whose ``reads`` for these events were answered already (under
    the feed lock). Answers the audiences whose pull pages the events change (the
    held pulls to wake) and the grant and target rows still to write, which the
    caller runs (``write_together``) with its own closing writes.
    """
    accepted = list(accepted)
    if writer is None:
        writer = ScopeWriter(conn)
        writer.prefetch([event for event, _ in accepted])
    for event, seq in accepted:
        writer.note(event, seq)
    return writer.audiences(), writer.writes(conn)


_REACHED = text(
    "SELECT target FROM scope_targets WHERE server_seq > :lo AND server_seq <= :hi "
    "AND NOT via_grant "
    "UNION SELECT g.location FROM scope_targets s JOIN scope_grants g ON g.target = s.target "
    "WHERE s.server_seq > :lo AND s.server_seq <= :hi AND s.via_grant "
    "UNION SELECT location FROM scope_grants WHERE granted_seq > :lo AND granted_seq <= :hi "
    "UNION SELECT location FROM scope_dropped WHERE dropped_seq > :lo AND dropped_seq <= :hi"
)


def audiences_between(conn: Connection, lo: int, hi: int) -> frozenset[str]:
    """The audiences reached by the events placed in ``(lo, hi]`` (``record_scope``'s
    answer, read back: the SQLite poller's wake set for commits of other processes)."""
    return frozenset(row[0] for row in conn.execute(_REACHED, {"lo": lo, "hi": hi}))


def location_holds(conn: Connection, customer_id: str, location: str) -> bool | None:
    """Whether ``location`` holds the resident; None when no location does (yet)."""
    writer = ScopeWriter(conn)
    key = scope.customer_key(customer_id)
    if not writer.known(key):
        return None
    return writer.holds(key, location)


def dropped_between(conn: Connection, aud: list[str], after: int, last: int) -> list[str]:
    """Residents whose grant a move withdrew from these audiences in ``(after, last]``.

    A resident granted again by ``last`` is not dropped: the grant's history
    arrives with the page (or came before), so the desk may keep what it holds.
    """
    rows = conn.execute(_DROPPED, {"aud": aud, "after": after, "last": last})
    return [target.removeprefix("c:") for (target,) in rows]


DROPPED = (
    "SELECT DISTINCT d.target FROM scope_dropped d WHERE d.location IN :aud "
    "AND d.dropped_seq > :after AND d.dropped_seq <= :last AND NOT EXISTS "
    "(SELECT 1 FROM scope_grants g WHERE g.target = d.target AND g.location IN :aud "
    "AND g.granted_seq <= :last) ORDER BY d.target"
)
"""``dropped_between``'s rule, also read with the claims in one statement (``feed.py``)."""
_DROPPED = text(DROPPED).bindparams(bindparam("aud", expanding=True))


def device_audiences(conn: Connection, location: str) -> list[str]:
    kind = conn.execute(
        text("SELECT kind FROM scope_locations WHERE location_id = :l"), {"l": location}
    ).scalar()
    return scope.audiences(location, kind)


_DIRECT = (
    "SELECT s.server_seq FROM scope_targets s WHERE s.server_seq > :after "
    "AND s.server_seq <= :head AND ((NOT s.via_grant AND s.target IN :keys) OR (s.via_grant "
    "AND EXISTS (SELECT 1 FROM scope_grants g WHERE g.target = s.target "
    "AND g.location IN :keys AND g.granted_seq <= s.server_seq))) "
    "GROUP BY s.server_seq ORDER BY s.server_seq LIMIT :limit"
)
"""Its ``keys`` are the desk's audiences (three at most: one query on SQLite too)."""

# Keys first granted to this desk's audiences inside (after, end]: their history
# from before the grant arrives at the grant's place.
_BACKFILL = (
    "SELECT s.server_seq, f.first FROM (SELECT target, MIN(granted_seq) AS first "
    "FROM scope_grants WHERE location IN :keys GROUP BY target "
    "HAVING MIN(granted_seq) > :after AND MIN(granted_seq) <= :end) f "
    "JOIN scope_targets s ON s.target = f.target AND s.via_grant AND s.server_seq < f.first "
    "WHERE NOT EXISTS (SELECT 1 FROM scope_targets o WHERE o.server_seq = s.server_seq "
    "AND NOT o.via_grant AND o.target IN :keys) "
    "ORDER BY f.first, s.server_seq"
)


FIRST_WINDOW = 4096
"""Feed places the first look at a page spans; each further look spans twice the last."""


def _direct_read(aud: list[str], low: int, high: int, limit: int) -> Read:
    return Read(_DIRECT, {"after": low, "head": high, "limit": limit}, keys=aud)


def first_look(aud: list[str], after: int, limit: int) -> list[Read]:
    """A page's first window of direct places and its backfill rows, read before the head
    is known (with the pull's first statement, when the desk's audiences are foreseen):
    ``scoped_places(looked=...)`` takes their answers.

    Bounded by the window alone, not by the head: the answers are cut at the head
    afterwards, which gives the very rows a look bounded by it finds (the direct
    places come in feed order, so those past the head are the last ones).
    """
    backfill = Read(_BACKFILL, {"after": after, "end": MAX_SEQ}, keys=aud)
    high = min(after + FIRST_WINDOW, MAX_SEQ)  # a BIGINT, whatever the cursor
    return [_direct_read(aud, after, high, limit), backfill]


def _direct_places(
    conn: Connection,
    aud: list[str],
    after: int,
    head: int,
    limit: int,
    looked: Sequence[list[tuple]] | None = None,
) -> tuple[list[int], list[tuple]]:
    """The first ``limit`` places in ``(after, head]`` this desk receives directly, and
    the backfill rows (``_BACKFILL``) of the whole range, read with the first look
    (or given: ``looked``, the answers to ``first_look``).

    Looked for in widening windows, as one look over the whole range would find:
    a planner that has no statistics yet (a freshly filled or restored database)
    scans and sorts every place up to the head for each page, which makes a fresh
    desk's pull quadratic; a window bounds each look by the page's own reach.
    """
    low, window = after, FIRST_WINDOW
    high = min(head, low + window)
    if looked is None:
        backfill = Read(_BACKFILL, {"after": after, "end": head}, keys=aud)
        looked = read_together(conn, [_direct_read(aud, low, high, limit), backfill])
    first, backfilled = looked
    found = [seq for (seq,) in first if seq <= head]
    low, window = high, window * 2
    while len(found) < limit and low < head:
        high = min(head, low + window)
        (rows,) = read_together(conn, [_direct_read(aud, low, high, limit - len(found))])
        found += [seq for (seq,) in rows]
        low, window = high, window * 2
    return found, backfilled


def scoped_places(
    conn: Connection,
    aud: list[str],
    after: int,
    head: int,
    limit: int,
    looked: Sequence[list[tuple]] | None = None,
) -> tuple[list[int], int]:
    """The ``server_seq``s of a desk's page in delivery order, and the next cursor.

    ``looked``: the answers to ``first_look(aud, after, limit)``, read in this snapshot.
    """
    direct, backfilled = _direct_places(conn, aud, after, head, limit, looked)
    placed = [(seq, seq) for seq in direct]
    direct_end = placed[-1][0] if len(placed) == limit else head
    # Backfill groups past the direct page's end wait for a later page (they were read
    # up to the head, with the first look: the same rows as a read up to the end).
    placed += [(first, seq) for seq, first in backfilled if first <= direct_end]
    placed.sort()
    if len(placed) <= limit:
        return [seq for _, seq in placed], direct_end
    # Cut at a place boundary so a grant's history is never split between pages;
    # one grant's history larger than a page still comes whole.
    cut = placed[limit - 1][0]
    if placed[0][0] == cut:
        keep = [p for p in placed if p[0] == cut]
    else:
        keep = [p for p in placed if p[0] < cut]
        cut = keep[-1][0]
    return [seq for _, seq in keep], cut
