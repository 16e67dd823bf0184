"""Issuing a food voucher or payment card: the checks before, the durable record, voids.

The screen calls, in a worker: ``load_policy`` and ``check_repeat_claims``
(shown before confirming), ``check_serial`` / ``parse_card_amount`` as the
advisor types, ``verify_approver`` when a supervisor signs at the desk, and
``issue_item`` to record it. ``issue_item`` re-checks everything inside the
write transaction and returns only after the commit (``synchronous=FULL``), so
what the advisor then sees confirmed survives a crash or a power cut. A
payment card's crisis payment request is recorded in the same transaction.

The repeat check reads every location's issues this desk knows of; issues from
elsewhere are as fresh as the last sync (``sync_state`` key
``last_success``, ISO UTC), and the result says so.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from cxdesk.domain import deskclock
from cxdesk.domain import repeat_claims as rc
from cxdesk.domain.approvals import Approval, approval_content, changed_fields, sign_approval
from cxdesk.domain.claim_keys import ClaimKeys
from cxdesk.domain.crisis_hours import WELFARE_ENTRY_ID, WelfareContact, crisis_due
from cxdesk.domain.money import parse_amount_pence
from cxdesk.domain.safe_text import safe_text
from cxdesk.domain.serials import canonical_serial, parse_serial
from cxdesk.domain.sla import from_iso, from_ms, to_iso, to_ms
from cxdesk.domain.slip import slip_text
from cxdesk.domain.stock import KIND_NAMES, KIND_PREFIX, PREFIX_NAMES, refusal_to_issue
from cxdesk.domain.validation import clean_text
from cxdesk.errors import AuthError, ValidationError
from cxdesk.events import FRONTLINE, SUPERVISORS
from cxdesk.events.envelope import Event, new_event_id
from cxdesk.events.issuing import MAX_MATCHES, VOUCHER_VALUE_PENCE
from cxdesk.store import _sql, stock_queries
from cxdesk.store.issue_queries import card_term
from cxdesk.store.signin_commands import confirm_passcode
from cxdesk.store.sync_queries import LAST_SUCCESS

ISSUE_EVENT = {"food_voucher": "VoucherIssued", "payment_card": "CardIssued"}


def load_policy(store, kind: str) -> rc.Policy:
    """The repeat-claim policy for ``kind``; refuses if none has reached this desk."""
    rows = _sql.query(
        store, "SELECT windows, action, card_limit_pence FROM policies WHERE kind = ?", (kind,)
    )
    if not rows:
        raise ValidationError(
            f"No {KIND_NAMES[kind]} policy has reached this desk yet; sync, or ask a supervisor.",
            field="kind",
        )
    r = rows[0]
    windows = tuple(rc.Window(w["days"], w["max"]) for w in json.loads(r["windows"]))
    return rc.Policy(kind, windows, r["action"], r["card_limit_pence"])


def welfare_contact(store) -> WelfareContact | None:
    """The Welfare Assistance Team's directory entry (hours, numbers), if this desk has it."""
    from cxdesk.store.directory_queries import get_entry

    entry = get_entry(store, WELFARE_ENTRY_ID)
    return WelfareContact.from_entry(entry) if entry is not None else None


def knowledge_as_of(store) -> datetime | None:
    """When this desk last synced with the server, or None if it never has."""
    text = _sql.state(store, LAST_SUCCESS)
    return from_iso(text) if text else None


def _person(row) -> rc.Person:
    return rc.Person(
        row["customer_id"],
        row["given_name"] or "",
        row["family_name"] or "",
        row["date_of_birth"] or "",
        row["postcode"] or "",
    )


def _indexed_claims(store, kind: str, since: int, held: set[str]) -> list[rc.PastIssue]:
    """Live issues from the claims index that this desk does not hold itself."""
    rows = _sql.query(
        store,
        "SELECT issue_id, kind, record_key, given_key, family_key, dob_key, postcode_key, "
        "at_ms, location FROM claims_index WHERE kind = ? AND status = 'issued' AND at_ms >= ?",
        (kind, since),
    )
    return [
        rc.PastIssue(
            r["issue_id"],
            r["kind"],
            "",
            r["location"],
            from_ms(r["at_ms"]),
            keys=ClaimKeys(
                r["record_key"], r["given_key"], r["family_key"], r["dob_key"], r["postcode_key"]
            ),
        )
        for r in rows
        if r["issue_id"] not in held
    ]


