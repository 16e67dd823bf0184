"""The server's check that each event was really made by the person it names.

Every event a person records carries their Ed25519 signature over the event's
hash (``cxdesk.domain.staff_keys``). The push transaction asks
``SignatureCheck.problem`` for each new event, after the feed counter lock, so
the roster it reads is the roster as it stood at that event's feed position:
a key changed or a person removed earlier in the feed counts, a change later
in the feed does not. Anything unsigned, signed by someone else, or by a key
the roster no longer holds is rejected with a reason (the ordinary per-event
rejection), so a desk cannot record work in anyone else's name.

Verifying is most of a push's cost, so ``start_verifying`` sets every signature
of the push verifying in a small thread pool (libsodium releases the GIL) as
soon as the push is read, with the keys the roster holds then, while the push
takes its locks and judges; ``problem`` uses that answer only when the key it
would check with at the event's feed place is the same one, and verifies again
otherwise (the roster changed in between).

Who needs no signature:

- the ``central`` device (``cxdesk admin`` on the server): its operator is
  trusted, and what an administrator types there (a passcode for
  ``add-staff``) never leaves the server;
- events the desk itself authors (actor ``desk``), which the kind catalogue
  limits to facts about the device: failed sign-in tries, lock-outs and
  sign-outs (a successful sign-in is signed by the person: it clears the
  lock-out count, so a desk must not be able to claim one). They name no
  author who could sign them: a failed sign-in is by definition someone
  without the passcode.

The module also registers the server checks of the roster's key fields
(parameters no weaker than today's, a key change with all three fields, a
re-key only by the person themselves) and of supervisors' approvals: an issue
naming an approver must carry that active supervisor's signature over its own
content (``cxdesk.domain.approvals``), so an approval changed, moved or
invented at a desk is rejected.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor

from sqlalchemy import Connection, text

from cxdesk.domain.approvals import approval_problem
from cxdesk.domain.staff_keys import KeyParams, params_problem, verify_event_signature
from cxdesk.errors import ValidationError
from cxdesk.events import DESK_ACTOR, SUPERVISORS
from cxdesk.events.envelope import Event
from cxdesk.sync.server.bulk import Read
from cxdesk.sync.server.roster import RosterView
from cxdesk.sync.server_checks import server_check

_KEY_FIELDS = ("public_key", "key_salt", "key_params")
VERIFY_THREADS = 2
"""Threads verifying signatures: the machine's cores, as deployed (two)."""
_POOL_FROM = 64
"""Fewer signatures than this are verified in the judging thread (a pool costs more)."""
_CHUNK = 64
"""Signatures per pool task: the judge waits only for the chunk holding its event."""
SWITCH_INTERVAL = 0.0005
"""Seconds a thread may hold the GIL while another waits (Python's default is 0.005).

A verifying thread needs the GIL for a few microseconds around each libsodium
call; with the default interval a judging thread busy in Python keeps it for
5 ms at a time, so the pool verified about one signature per 5 ms while the push
judged and the judge then waited for the rest. Set once, when the pool starts.
"""
_pool: ThreadPoolExecutor | None = None

Job = tuple[str, str, str]
"""(public key, event hash, signature), all hex."""


def _verify_all(jobs: list[Job]) -> list[bool]:
    return [verify_event_signature(key, hash_, sig) for key, hash_, sig in jobs]


class Verifications:
    """A push's signatures being verified in the pool while the push goes on.

    Started (``start``) before the push takes its locks, with the keys last seen
    on the roster, then again for any new event whose key the push's own read
    of the roster gives differently; ``SignatureCheck`` takes an answer only for
    the very key it would check with at the event's feed place, so a roster
    change in between is simply verified again.
    """

    def __init__(self) -> None:
        self._where: dict[Job, tuple[int, int]] = {}
        self._futures: list[Future[list[bool]]] = []
        self._answers: list[list[bool] | None] = []

    def start(self, jobs: list[Job]) -> None:
        """Verify ``jobs`` in the pool (those not started already), if there are enough."""
        global _pool
        jobs = [job for job in jobs if job not in self._where]
        if len(jobs) < _POOL_FROM:
            return  # verified one by one as judged
        if _pool is None:
            if sys.getswitchinterval() > SWITCH_INTERVAL:
                sys.setswitchinterval(SWITCH_INTERVAL)
            _pool = ThreadPoolExecutor(VERIFY_THREADS, thread_name_prefix="cxdesk-verify")
        for start in range(0, len(jobs), _CHUNK):
            chunk = jobs[start : start + _CHUNK]
            n = len(self._futures)
            self._futures.append(_pool.submit(_verify_all, chunk))
            self._answers.append(None)
            for i, job in enumerate(chunk):
                self._where[job] = (n, i)

    def cancel(self) -> None:
        """Drop the chunks not yet begun: the push needs none of its answers."""
        for future in self._futures:
            future.cancel()

    def result(self, job: Job) -> bool | None:
        """Whether ``job`` verified, or None if it was not among those started."""
        where = self._where.get(job)
        if where is None:
            return None
        n, i = where
        answers = self._answers[n]
        if answers is None:  # the first event of its chunk: wait for the chunk once
            answers = self._answers[n] = self._futures[n].result()
        return answers[i]


NONE_STARTED = Verifications()

