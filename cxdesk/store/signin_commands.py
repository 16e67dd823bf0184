"""Signing in and out at a desk: check the roster, apply the lock-out rule, record it all.

Every try is recorded (``SignInSucceeded``, signed by the person; and the
desk-authored ``SignInFailed``, ``SignInLockedOut``, ``SignedOut``) so a supervisor can see who
used a desk and when, and so the ``signin_attempts`` projection the lock-out
rule replays is itself rebuilt from the log. The rule is
``cxdesk.domain.signin_policy``; this module feeds it the history and says what
happened in words the person at the desk can act on.

Order of checks, and why:

1. a blank or malformed staff id or a blank passcode is a typing slip, not a try:
   nothing is recorded and the field is named;
2. a locked staff id is refused before the passcode is even checked;
3. the passcode is checked before telling anyone about the roster (removed,
   wrong location), so those answers do not leak to someone guessing;
4. a wrong passcode that reaches the limit records the lock-out too.

The passcode is checked by deriving the person's signing key from it (salt
and argon2 parameters from the roster) and comparing the public key with the
roster's; the session then holds the key for signing what they record. A
roster entry made under older argon2 parameters is re-keyed on the spot
(``StaffRekeyed``, signed with the old key). Deriving costs ~70 ms of
argon2id: call ``sign_in`` from a thread worker, never from the event loop.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

from cxdesk.domain import deskclock
from cxdesk.domain.signin_policy import FailureReason, SignInPolicy, SignInState
from cxdesk.domain.staff_keys import (
    KeyParams,
    StaffKeys,
    current_params,
    derive_staff_keys,
    rekey_salt,
    same_public_key,
)
from cxdesk.domain.validation import parse_staff_id
from cxdesk.errors import AuthError, ValidationError
from cxdesk.session import DeskSession, may_sign_in_at
from cxdesk.store import _sql
from cxdesk.store.staff_queries import location_name

POLICY = SignInPolicy()


def _ms_to_dt(ms: int) -> datetime:
    return datetime.fromtimestamp(ms / 1000, UTC)


def signin_state(store, staff_id: str, now: datetime) -> SignInState:
    """Where ``staff_id`` stands under the lock-out rule at ``now``.

    A try stamped after ``now`` (another desk's clock ahead, or a forged clock
    value) counts as made ``now``: failures cannot be hidden in the future, and
    a value past the calendar's end cannot break signing in.
    """
    rows = _sql.query(
        store,
        "SELECT MIN(at_ms, :now), outcome FROM signin_attempts WHERE staff_id = :s ORDER BY at_ms",
        {"now": int(now.timestamp() * 1000), "s": staff_id},
    )
    attempts = [
        (_ms_to_dt(max(r[0], 0)), r["outcome"] == "success")
        for r in rows
        if r["outcome"] in ("success", "failure")
    ]
    cleared = [_ms_to_dt(max(r[0], 0)) for r in rows if r["outcome"] == "cleared"]
    return POLICY.state(attempts, now, cleared=cleared)


def record_failure(store, staff_id: str, reason: FailureReason | str, now: datetime) -> str:
    """Record a failed try (and a lock-out if it is the last allowed); the message to show."""
    event = store.record_as_desk("SignInFailed", {"staff_id": staff_id, "reason": str(reason)})
    at = max(now, _ms_to_dt(event.occurred_ms))
    state = signin_state(store, staff_id, at)
    if state.locked and state.locked_until is not None:  # a lock-out always has its end
        until = state.locked_until.strftime("%Y-%m-%dT%H:%M:%SZ")
        store.record_as_desk("SignInLockedOut", {"staff_id": staff_id, "until": until})
    policy_reason = reason if isinstance(reason, FailureReason) else FailureReason.WRONG_PASSCODE
    return POLICY.failure_message(state, policy_reason)


def keys_if_passcode_matches(person, passcode: str) -> StaffKeys | None:
    """The person's keys if ``passcode`` derives their roster public key; else None.

    ``person`` is a ``staff`` row (``public_key``, ``key_salt``, ``key_params``).
    A row without a key, or with unusable salt or parameters, matches nothing.
    """
    if not person["public_key"]:
        return None
    try:
        params = KeyParams.parse(person["key_params"])
        keys = derive_staff_keys(passcode, person["key_salt"], params)
    except ValidationError:
        return None
    return keys if same_public_key(keys.public_key, person["public_key"]) else None


def _rekeyed(store, staff_id: str, role: str, passcode: str, keys: StaffKeys) -> StaffKeys:
    """Keys under today's parameters, recorded as ``StaffRekeyed`` if they changed."""
    params = current_params()
    if keys.params == params:
        return keys
    fresh = derive_staff_keys(passcode, rekey_salt(keys.salt, params), params)
    store.record(
        "StaffRekeyed",
        {"staff_id": staff_id, **fresh.roster_fields()},
        actor=staff_id,
        role=role,
        keys=keys,
    )
    return fresh


