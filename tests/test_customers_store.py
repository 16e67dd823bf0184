"""Customer and referral projections: current record, last-writer-wins per field in feed
order, the generic timeline, queues, and rebuild == live."""

from __future__ import annotations

import pytest

from cxdesk.events import Payload
from cxdesk.session import DeskSession
from cxdesk.store import customer_commands as cc
from cxdesk.store import customer_queries as cq
from cxdesk.store import open_store
from cxdesk.store import referral_commands as rc
from cxdesk.store import referral_queries as rq
from cxdesk.store.eventlog import EVENT_COLUMNS, ingest_remote, record_ack, row_to_event
from cxdesk.store.projections.customers import timeline_kinds
from cxdesk.store.rebuild import verify_store
from tests import peek
from tests.customer_helpers import MARIA as FORM
from tests.customer_helpers import REFERRAL_CHOICES, STORY

ADVISOR = DeskSession("AB1001", "Alex Advisor", "advisor", "CSC")
HOUSING = DeskSession("HO2001", "Harriet Housing", "advisor", "CIVIC-BACK")
REFERRAL = {**REFERRAL_CHOICES, "story": STORY}


def add_team(store, team_id="housing-options", name="Housing Options", staff_only=True):
    store.record(
        "DirectoryEntryUpdated",
        {
            "id": team_id,
            "name": name,
            "team": "Housing",
            "phone": "020 7946 0101",
            "hours": "Mon-Fri 09:00-17:00",
            "staff_only": staff_only,
        },
        actor="SUP1",
        role="supervisor",
    )


def events_of(store, kind=None):
    rows = peek.query(store, f"SELECT {EVENT_COLUMNS} FROM events ORDER BY rowid_")
    return [row_to_event(r) for r in rows if kind is None or r["kind"] == kind]


def test_register_projects_the_customer_and_timeline(store):
    cid = cc.register_customer(store, ADVISOR, FORM)
    record = cq.get_customer(store, cid)
    assert record.given_name == "Maria"
    assert record.postcode_district == "EM1"
    assert record.birth_year == 1984
    assert record.registered_location == "CSC"
    assert record.registered_by == "AB1001"
    cc.record_view(store, ADVISOR, cid)
    history = cq.customer_history(store, cid)
    assert [h.summary for h in history] == ["Customer registered"]
    assert cq.view_count(store, cid) == 1
    assert verify_store(store).ok


def test_timeline_picks_up_any_kind_with_a_customer_id():
    kinds = timeline_kinds()
    for kind in ("CustomerRegistered", "ReferralRaised", "ReferralCompleted"):
        assert kind in kinds
    assert "DirectoryEntryUpdated" not in kinds


def test_summary_defaults_to_the_kind_in_words():
    class VoucherIssued(Payload):
        pass

    assert VoucherIssued().summary() == "Voucher issued"


def test_change_records_only_changed_fields_and_keeps_history(store):
    cid = cc.register_customer(store, ADVISOR, FORM)
    changed = cc.change_customer(store, ADVISOR, cid, {**FORM, "phone": "07700 900199"})
    assert changed == ["phone"]
    assert cq.get_customer(store, cid).phone == "+447700900199"
    assert (
        peek.scalar(store, "SELECT COUNT(*) FROM customer_changes WHERE customer_id = ?", (cid,))
        == 2
    )
    with pytest.raises(Exception, match="Nothing has changed"):
        cc.change_customer(store, ADVISOR, cid, {**FORM, "phone": "07700 900199"})
    assert verify_store(store).ok