def check_repeat_claims(store, kind: str, customer_id: str, *, now: datetime | None = None):
    """The repeat-claim check for ``customer_id`` now, across every location known here."""
    now = now or deskclock.now()
    policy = load_policy(store, kind)
    me = _sql.query(
        store,
        "SELECT customer_id, given_name, family_name, date_of_birth, postcode "
        "FROM customer_names_v WHERE customer_id = ?",
        (customer_id,),
    )
    if not me:
        raise ValidationError("This customer is not on this desk's register.", field="customer")
    since = to_ms(now) - (max(w.days for w in policy.windows) + 1) * 86_400_000
    rows = _sql.query(
        store,
        "SELECT i.issue_id, i.kind, i.customer_id, i.location, i.at_ms, c.given_name, "
        "c.family_name, c.date_of_birth, c.postcode FROM issues i "
        "LEFT JOIN customer_names_v c ON c.customer_id = i.customer_id "
        f"WHERE i.kind = ? AND i.status = 'issued' AND i.at_ms >= ?{card_term(kind)}",
        (kind, since),
    )
    past = [
        rc.PastIssue(
            r["issue_id"],
            r["kind"],
            r["customer_id"],
            r["location"],
            from_ms(r["at_ms"]),
            _person(r) if r["date_of_birth"] else None,
        )
        for r in rows
    ]
    past += _indexed_claims(store, kind, since, {p.issue_id for p in past})
    return rc.check_repeat(
        _person(me[0]),
        policy,
        past,
        now=now,
        kind_name=KIND_NAMES[kind],
        knowledge_as_of=knowledge_as_of(store),
    )


def check_serial(store, kind: str, text: str, location: str) -> str:
    """The canonical serial if it can be handed over at ``location``, else a clear refusal."""
    fmt = stock_queries.kind_serial_format(store, kind)
    serial = canonical_serial(text, fmt, kinds=PREFIX_NAMES)
    state = stock_queries.serial_state(store, serial)
    if refusal_to_issue(serial, state, location=location) is None:
        return serial
    # Refused: said again with the place's name (read only now, off the issue's path).
    name = stock_queries.location_names(store).get(location)
    refusal = refusal_to_issue(serial, state, location=location, location_name=name)
    raise ValidationError(refusal or "", field="serial")


def parse_card_amount(store, text: str) -> int:
    """A card amount in pence within the payment card policy's limit."""
    limit = load_policy(store, "payment_card").card_limit_pence
    return parse_amount_pence(text, max_pence=limit, field="amount")


def issue_content(
    store,
    *,
    kind: str,
    customer_id: str,
    serial_text: str,
    reason: str,
    override_reason: str = "",
    amount_text: str = "",
    location: str,
    issue_id: str | None = None,
) -> dict:
    """The fields of the issue about to be made that a supervisor's approval covers.

    The screen asks for it before the approval (so the supervisor signs what
    will be recorded) and ``issue_item`` builds it again to compare.
    """
    serial = check_serial(store, kind, serial_text, location)
    value = parse_card_amount(store, amount_text) if kind == "payment_card" else VOUCHER_VALUE_PENCE
    return approval_content(
        ISSUE_EVENT[kind],
        {
            "issue_id": issue_id or new_event_id(),
            "customer_id": customer_id,
            "serial": serial,
            "value_pence": value,
            "reason": clean_text(reason, field="reason", max_len=500),
            "override_reason": clean_text(
                override_reason, field="override_reason", max_len=500, required=False
            ),
        },
    )


def verify_approver(
    store, staff_id: str, passcode: str, content: dict, *, now: datetime | None = None
) -> Approval:
    """A supervisor's signed approval of ``content`` (``issue_content``); else AuthError.

    Each try counts towards the same lock-out as signing in: a wrong passcode
    is recorded as a failed sign-in (and locks the staff ID at the limit), a
    locked-out supervisor cannot approve, and a good one is recorded as
    ``ApprovalGiven``, signed by the supervisor. Derives a key (~70 ms): call
    from a thread worker.
    """
    person, keys = confirm_passcode(store, staff_id, passcode, purpose="approval", now=now)
    sid = person["staff_id"]
    if person["role"] not in SUPERVISORS:
        raise AuthError(f"{person['name']} is not a supervisor, so cannot approve this.")
    approval = sign_approval(keys, sid, person["name"], content)
    store.record(
        "ApprovalGiven",
        {
            "staff_id": sid,
            "issue_id": content["issue_id"],
            "kind": content["kind"],
            "customer_id": content["customer_id"],
        },
        actor=sid,
        role=person["role"],
        keys=keys,
    )
    return approval