_KEYS = "SELECT staff_id, public_key FROM roster WHERE active = TRUE AND staff_id IN :keys"
_SEEN_KEYS: dict[str, str] = {}
"""Each signer's active key as this process last read it: a push starts verifying with
these before it has read the roster itself (a stale one only costs a second try)."""
_SEEN_MAX = 10_000


def _signed(events: list[Event]) -> list[Event]:
    return [e for e in events if e.actor != DESK_ACTOR and e.signature]


def keys_read(events: list[Event]) -> Read:
    """The query for the keys ``start_verifying`` needs (none for a push too small to
    pool), to travel with the push's first reads."""
    signed = _signed(events)
    return Read(_KEYS, keys=sorted({e.actor for e in signed}) if len(signed) >= _POOL_FROM else [])


def _jobs(events: list[Event], keys: dict[str, str]) -> list[Job]:
    return [
        (keys[e.actor], e.hash, e.signature)
        for e in _signed(events)
        if keys.get(e.actor) and e.signature
    ]


def start_verifying(events: list[Event]) -> Verifications:
    """Start verifying every signature of ``events`` with the keys this process saw last
    (before the push has read the roster; ``verify_more`` once it has)."""
    verifying = Verifications()
    if len(_signed(events)) >= _POOL_FROM:
        verifying.start(_jobs(events, _SEEN_KEYS))
    return verifying


def verify_more(
    verifying: Verifications, events: list[Event], key_rows: Iterable[Sequence]
) -> None:
    """Verify, with the keys ``keys_read`` found (``key_rows``), whatever of ``events``
    was not started with those very keys; remember the keys for later pushes."""
    keys = {staff: key for staff, key in key_rows}
    if len(_SEEN_KEYS) + len(keys) > _SEEN_MAX:
        _SEEN_KEYS.clear()
    _SEEN_KEYS.update(keys)
    verifying.start(_jobs(events, keys))


class SignatureCheck:
    """Per push: checks signatures against the roster (``RosterView``, read once)."""

    def __init__(
        self,
        conn: Connection,
        *,
        trusted: bool,
        roster: RosterView | None = None,
        started: Verifications = NONE_STARTED,
    ) -> None:
        self.conn, self.trusted, self.started = conn, trusted, started
        self.roster = roster if roster is not None else RosterView(conn)

    def public_key(self, staff_id: str) -> str | None:
        """The key an active person signs with now, or None."""
        row = self.roster.row(staff_id)
        return row.public_key if row is not None and row.active else None

    def _verifies(self, key: str, event: Event) -> bool:
        assert event.signature is not None
        job = (key, event.hash, event.signature)
        known = self.started.result(job)
        return known if known is not None else verify_event_signature(*job)

    def problem(self, event: Event) -> str | None:
        """Why ``event``'s signature is not acceptable, or None."""
        if self.trusted or event.actor == DESK_ACTOR:
            return None
        if not event.signature:
            return f"unsigned: an event by {event.actor} must carry their signature"
        key = self.public_key(event.actor)
        if not key:
            return f"{event.actor} has no signing key on the roster"
        if not self._verifies(key, event):
            return f"signature is not {event.actor}'s (forged, or made with an old key)"
        return None


def _params_problem(payload: dict) -> str | None:
    text_ = payload.get("key_params")
    if text_ is None:
        return None
    try:
        return params_problem(KeyParams.parse(text_))
    except ValidationError as exc:
        return exc.message


@server_check("StaffEnrolled")
def _enrolled_key(conn: Connection, event: Event, history: list[Event]) -> str | None:
    return _params_problem(event.payload)


@server_check("StaffUpdated")
def _updated_key(conn: Connection, event: Event, history: list[Event]) -> str | None:
    given = [f for f in _KEY_FIELDS if event.payload.get(f) is not None]
    if given and len(given) != len(_KEY_FIELDS):
        return "a new key needs public_key, key_salt and key_params together"
    return _params_problem(event.payload)


@server_check("StaffRekeyed")
def _rekeyed(conn: Connection, event: Event, history: list[Event]) -> str | None:
    """Only the person re-keys themselves (signed with their current key, checked above)."""
    if event.payload["staff_id"] != event.actor:
        return f"{event.actor} may not re-key {event.payload['staff_id']}"
    return _params_problem(event.payload)


@server_check("ApprovalGiven")
@server_check("SignInSucceeded")
def _only_oneself(conn: Connection, event: Event, history: list[Event]) -> str | None:
    """A sign-in or an approval is the signer's own (it clears their lock-out count)."""
    if event.payload["staff_id"] != event.actor:
        return f"{event.actor} may not record {event.kind} for {event.payload['staff_id']}"
    return None


def _issue_approval(conn: Connection, event: Event, history: list[Event]) -> str | None:
    """A repeat-claim approval is the named supervisor's signature over this very issue."""
    payload = event.payload
    if not payload.get("approved_by"):
        return None
    approver = payload["approved_by"]
    row = conn.execute(
        text("SELECT role, active, public_key FROM roster WHERE staff_id = :s"), {"s": approver}
    ).first()
    if row is None or not row[1]:
        return f"approver {approver} is not on the roster"
    if row[0] not in SUPERVISORS:
        return f"approver {approver} is not a supervisor"
    return approval_problem(row[2], event.kind, payload)


for _kind in ("VoucherIssued", "CardIssued"):
    server_check(_kind)(_issue_approval)