@pytest.mark.parametrize("ours_first", [True, False])
def test_last_writer_wins_per_field_in_feed_order(tmp_path, ours_first):
    desk_a = open_store(tmp_path / "a.sqlite3", device_id="D-A", location="CSC")
    desk_b = open_store(tmp_path / "b.sqlite3", device_id="D-B", location="HUB-NORTH")
    try:
        cid = cc.register_customer(desk_a, ADVISOR, FORM)
        registered = events_of(desk_a)[0]
        with desk_a.transaction() as conn:
            record_ack(conn, registered, status="accepted", server_seq=1)
        with desk_b.transaction() as conn:
            ingest_remote(conn, desk_b.clock, [(registered, 1)])
        # both desks change the phone offline; B also changes the address
        cc.change_customer(desk_a, ADVISOR, cid, {**FORM, "phone": "07700 900111"})
        cc.change_customer(
            desk_b, ADVISOR, cid, {**FORM, "phone": "07700 900222", "address": "9 New Road"}
        )
        ours = events_of(desk_a, "CustomerDetailsChanged")[0]
        theirs = events_of(desk_b, "CustomerDetailsChanged")[0]
        ours_seq, theirs_seq = (2, 3) if ours_first else (3, 2)
        with desk_a.transaction() as conn:
            ingest_remote(conn, desk_a.clock, [(theirs, theirs_seq)])
            record_ack(conn, ours, status="accepted", server_seq=ours_seq)
        with desk_b.transaction() as conn:
            record_ack(conn, theirs, status="accepted", server_seq=theirs_seq)
            ingest_remote(conn, desk_b.clock, [(ours, ours_seq)])
        winner = "+447700900222" if ours_first else "+447700900111"
        for desk in (desk_a, desk_b):
            record = cq.get_customer(desk, cid)
            assert record.phone == winner
            assert record.address == "9 New Road"  # nobody else changed it
            assert verify_store(desk).ok
    finally:
        desk_a.close()
        desk_b.close()


def test_search_finds_by_every_key(store):
    cid = cc.register_customer(store, ADVISOR, {**FORM, "council_reference": "CT-1048823"})
    cc.register_customer(store, ADVISOR, {**FORM, "given_name": "Mary", "family_name": "Jones"})
    for query in (
        "maria okafor",
        "okafor maria",
        "Mraia Okafr",
        "okafor 11/02/1984",
        "EM1 4QT okafor",
        "07700 900101 maria",
        "ct-1048823",
        "okafor EM1",
    ):
        hits = cq.search_customers(store, query)
        assert hits and hits[0].customer_id == cid, query
    assert cq.search_customers(store, "okafor 12/02/1984") == []
    assert cq.search_customers(store, "zebedee") == []
    hit = cq.search_customers(store, "okafor")[0]
    assert (hit.name, hit.birth_year, hit.district) == ("Maria Okafor", 1984, "EM1")


def test_likely_matches_offered_before_creating(store):
    cid = cc.register_customer(store, ADVISOR, FORM)
    cc.register_customer(store, ADVISOR, {**FORM, "given_name": "Zoe"})  # a twin
    found = cq.likely_matches(store, "Okafor", "Mariа".replace("а", "a"), "1984-02-11", "EM1 4QT")
    assert [hit.customer_id for hit, _ in found] == [cid]


def test_referral_lifecycle_in_the_store(store):
    add_team(store)
    cid = cc.register_customer(store, ADVISOR, FORM)
    rid = rc.raise_referral(store, ADVISOR, cid, REFERRAL)
    duplicate = rq.open_referral_to(store, cid, "housing-options")
    assert duplicate.referral_id == rid
    rc.add_note(store, ADVISOR, rid, "She has a letter from the landlord.")
    assert [line.referral_id for line in rq.incoming(store, "housing-options")] == [rid]
    assert [line.referral_id for line in rq.outgoing(store, "CSC")] == [rid]
    rc.accept(store, HOUSING, rid, "housing-options")
    rc.start(store, HOUSING, rid)
    with pytest.raises(Exception, match="cannot be accepted"):
        rc.accept(store, HOUSING, rid, "housing-options")
    rc.complete(store, HOUSING, rid, "Prevention duty accepted; landlord contacted.")
    referral = rq.get_referral(store, rid)
    assert referral.status == "completed"
    assert referral.note_count == 1
    assert rq.incoming(store, "housing-options") == []
    summaries = [h.summary for h in cq.customer_history(store, cid)]
    assert summaries[0] == "Referral completed"
    assert summaries[-1] == "Customer registered"
    assert [s.kind for s in rq.referral_steps(store, rid)][-1] == "ReferralCompleted"
    assert verify_store(store).ok
    # The customer's letter is kept with this desk's records, like the slips.
    text, path = rc.write_confirmation(store, rid)
    assert path.parent == store.path.parent / "letters" and referral.reference in text


