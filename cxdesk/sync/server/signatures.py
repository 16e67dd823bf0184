"""The server's check that each event was really made by the person it names.

Every event a person records carries their Ed25519 signature over the event's
hash (``cxdesk.domain.staff_keys``). The push transaction asks
``SignatureCheck.problem`` for each new event, after the feed counter lock, so
the roster it reads is the roster as it stood at that event's feed position:
a key changed or a person removed earlier in the feed counts, a change later
in the feed does not. Anything unsigned, signed by someone else, or by a key
the roster no longer holds is rejected with a reason (the ordinary per-event
rejection), so a desk cannot record work in anyone else's name.

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

from sqlalchemy import Connection, text

from cxdesk.domain.approvals import approval_problem
from cxdesk.domain.staff_keys import KeyParams, params_problem, verify_event_signature
from cxdesk.errors import ValidationError
from cxdesk.events import DESK_ACTOR, SUPERVISORS
from cxdesk.events.envelope import Event
from cxdesk.sync.server_checks import server_check

_KEY_FIELDS = ("public_key", "key_salt", "key_params")


class SignatureCheck:
    """Per push: checks signatures against the roster, caching each person's key."""

    def __init__(self, conn: Connection, *, trusted: bool) -> None:
        self.conn, self.trusted = conn, trusted
        self._keys: dict[str, str | None] = {}

    def forget(self) -> None:
        """The roster changed within this push: read keys afresh."""
        self._keys.clear()

    def public_key(self, staff_id: str) -> str | None:
        if staff_id not in self._keys:
            self._keys[staff_id] = self.conn.execute(
                text("SELECT public_key FROM roster WHERE staff_id = :s AND active = TRUE"),
                {"s": staff_id},
            ).scalar()
        return self._keys[staff_id]

    def problem(self, event: Event) -> str | None:
        """Why ``event``'s signature is not acceptable, or None."""
        if self.trusted or event.actor == DESK_ACTOR:
            return None
        if not event.signature:
            return f"unsigned: an event by {event.actor} must carry their signature"
        key = self.public_key(event.actor)
        if not key:
            return f"{event.actor} has no signing key on the roster"
        if not verify_event_signature(key, event.hash, event.signature):
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
