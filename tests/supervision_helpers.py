"""Builders for the supervisor's-log tests: a small council, stock, issues at chosen times.

Events go through ``store.record`` with the real event kinds, so the
projections under test are the ones the desk runs. The desk clock is swapped
for ``SetClock`` so each issue lands at the moment a test chooses.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from cxdesk.domain.approvals import approval_content, sign_approval
from tests.conftest import key_fields_for, keys_for

ISO = "%Y-%m-%dT%H:%M:%SZ"


class SetClock:
    """A desk clock a test moves by hand (replaces ``store.clock``)."""

    def __init__(self, device: str, at: datetime) -> None:
        self.device, self.at, self.counter = device, at, 0

    def now(self) -> str:
        self.counter += 1
        return f"{int(self.at.timestamp() * 1000):016d}-{self.counter:04d}-{self.device}"

    def observe(self, other: str) -> None:
        pass  # a hand-moved clock never follows another desk's

    def observe_all(self, others) -> None:
        pass


def set_time(store, at: datetime) -> None:
    if not isinstance(store.clock, SetClock):
        store.clock = SetClock(store.device_id, at)
    store.clock.at = at


def council(store, *, hours="Mon-Fri 09:00-17:00") -> None:
    """Locations CSC and HUB-N, advisors A1 and A2, supervisor S1, welfare W1."""
    for loc, name, kind in (
        ("CSC", "Customer Service Centre", "csc"),
        ("HUB-N", "Northgate Hub", "hub"),
    ):
        store.record(
            "LocationDefined",
            {"location_id": loc, "name": name, "kind": kind, "hours": hours},
            actor="ADMIN1",
            role="admin",
        )
    for sid, name, role in (
        ("A1", "Sam Advisor", "advisor"),
        ("A2", "Ash Advisor", "advisor"),
        ("S1", "Pat Supervisor", "supervisor"),
        ("W1", "Wyn Welfare", "welfare"),
    ):
        store.record(
            "StaffEnrolled",
            {
                "staff_id": sid,
                "name": name,
                "role": role,
                "locations": ["CSC", "HUB-N"],
                **key_fields_for(sid),
            },
            actor="ADMIN1",
            role="admin",
        )


def customer(
    store,
    given="Zoë",
    family="Jones",
    dob="1980-04-02",
    postcode="SW1A 1AA",
    phone=None,
    address="1 High Street",
) -> str:
    cid = str(uuid.uuid4())
    payload = {
        "customer_id": cid,
        "given_name": given,
        "family_name": family,
        "date_of_birth": dob,
        "postcode": postcode,
        "address": address,
    }
    if phone:
        payload["phone"] = phone
    store.record("CustomerRegistered", payload, actor="A1", role="advisor")
    return cid


def receive(store, first="FV000001", last="FV000100", kind="food_voucher", location="CSC"):
    store.record(
        "StockReceived",
        {"location": location, "kind": kind, "first": first, "last": last},
        actor="S1",
        role="supervisor",
        location=location,
    )


def _check(breached=False, action="none", at=None):
    stamp = (at or datetime.now(UTC)).strftime(ISO)
    return {
        "matches": [],
        "breached": ["7 days"] if breached else [],
        "action": action,
        "checked_at": stamp,
    }


def _signed_approval(approver, issue_id, cid, serial, reason, override) -> dict:
    """The approver's signature over the voucher, as ``verify_approver`` would make it."""
    if not approver:
        return {}
    payload = {
        "issue_id": issue_id,
        "customer_id": cid,
        "serial": serial,
        "value_pence": 500,
        "reason": reason,
        "override_reason": override,
    }
    approval = sign_approval(
        keys_for(approver), approver, approver, approval_content("VoucherIssued", payload)
    )
    return {"value_pence": 500, "approval": approval.payload()}


def voucher(
    store,
    cid,
    serial,
    *,
    at,
    advisor="A1",
    location="CSC",
    override="",
    approved_by=None,
    action="none",
    reason="no food until payday",
) -> str:
    set_time(store, at)
    issue_id = f"iss-{uuid.uuid4().hex[:12]}"
    store.record(
        "VoucherIssued",
        {
            "issue_id": issue_id,
            "customer_id": cid,
            "serial": serial,
            "reason": reason,
            "repeat_check": _check(bool(override), action if override else "none", at),
            "override_reason": override,
            "approved_by": approved_by,
            **_signed_approval(approved_by, issue_id, cid, serial, reason, override),
        },
        actor=advisor,
        role="advisor",
        location=location,
    )
    return issue_id


def card(store, cid, serial, *, at, pence=4000, advisor="A1", location="CSC"):
    """A payment card and its crisis payment request; returns (issue_id, request_id)."""
    set_time(store, at)
    issue_id = f"iss-{uuid.uuid4().hex[:12]}"
    request_id = f"req-{uuid.uuid4().hex[:12]}"
    store.record(
        "CardIssued",
        {
            "issue_id": issue_id,
            "customer_id": cid,
            "serial": serial,
            "value_pence": pence,
            "limit_pence": 10000,
            "reason": "gas meter empty",
            "repeat_check": _check(at=at),
        },
        actor=advisor,
        role="advisor",
        location=location,
    )
    store.record(
        "CrisisPaymentRequested",
        {
            "request_id": request_id,
            "issue_id": issue_id,
            "customer_id": cid,
            "serial": serial,
            "amount_pence": pence,
            "requested_at": at.strftime(ISO),
            "due_at": (at + timedelta(hours=1)).strftime(ISO),
        },
        actor=advisor,
        role="advisor",
        location=location,
    )
    return issue_id, request_id


def complete(store, request_id, cid, *, at):
    set_time(store, at)
    store.record(
        "CrisisPaymentCompleted",
        {"request_id": request_id, "customer_id": cid},
        actor="W1",
        role="welfare",
    )


def void(store, issue_id, cid, serial, *, at, kind="food_voucher", item="back_to_stock"):
    set_time(store, at)
    store.record(
        "IssueVoided",
        {
            "issue_id": issue_id,
            "customer_id": cid,
            "kind": kind,
            "serial": serial,
            "reason": "wrong customer",
            "item": item,
        },
        actor="A1",
        role="advisor",
    )


def count(store, counted, *, at, location="CSC", kind="food_voucher", expected=0):
    set_time(store, at)
    store.record(
        "StockCounted",
        {"location": location, "kind": kind, "counted": counted, "expected": expected},
        actor="S1",
        role="supervisor",
        location=location,
    )