def sign_in(
    store, staff_id_text: str, passcode: str, *, now: datetime | None = None
) -> DeskSession:
    """Check a staff id and passcode for this desk and record the outcome.

    Returns the new session, or raises ``ValidationError`` (nothing typed; not
    counted) or ``AuthError`` (refused; recorded, message says what to do).
    """
    now = now or deskclock.now()
    staff_id = parse_staff_id(staff_id_text)
    if not passcode:
        raise ValidationError("Please enter your passcode.", field="passcode")
    state = signin_state(store, staff_id, now)
    if state.locked:
        store.record_as_desk("SignInFailed", {"staff_id": staff_id, "reason": "staff ID locked"})
        raise AuthError(POLICY.locked_message(state), title="Staff ID locked")
    rows = _sql.query(
        store,
        "SELECT name, role, locations, public_key, key_salt, key_params, active "
        "FROM staff WHERE staff_id = ?",
        (staff_id,),
    )
    if not rows:
        message = record_failure(store, staff_id, FailureReason.UNKNOWN_STAFF_ID, now)
        raise AuthError(message, title="Not signed in", field="staff_id")
    person = rows[0]
    keys = keys_if_passcode_matches(person, passcode)
    if keys is None:
        message = record_failure(store, staff_id, FailureReason.WRONG_PASSCODE, now)
        raise AuthError(message, title="Not signed in")
    if not person["active"]:
        store.record_as_desk(
            "SignInFailed", {"staff_id": staff_id, "reason": "removed from roster"}
        )
        raise AuthError(
            f"{staff_id} is no longer on the staff list for this council. "
            "Ask a supervisor if this is wrong.",
            title="Not signed in",
        )
    if not may_sign_in_at(person["role"], json.loads(person["locations"]), store.location):
        store.record_as_desk(
            "SignInFailed", {"staff_id": staff_id, "reason": "not at this location"}
        )
        raise AuthError(
            f"{staff_id} is not set up to work at {location_name(store, store.location)}. "
            "Ask a supervisor to add this location to your staff record.",
            title="Not signed in",
        )
    store.record(
        "SignInSucceeded", {"staff_id": staff_id}, actor=staff_id, role=person["role"], keys=keys
    )
    keys = _rekeyed(store, staff_id, person["role"], passcode, keys)
    return DeskSession(
        staff_id=staff_id,
        name=person["name"],
        role=person["role"],
        location=store.location or "",
        location_name=location_name(store, store.location),
        keys=keys,
    )


def confirm_passcode(
    store, staff_id_text: str, passcode: str, *, purpose: str, now: datetime | None = None
):
    """(staff row, keys) when ``passcode`` is right for an active person; else AuthError.

    For a person confirming an action with their passcode without signing in
    (a supervisor's approval, a directory import from the command line). Each
    try counts towards the same lock-out as signing in: a wrong passcode is a
    ``SignInFailed`` (reason naming ``purpose``) and locks the ID at the limit,
    and a locked-out ID is refused even with the right passcode.
    """
    now = now or deskclock.now()
    staff_id = parse_staff_id(staff_id_text)
    if not passcode:
        raise ValidationError("Please enter your passcode.", field="passcode")
    state = signin_state(store, staff_id, now)
    if state.locked:
        store.record_as_desk(
            "SignInFailed", {"staff_id": staff_id, "reason": f"locked ({purpose})"[:200]}
        )
        raise AuthError(POLICY.locked_message(state), title="Staff ID locked")
    rows = _sql.query(
        store,
        "SELECT staff_id, name, role, locations, public_key, key_salt, key_params, active "
        "FROM staff WHERE staff_id = ?",
        (staff_id,),
    )
    keys = keys_if_passcode_matches(rows[0], passcode) if rows else None
    if keys is None or not rows[0]["active"]:
        reason = "wrong passcode" if rows else "staff ID not recognised"
        message = record_failure(store, staff_id, f"{reason} ({purpose})"[:200], now)
        raise AuthError(
            "That staff ID and passcode do not match a signed-up member of staff. " + message
        )
    return rows[0], keys


def session_problem(store, session: DeskSession) -> str | None:
    """Why ``session`` may not go on after the roster changed (a sync brought it), or None.

    A person removed from the roster, or whose key changed (an administrator
    set a new passcode), loses an open session: what they record could no
    longer be signed with a key the roster holds.
    """
    rows = _sql.query(
        store, "SELECT public_key, active FROM staff WHERE staff_id = ?", (session.staff_id,)
    )
    if not rows or not rows[0]["active"]:
        return f"{session.staff_id} has been taken off the staff list, so was signed out."
    if session.keys is not None and not same_public_key(
        rows[0]["public_key"], session.keys.public_key
    ):
        return (
            f"The passcode for {session.staff_id} was changed by an administrator, so they "
            "were signed out. Sign in with the new passcode."
        )
    return None


def sign_out(store, session: DeskSession, reason: str = "signed out") -> None:
    """Record that ``session`` ended (signed out, replaced at the lock screen, app closed)."""
    store.record_as_desk("SignedOut", {"staff_id": session.staff_id, "reason": reason[:40]})


def demo_staff(store) -> list[tuple[str, str, str]]:
    """(staff id, name, role) of active staff, for the demo hint on the sign-in screen."""
    rows = _sql.query(
        store, "SELECT staff_id, name, role FROM staff WHERE active = 1 ORDER BY staff_id"
    )
    return [(r["staff_id"], r["name"], r["role"]) for r in rows]


def lift_lockout(store, session: DeskSession, staff_id_text: str, *, now=None) -> str:
    """A supervisor lifts a lock-out before it runs out; returns what to tell them.

    Recorded as ``LockoutCleared`` under the supervisor's own name (the server
    refuses it from any other role), so the log shows who let whom back in.
    """
    now = now or deskclock.now()
    staff_id = parse_staff_id(staff_id_text)
    if session.role not in ("supervisor", "admin"):
        raise AuthError("Only a supervisor can lift a lock-out.")
    if not signin_state(store, staff_id, now).locked:
        raise ValidationError(f"{staff_id} is not locked out.", field="staff_id")
    store.record(
        "LockoutCleared", {"staff_id": staff_id}, actor=session.staff_id, role=session.role
    )
    return f"{staff_id} can sign in again now."