@dataclass(frozen=True)
class IssueReceipt:
    issue_id: str
    kind: str
    serial: str
    value_pence: int
    issued_at: datetime
    event: Event
    request_id: str | None
    due_at: datetime | None
    slip: str


def _check_payload(result: rc.CheckResult) -> dict:
    # The newest MAX_MATCHES are listed and the rest counted: a resident with hundreds of
    # earlier issues must not be refused a voucher because the record would be too long.
    newest = sorted(result.matches, key=lambda m: m.issue.at, reverse=True)[:MAX_MATCHES]
    matches = [
        {
            "issue_id": m.issue.issue_id,
            "kind": m.issue.kind,
            "customer_id": m.issue.customer_id,
            "location": m.issue.location,
            "issued_at": to_iso(m.issue.at),
            "how": m.how,
        }
        for m in newest
    ]
    return {
        "matches": matches,
        "more_matches": len(result.matches) - len(matches),
        "breached": result.breached,
        "action": result.action,
        "checked_at": to_iso(result.checked_at or deskclock.now()),
        "knowledge_as_of": to_iso(result.knowledge_as_of) if result.knowledge_as_of else None,
    }


def issue_item(
    store,
    *,
    actor: str,
    role: str,
    location: str,
    kind: str,
    customer_id: str,
    serial_text: str,
    reason: str,
    check: rc.CheckResult,
    amount_text: str = "",
    override_reason: str = "",
    approval: Approval | None = None,
) -> IssueReceipt:
    """Record a voucher or card handed over; durable when this returns.

    ``approval`` (from ``verify_approver``) must cover exactly this issue: if
    any approved field changed since, the approval is void and this refuses.
    """
    if role not in FRONTLINE:
        raise AuthError("Only advisors, hub staff and supervisors can issue vouchers and cards.")
    why = clean_text(reason, field="reason", max_len=500)
    override = clean_text(override_reason, field="override_reason", max_len=500, required=False)
    if check.needs_reason and not override:
        raise ValidationError(
            "This is a repeat claim: write why it should go ahead.", field="override_reason"
        )
    if check.needs_supervisor and approval is None:
        raise AuthError("This repeat claim needs a supervisor to sign in and approve it.")
    approval = approval if check.breached else None
    contact = welfare_contact(store)
    with store.transaction():
        serial = check_serial(store, kind, serial_text, location)
        issue_id = approval.content["issue_id"] if approval else new_event_id()
        payload = {
            "issue_id": issue_id,
            "customer_id": customer_id,
            "serial": serial,
            "reason": why,
            "repeat_check": _check_payload(check),
            "override_reason": override if check.breached else "",
            "approved_by": approval.by if approval else None,
        }
        if approval:
            payload["approval"] = approval.payload()
        if kind == "payment_card":
            limit = load_policy(store, kind).card_limit_pence
            value = parse_amount_pence(amount_text, max_pence=limit, field="amount")
            payload["value_pence"], payload["limit_pence"] = value, limit
        else:
            payload["value_pence"] = VOUCHER_VALUE_PENCE
        content = approval_content(ISSUE_EVENT[kind], payload)
        if approval and (changed := changed_fields(approval, content)):
            raise AuthError(
                f"The {', '.join(changed)} changed after the supervisor approved, so the "
                "approval no longer counts. Ask the supervisor to approve again.",
                title="Approval void",
            )
        event = store.record(ISSUE_EVENT[kind], payload, actor=actor, role=role, location=location)
        issued_at = from_ms(event.occurred_ms)
        request_id = due = None
        if kind == "payment_card":
            # One working hour of the team's own opening hours (crisis_hours.py).
            request_id, due = new_event_id(), crisis_due(issued_at, contact)
            store.record(
                "CrisisPaymentRequested",
                {
                    "request_id": request_id,
                    "issue_id": issue_id,
                    "customer_id": customer_id,
                    "serial": serial,
                    "amount_pence": payload["value_pence"],
                    "requested_at": to_iso(issued_at),
                    "due_at": to_iso(due),
                },
                actor=actor,
                role=role,
                location=location,
            )
    names = stock_queries.location_names(store)
    slip = slip_text(
        kind=kind,
        serial=serial,
        value_pence=payload["value_pence"],
        issued_at=issued_at,
        location_name=names.get(location, location),
        issue_id=issue_id,
        due_at=due,
        contact=contact,
    )
    return IssueReceipt(
        issue_id,
        kind,
        serial,
        payload["value_pence"],
        issued_at,
        event,
        request_id,
        due,
        safe_text(slip, multiline=True),
    )


