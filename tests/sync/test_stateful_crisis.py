"""Three desks converge on stock, vouchers, cards, crisis payments and referrals.

A hypothesis state machine drives the real store commands the desk screens
use (stock, issuing with the repeat-claim check, voids, the Welfare Assistance
Team's completions and declines, crisis flags, referral steps) on three desks
going on and offline against the real central API. It also stages the races
that matter most:

- the same serial issued at two desks of one location while both are offline:
  both issues must be kept and flagged as a clash on every desk;
- a crisis payment completed by the welfare team at one desk while another
  desk voids the card: whichever reached the server first decides, everywhere;
- the same referral moved on at two desks at once: the server rejects the
  impossible step, and the desk it rejects rebuilds and converges.

At the end every desk syncs, a fresh desk pulls everything, and all of them
hold the same accepted events and the same rows in every projection table,
and ``verify_store`` (rebuild == live) passes on every desk.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import tempfile
from pathlib import Path

import httpx
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, rule

from cxdesk.errors import ValidationError
from cxdesk.session import DeskSession
from cxdesk.store import crisis_commands as crisis
from cxdesk.store import customer_commands as cc
from cxdesk.store import issue_commands as ic
from cxdesk.store import open_store
from cxdesk.store import referral_commands as rc
from cxdesk.store import referral_queries as rq
from cxdesk.store import stock_commands as sc
from cxdesk.store.components import projection_tables
from cxdesk.store.rebuild import verify_store
from cxdesk.sync.client import AsyncSyncClient
from cxdesk.sync.round import sync_round
from cxdesk.sync.server import admin
from cxdesk.sync.server.app import create_app, open_database
from cxdesk.sync.server.central import CentralItem, record_central
from cxdesk.sync.server.db import write_transaction
from tests import peek

from ..conftest import TEST_PASSCODE, key_fields_for, keys_for
from ..crisis_helpers import POLICIES
from ..customer_helpers import MARIA, REFERRAL_CHOICES
from .conftest import assert_every_event_signed

PLACES = ("CSC", "CSC", "HUB-N")
"""Desk i's location: desks 0 and 1 share one drawer of stock, so they can clash."""
DESKS = len(PLACES)
SHARED = (0, 1)
KINDS = ("food_voucher", "payment_card")
PREFIX = {"food_voucher": "FV", "payment_card": "PC"}
TEAMS = ("housing-options", "council-tax", "HUB-N")
STEPS = ("accept", "start", "complete", "decline", "reassign")
NEXT_STEPS = {
    "raised": ("accept", "decline", "reassign"),
    "accepted": ("start", "complete", "decline", "reassign"),
    "in_progress": ("complete", "reassign"),
}
"""What a desk may do next to an open referral (``cxdesk.domain.referrals``' lifecycle)."""
STAFF = {"ADMIN1": "admin", "SUP1": "supervisor", "ADV1": "advisor", "WEL1": "welfare"}
ADV, SUP, WEL = ({"actor": a, "role": STAFF[a]} for a in ("ADV1", "SUP1", "WEL1"))
OUTCOME_OF = {
    "CrisisPaymentCompleted": "completed",
    "CrisisPaymentDeclined": "declined",
    "IssueVoided": "cancelled",
}
"""What a request becomes when this is the first word on it in feed order."""
ACCEPTED = (
    "SELECT e.id, e.hash FROM events e LEFT JOIN event_acks a ON a.event_id = e.id "
    "WHERE a.status IS NULL OR a.status != 'rejected' ORDER BY e.id"
)
EXAMPLES = int(os.environ.get("CXDESK_STATEFUL_EXAMPLES", "8"))
"""Raise it (e.g. 300) for a long hunt; the default keeps the file well under a minute."""

desk = st.integers(0, DESKS - 1)
pick = st.integers(0, 1000)


def rows(store, sql: str, params=()) -> list[tuple]:
    return [tuple(r) for r in peek.query(store, sql, params)]


def column(store, sql: str, params=()) -> list:
    return [r[0] for r in peek.query(store, sql, params)]