def test_decline_goes_back_to_the_sender_and_can_be_reassigned(store):
    add_team(store)
    add_team(store, "benefits", "Benefits")
    cid = cc.register_customer(store, ADVISOR, FORM)
    rid = rc.raise_referral(store, ADVISOR, cid, REFERRAL)
    rc.decline(store, HOUSING, rid, "Not ours: council tax arrears.")
    outgoing = rq.outgoing(store, "CSC")
    assert outgoing[0].status == "declined"
    rc.reassign(store, ADVISOR, rid, "benefits", "Sent to Benefits instead.")
    assert rq.get_referral(store, rid).to_team == "benefits"
    assert [line.referral_id for line in rq.incoming(store, "benefits")] == [rid]
    assert verify_store(store).ok


def test_advice_without_consent_is_never_in_a_queue(store):
    add_team(store)
    cid = cc.register_customer(store, ADVISOR, FORM)
    rid = rc.raise_referral(store, ADVISOR, cid, {**REFERRAL, "consent": "refused"})
    assert rq.get_referral(store, rid).status == "advice_given"
    assert rq.incoming(store, "housing-options") == []
    assert rq.outgoing(store, "CSC") == []
    with pytest.raises(Exception, match="not shared"):
        rc.accept(store, HOUSING, rid, "housing-options")


def test_two_desks_accepting_offline_agree_on_one(tmp_path):
    desk_a = open_store(tmp_path / "a.sqlite3", device_id="D-A", location="CSC")
    desk_b = open_store(tmp_path / "b.sqlite3", device_id="D-B", location="CIVIC-BACK")
    try:
        add_team(desk_a)
        cid = cc.register_customer(desk_a, ADVISOR, FORM)
        rid = rc.raise_referral(desk_a, ADVISOR, cid, REFERRAL)
        early = events_of(desk_a)
        with desk_b.transaction() as conn:
            ingest_remote(conn, desk_b.clock, [(e, n) for n, e in enumerate(early, 1)])
        with desk_a.transaction() as conn:
            for n, e in enumerate(early, 1):
                record_ack(conn, e, status="accepted", server_seq=n)
        rc.accept(desk_a, ADVISOR, rid, "housing-options")
        rc.decline(desk_b, HOUSING, rid, "Not ours.")
        a_step = events_of(desk_a, "ReferralAccepted")[0]
        b_step = events_of(desk_b, "ReferralDeclined")[0]
        # the server took the decline first; the acceptance then came too late
        with desk_a.transaction() as conn:
            ingest_remote(conn, desk_a.clock, [(b_step, 10)])
            record_ack(conn, a_step, status="rejected", reason="declined already")
        assert rq.get_referral(desk_a, rid).status == "declined"
        assert rq.get_referral(desk_b, rid).status == "declined"
        steps = {s.kind: s.applied for s in rq.referral_steps(desk_a, rid)}
        assert steps["ReferralDeclined"] == 1
    finally:
        desk_a.close()
        desk_b.close()


def test_demo_seed_records_customers_and_referrals(store, tmp_path):
    import json
    import shutil

    from cxdesk import locations
    from cxdesk.seed import customers as seed_customers
    from cxdesk.seed import referrals as seed_referrals

    folder = tmp_path / "fixtures"
    folder.mkdir()
    for name in ("customers.json", "directory.csv"):
        shutil.copy(locations.fixtures_dir() / name, folder / name)
    if not (locations.fixtures_dir() / "staff.json").exists():
        staff = [{"staff_id": "AB1001", "role": "advisor", "locations": ["CSC"]}]
        (folder / "staff.json").write_text(json.dumps(staff))
    else:
        shutil.copy(locations.fixtures_dir() / "staff.json", folder / "staff.json")
    for item in [*seed_customers.events(folder), *seed_referrals.events(folder)]:
        store.record(
            item.kind, item.payload, actor=item.actor, role=item.role, location=item.location
        )
    assert peek.scalar(store, "SELECT COUNT(*) FROM customers") == 20
    statuses = {r[0] for r in peek.query(store, "SELECT status FROM referrals")}
    assert statuses == {"raised", "in_progress", "completed", "declined", "advice_given"}
    assert any(line.overdue for line in rq.outgoing(store, "CSC"))
    twins = cq.likely_matches(store, "Amy", "Patel", "2001-09-05", "EM3 2NP")
    assert [hit.given_name for hit, _ in twins] == ["Amy"]
    assert verify_store(store).ok