def save_slip(store, receipt: IssueReceipt) -> Path:
    """Write the slip beside the store (``slips/``), 0600, and return its path (on request:
    the slip is shown on screen; a file is only for printing)."""
    from cxdesk.store.printouts import write_private_text

    name = f"{receipt.issued_at:%Y%m%d-%H%M%S}-{receipt.serial}.txt"
    return write_private_text(store.folder / "slips" / name, receipt.slip)


def void_issue(store, *, actor: str, role: str, issue_id: str, reason: str, item: str) -> Event:
    """Void an issue with a reason; the item comes back to stock or is spoiled."""
    if role not in FRONTLINE:
        raise AuthError("Only advisors, hub staff and supervisors can void an issue.")
    if item not in ("back_to_stock", "spoiled"):
        raise ValidationError("Say whether the item came back or is spoiled.", field="item")
    why = clean_text(reason, field="reason", max_len=500)
    with store.transaction():
        rows = _sql.query(
            store,
            "SELECT kind, serial, customer_id, status FROM issues WHERE issue_id = ?",
            (issue_id,),
        )
        if not rows:
            raise ValidationError("That issue is not on this desk.", field="issue")
        r = rows[0]
        if r["status"] == "voided":
            raise ValidationError("That issue has already been voided.", field="issue")
        payload = {
            "issue_id": issue_id,
            "customer_id": r["customer_id"],
            "kind": r["kind"],
            "serial": r["serial"],
            "reason": why,
            "item": item,
        }
        return store.record("IssueVoided", payload, actor=actor, role=role)


ITEM_ANSWERS = {"b": "back_to_stock", "back": "back_to_stock", "s": "spoiled", "spoiled": "spoiled"}


def void_customer_issue(
    store, *, actor: str, role: str, customer_id: str, serial_text: str, reason: str, item: str
) -> Event:
    """Void this customer's issue of the serial typed, as the void form on their record asks."""
    # Either kind's format: the void form does not say which kind was issued.
    serial = parse_serial(serial_text, field="serial")
    for kind in KIND_PREFIX:
        fmt = stock_queries.kind_serial_format(store, kind)
        if serial.startswith(fmt.prefix):
            serial = canonical_serial(serial, fmt, field="serial")
            break
    found = [
        i
        for i in customer_issues(store, customer_id)
        if i.serial == serial and i.status != "voided"
    ]
    if not found:
        raise ValidationError(
            f"{serial} was not issued to this customer, or is already voided.", field="serial"
        )
    answer = ITEM_ANSWERS.get(item.strip().lower())
    if answer is None:
        raise ValidationError("Type B if the item came back, S if it is spoiled.", field="item")
    return void_issue(
        store, actor=actor, role=role, issue_id=found[0].issue_id, reason=reason, item=answer
    )


@dataclass(frozen=True, slots=True)
class CustomerIssue:
    """One voucher or card issued to a customer, as their record lists it."""

    issue_id: str
    kind: str
    serial: str
    value_pence: int
    location: str
    at_ms: int
    status: str  # issued | voided
    serial_clash: int  # 1: another live issue holds the same serial


def customer_issues(store, customer_id: str) -> list[CustomerIssue]:
    """This customer's issues, newest first, for the customer view and the void form."""
    return [
        CustomerIssue(*r)
        for r in _sql.query(
            store,
            "SELECT issue_id, kind, serial, value_pence, location, at_ms, status, serial_clash "
            "FROM issues WHERE customer_id = ? ORDER BY at_ms DESC",
            (customer_id,),
        )
    ]