def last_event_id(store) -> str:
    return peek.scalar(
        store,
        "SELECT id FROM events WHERE device = ? ORDER BY device_seq DESC LIMIT 1",
        (store.device_id,),
    )


class CrisisDesks(RuleBasedStateMachine):
    @initialize()
    def start(self) -> None:
        self.ready = False
        self.folder = Path(tempfile.mkdtemp(prefix="cxdesk-stateful-crisis-"))
        self.engine = open_database(f"sqlite:///{self.folder / 'central.sqlite3'}")
        self.app = create_app(engine=self.engine, marks_dir=self.folder / "marks")
        for staff_id, role in STAFF.items():
            admin.add_staff(
                self.engine,
                staff_id,
                name=f"Staff {staff_id}",
                role=role,
                locations=["CSC", "HUB-N"],
                key_fields=key_fields_for(staff_id),
            )
        self.stores, self.tokens, self.online = [], [], [True] * DESKS
        for i, place in enumerate(PLACES):
            self._add_desk(f"D-{i}", place)
        self.next_serial = dict.fromkeys(KINDS, 1)
        self.issued: set[str] = set()
        self.clashes: list[tuple[str, str, str]] = []  # serial, issue at a, issue at b
        self.payment_races: list[str] = []  # request ids
        self.referral_races: list[tuple[int, str, int, str]] = []  # same step at two desks
        self._set_up_council(self.stores[0])
        for i in range(DESKS):
            self._sync(i)
        self.ready = True

    def _add_desk(self, name: str, place: str) -> int:
        _, token = admin.add_device(self.engine, place, name)
        store = open_store(self.folder / f"{name}.sqlite3", device_id=name, location=place)
        # Everyone working here is signed in: every event they make is signed.
        for staff_id in STAFF:
            store.use_keys(staff_id, keys_for(staff_id))
        self.stores.append(store)
        self.tokens.append(token)
        return len(self.stores) - 1

    def _set_up_council(self, store) -> None:
        """Locations, repeat-claim policies, directory teams and two customers."""
        # Locations and policies come only from the central API (cxdesk admin).
        places = (("CSC", "Customer Service Centre", "csc"), ("HUB-N", "Northgate Hub", "hub"))
        items = [
            CentralItem("LocationDefined", {"location_id": loc, "name": name, "kind": kind})
            for loc, name, kind in places
        ]
        items += [CentralItem("PolicySet", policy, "SUP1", "supervisor") for policy in POLICIES]
        with write_transaction(self.engine) as conn:
            record_central(conn, items)
        self._sync(0)  # the hub's definition: a referral target below
        for team_id, name in (
            ("housing-options", "Housing Options"),
            ("council-tax", "Council Tax"),
        ):
            entry = {
                "id": team_id,
                "name": name,
                "team": name,
                "phone": "020 7946 0101",
                "hours": "Mon-Fri 09:00-17:00",
                "staff_only": True,
            }
            store.record("DirectoryEntryUpdated", entry, **SUP)
        for given in ("Maria", "Joe"):
            cid = cc.register_customer(
                store, self._session(0, "ADV1"), {**MARIA, "given_name": given}
            )
            # Referred to the hub, so the hub's desk works with them too (pull scoping).
            raw = {**REFERRAL_CHOICES, "to_team": "HUB-N", "story": "Needs the hub's help."}
            rc.raise_referral(store, self._session(0, "ADV1"), cid, raw)

    def _session(self, i: int, staff_id: str) -> DeskSession:
        return DeskSession(staff_id, f"Staff {staff_id}", STAFF[staff_id], PLACES[i])

    def _sync(self, i: int) -> None:
        """A sync round at desk ``i``; an offline desk's round simply does not happen."""
        if not self.online[i]:
            return

        async def go():
            transport = httpx.ASGITransport(app=self.app)
            async with AsyncSyncClient("http://central", self.tokens[i], transport=transport) as c:
                return await sync_round(self.stores[i], c)

        asyncio.run(go())

    def _bring_together(self, *desks: int) -> None:
        """These desks come on line and sync in turn, then all lose the line together."""
        for _ in range(2):
            for i in desks:
                self.online[i] = True
                self._sync(i)
        for i in desks:
            self.online[i] = False

    # -- stock and issuing ------------------------------------------------------------

    def _receive(self, i: int, kind: str, size: int = 2) -> None:
        n = self.next_serial[kind]
        self.next_serial[kind] += size
        first, last = (f"{PREFIX[kind]}{n:06d}", f"{PREFIX[kind]}{n + size - 1:06d}")
        sc.receive_stock(
            self.stores[i], **SUP, location=PLACES[i], kind=kind, first=first, last=last
        )

    def _on_hand(self, i: int, kind: str) -> list[str]:
        return column(
            self.stores[i],
            "SELECT serial FROM stock_items WHERE location = ? AND kind = ? "
            "AND status IN ('in_stock', 'voided_back') ORDER BY serial",
            (PLACES[i], kind),
        )

    def _customers(self, i: int) -> list[str]:
        return column(self.stores[i], "SELECT customer_id FROM customers ORDER BY 1")

    def _issue(self, i: int, kind: str, serial: str, customer: int) -> ic.IssueReceipt:
        store = self.stores[i]
        known = self._customers(i)
        cid = known[customer % len(known)]
        check = ic.check_repeat_claims(store, kind, cid)
        fields = {
            "kind": kind,
            "customer_id": cid,
            "serial_text": serial,
            "reason": "No food in the house",
            "amount_text": "20" if kind == "payment_card" else "",
            "override_reason": "Seen by the supervisor" if check.needs_reason else "",
        }
        approval = None
        if check.needs_supervisor:  # the supervisor signs the issue at the advisor's desk
            content = ic.issue_content(store, location=PLACES[i], **fields)
            approval = ic.verify_approver(store, "SUP1", TEST_PASSCODE, content)
        receipt = ic.issue_item(
            store, **ADV, location=PLACES[i], check=check, approval=approval, **fields
        )
        self.issued.add(receipt.issue_id)
        return receipt

    @rule(i=desk, kind=st.sampled_from(KINDS))
    def receive_stock(self, i: int, kind: str) -> None:
        self._receive(i, kind)

    @rule(i=desk, kind=st.sampled_from(KINDS), item=pick)
    def write_off(self, i: int, kind: str, item: int) -> None:
        """A supervisor reports an item lost, perhaps one another desk is issuing offline."""
        serials = self._on_hand(i, kind)
        if serials:
            sc.write_off(
                self.stores[i],
                **SUP,
                location=PLACES[i],
                kind=kind,
                serials_text=serials[item % len(serials)],
                condition="lost",
                reason="Not in the drawer at the count",
            )

    @rule(i=desk, kind=st.sampled_from(KINDS), item=pick, customer=pick)
    def issue(self, i: int, kind: str, item: int, customer: int) -> None:
        serials = self._on_hand(i, kind)
        if serials:
            self._issue(i, kind, serials[item % len(serials)], customer)

    @rule(
        order=st.sampled_from([SHARED, SHARED[::-1]]),
        kind=st.sampled_from(KINDS),
        customers=st.tuples(pick, pick),
    )
    def same_serial_at_two_desks_offline(self, order, kind, customers) -> None:
        a, b = order
        self._bring_together(a, b)
        common = sorted(set(self._on_hand(a, kind)) & set(self._on_hand(b, kind)))
        if not common:
            self._receive(a, kind)
            self._bring_together(a, b)
            common = sorted(set(self._on_hand(a, kind)) & set(self._on_hand(b, kind)))
        serial = common[0]
        first = self._issue(a, kind, serial, customers[0])
        second = self._issue(b, kind, serial, customers[1])
        self.clashes.append((serial, first.issue_id, second.issue_id))

    @rule(i=desk, which=pick, item=st.sampled_from(["back_to_stock", "spoiled"]))
    def void(self, i: int, which: int, item: str) -> None:
        live = column(
            self.stores[i], "SELECT issue_id FROM issues WHERE status = 'issued' ORDER BY issue_id"
        )
        if live:
            ic.void_issue(
                self.stores[i],
                **ADV,
                issue_id=live[which % len(live)],
                reason="Wrong person",
                item=item,
            )

    # -- crisis payments and flags --------------------------------------------------------

    def _open_requests(self, i: int) -> list[str]:
        return column(
            self.stores[i],
            "SELECT request_id FROM crisis_payment_requests WHERE status = 'open' ORDER BY 1",
        )

    def _request_issue(self, i: int, request_id: str) -> str:
        sql = "SELECT issue_id FROM crisis_payment_requests WHERE request_id = ?"
        return peek.scalar(self.stores[i], sql, (request_id,))

    def _welfare(self, i: int, request_id: str, complete: bool) -> None:
        """The Welfare Assistance Team, working at desk ``i``, loads the card or declines."""
        if complete:
            crisis.complete_payment(
                self.stores[i], **WEL, request_id=request_id, note="Funds loaded"
            )
        else:
            crisis.decline_payment(
                self.stores[i], **WEL, request_id=request_id, reason="Not eligible this month"
            )

    @rule(i=desk, which=pick, complete=st.booleans())
    def welfare_acts(self, i: int, which: int, complete: bool) -> None:
        open_ = self._open_requests(i)
        if open_:
            self._welfare(i, open_[which % len(open_)], complete)

    @rule(pair=st.permutations(range(DESKS)), which=pick, customer=pick)
    def payment_completed_while_card_voided(self, pair, which: int, customer: int) -> None:
        """Welfare completes at desk a while desk b voids the card: both offline."""
        a, b = pair[0], pair[1]
        self._bring_together(a, b)
        live = set(
            column(
                self.stores[b],
                "SELECT issue_id FROM issues WHERE kind = 'payment_card' AND status = 'issued'",
            )
        )
        theirs = set(self._open_requests(b))
        both = [
            r for r in self._open_requests(a) if r in theirs and self._request_issue(b, r) in live
        ]
        if not both:
            if not self._on_hand(b, "payment_card"):
                self._receive(b, "payment_card")
            card = self._issue(b, "payment_card", self._on_hand(b, "payment_card")[0], customer)
            both = [card.request_id]
            self._bring_together(a, b)
        request_id = both[which % len(both)]
        self._welfare(a, request_id, complete=True)
        ic.void_issue(
            self.stores[b],
            **ADV,
            issue_id=self._request_issue(b, request_id),
            reason="Card would not read",
            item="spoiled",
        )
        self.payment_races.append(request_id)

    @rule(i=desk, customer=pick)
    def flag_crisis(self, i: int, customer: int) -> None:
        known = self._customers(i)
        crisis.flag_crisis(
            self.stores[i],
            **ADV,
            customer_id=known[customer % len(known)],
            signs=["no_food"],
            other_signs="",
            actions="Food voucher and a call to welfare",
        )

    @rule(i=desk, which=pick)
    def close_flag(self, i: int, which: int) -> None:
        open_ = column(
            self.stores[i], "SELECT flag_id FROM crisis_flags WHERE status = 'open' ORDER BY 1"
        )
        if open_:
            crisis.close_flag(
                self.stores[i], **WEL, flag_id=open_[which % len(open_)], outcome="Payment made"
            )

    # -- referrals ----------------------------------------------------------------------

    def _raise(self, i: int, customer: int, team: str) -> str:
        known = self._customers(i)
        raw = {**REFERRAL_CHOICES, "to_team": team, "story": "Rent arrears, eviction notice."}
        return rc.raise_referral(
            self.stores[i], self._session(i, "ADV1"), known[customer % len(known)], raw
        )

    def _step(self, i: int, referral_id: str, step: str, team: int) -> bool:
        """One referral step through the desk's command; False if the desk refuses it."""
        store, who = self.stores[i], self._session(i, "ADV1")
        current = peek.scalar(
            store, "SELECT to_team FROM referrals WHERE referral_id = ?", (referral_id,)
        )
        rq.set_queue_team(store, current)  # working that team's queue, as at the desk
        try:
            if step == "accept":
                rc.accept(store, who, referral_id, current)
            elif step == "start":
                rc.start(store, who, referral_id)
            elif step == "complete":
                rc.complete(store, who, referral_id, "Rehoused")
            elif step == "decline":
                rc.decline(store, who, referral_id, "Not for this team")
            else:
                others = [t for t in TEAMS if t != current]
                rc.reassign(store, who, referral_id, others[team % len(others)], "Wrong team")
        except ValidationError:
            return False
        return True

    @rule(i=desk, customer=pick, team=st.sampled_from(TEAMS))
    def raise_referral(self, i: int, customer: int, team: str) -> None:
        self._raise(i, customer, team)

    @rule(i=desk, which=pick, step=st.sampled_from(STEPS), team=pick)
    def referral_step(self, i: int, which: int, step: str, team: int) -> None:
        known = column(
            self.stores[i], "SELECT referral_id FROM referrals WHERE advice_only = 0 ORDER BY 1"
        )
        if known:
            self._step(i, known[which % len(known)], step, team)

    @rule(
        pair=st.permutations(range(DESKS)),
        which=pick,
        customer=pick,
        choices=st.tuples(pick, pick),
        team=pick,
    )
    def referral_steps_at_two_desks(self, pair, which, customer, choices, team) -> None:
        """Desks a and b, both offline, each take a step the referral's status allows."""
        a, b = pair[0], pair[1]
        self._bring_together(a, b)
        query = (
            "SELECT referral_id, status FROM referrals WHERE status IN "
            "('raised', 'accepted', 'in_progress') ORDER BY 1"
        )
        same = sorted(set(rows(self.stores[a], query)) & set(rows(self.stores[b], query)))
        if not same:
            self._raise(a, customer, TEAMS[team % len(TEAMS)])
            self._bring_together(a, b)
            same = sorted(set(rows(self.stores[a], query)) & set(rows(self.stores[b], query)))
        referral_id, status = same[which % len(same)]
        allowed = NEXT_STEPS[status]
        steps = [allowed[c % len(allowed)] for c in choices]
        done = [
            self._step(a, referral_id, steps[0], team),
            self._step(b, referral_id, steps[1], team + 1),
        ]
        if all(done) and steps[0] == steps[1] and steps[0] != "reassign":
            ids = (last_event_id(self.stores[a]), last_event_id(self.stores[b]))
            self.referral_races.append((a, ids[0], b, ids[1]))

    # -- the line -------------------------------------------------------------------------

    @rule(i=desk)
    def toggle(self, i: int) -> None:
        self.online[i] = not self.online[i]

    @rule(i=desk)
    def sync(self, i: int) -> None:
        self._sync(i)

    # -- the end: everyone agrees -----------------------------------------------------------

    def teardown(self) -> None:
        if not hasattr(self, "stores"):
            return
        try:
            if not self.ready:
                return  # the set-up itself failed: hypothesis reports that error
            self.online = [True] * (DESKS + 2)
            fresh = self._add_desk("D-FRESH", "CSC")
            fresh_hub = self._add_desk("D-FRESH-HUB", "HUB-N")
            for _ in range(2):
                for i in range(len(self.stores)):
                    self._sync(i)
            assert_every_event_signed(self.engine)
            self._check_converged(fresh, fresh_hub)
            self._check_issues(self.stores[fresh])
            self._check_payment_races(self.stores[fresh])
            self._check_referral_races(self.stores[fresh])
        finally:
            for store in self.stores:
                store.close()
            self.engine.dispose()
            shutil.rmtree(self.folder, ignore_errors=True)

    def _check_converged(self, fresh: int, fresh_hub: int) -> None:
        """Every desk holds what a fresh desk at its location pulls (its share of the feed)."""
        tables = projection_tables()
        for store in self.stores:
            theirs = self.stores[fresh if store.location == "CSC" else fresh_hub]
            expected = rows(theirs, ACCEPTED)
            assert rows(store, ACCEPTED) == expected, store.device_id
            for name in tables:
                mine = sorted(rows(store, f'SELECT * FROM "{name}"'), key=repr)
                want = sorted(rows(theirs, f'SELECT * FROM "{name}"'), key=repr)
                assert mine == want, f"{store.device_id}: table {name} differs from a fresh desk"
            report = verify_store(store)
            assert report.ok, "\n".join(report.lines())
            unanswered = peek.scalar(
                store,
                "SELECT COUNT(*) FROM events e LEFT JOIN event_acks a "
                "ON a.event_id = e.id WHERE a.event_id IS NULL",
            )
            assert unanswered == 0

    def _check_issues(self, store) -> None:
        """Every issue handed over is kept; a serial with two live issues is a clash."""
        have = set(column(store, "SELECT issue_id FROM issues"))
        assert self.issued <= have
        for serial, first, second in self.clashes:
            got = dict(
                rows(store, "SELECT issue_id, status FROM issues WHERE serial = ?", (serial,))
            )
            assert {first, second} <= set(got)
            live = [i for i, status in got.items() if status == "issued"]
            flags = rows(
                store,
                "SELECT serial_clash FROM issues WHERE serial = ? AND status = 'issued'",
                (serial,),
            )
            assert flags == [(int(len(live) > 1),)] * len(live), serial
            item = rows(store, "SELECT clash FROM stock_items WHERE serial = ?", (serial,))
            assert item == [(int(len(live) > 1),)], serial

    def _check_payment_races(self, store) -> None:
        """The first completion, decline or card void in feed order decides each request."""
        for request_id in self.payment_races:
            issue_id = peek.scalar(
                store,
                "SELECT issue_id FROM crisis_payment_requests WHERE request_id = ?",
                (request_id,),
            )
            seqs = rows(
                store,
                "SELECT e.kind FROM events e JOIN event_acks a ON a.event_id = e.id "
                "WHERE (e.kind IN ('CrisisPaymentCompleted', 'CrisisPaymentDeclined') "
                "AND json_extract(e.payload, '$.request_id') = ?) OR (e.kind = 'IssueVoided' "
                "AND json_extract(e.payload, '$.issue_id') = ?) ORDER BY a.server_seq LIMIT 1",
                (request_id, issue_id),
            )
            first = OUTCOME_OF[seqs[0][0]]
            status = peek.scalar(
                store,
                "SELECT status FROM crisis_payment_requests WHERE request_id = ?",
                (request_id,),
            )
            assert status == first, request_id

    def _check_referral_races(self, fresh_store) -> None:
        """The same step at two desks: the server never takes both from the same status.

        Both may stand only if, between them in the feed, another step (say a
        reassignment by a third desk) brought the referral back to that status.
        """
        for a, first, b, second in self.referral_races:
            answers = [self._answer(self.stores[a], first), self._answer(self.stores[b], second)]
            assert set(answers) <= {"accepted", "rejected"}, answers
            if answers == ["accepted", "accepted"]:
                seqs = sorted(self._seq(fresh_store, e) for e in (first, second))
                between = peek.scalar(
                    fresh_store,
                    "SELECT COUNT(*) FROM referral_events r JOIN event_acks a "
                    "ON a.event_id = r.event_id WHERE r.referral_id = (SELECT referral_id FROM "
                    "referral_events WHERE event_id = ?) AND r.kind != 'ReferralNoteAdded' "
                    "AND a.server_seq > ? AND a.server_seq < ?",
                    (first, *seqs),
                )
                assert between > 0, f"both {first} and {second} were accepted"
        # Every step the server accepted is one the desks' state machine applies.
        refused = peek.scalar(fresh_store, "SELECT COUNT(*) FROM referral_events WHERE applied = 0")
        assert refused == 0

    @staticmethod
    def _seq(store, event_id: str) -> int:
        return peek.scalar(
            store, "SELECT server_seq FROM event_acks WHERE event_id = ?", (event_id,)
        )

    @staticmethod
    def _answer(store, event_id: str) -> str:
        return peek.scalar(store, "SELECT status FROM event_acks WHERE event_id = ?", (event_id,))


TestCrisisDesks = CrisisDesks.TestCase
TestCrisisDesks.settings = settings(
    max_examples=EXAMPLES,
    stateful_step_count=25,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
