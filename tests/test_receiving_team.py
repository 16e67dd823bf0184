"""The receiving team: who may work which queue, the resident's contact details on the
referral, and the sender seeing completions as well as declines."""

from __future__ import annotations

from cxdesk.domain.queue_access import may_work_queue
from cxdesk.screens.referral_view import ReferralViewScreen
from cxdesk.store import customer_commands, referral_commands, referral_queries
from tests.customer_helpers import MARIA, REFERRAL_CHOICES
from tests.deskkit import build_desk, give_keys, make_test_app, shows
from tests.test_screens_customers import ADVISOR, TEAM_WORKER, open_area, settle

STORY = {**REFERRAL_CHOICES, "story": "Notice to leave."}
KINDS = {"CSC": "csc", "HUB-NORTH": "hub", "BACK": "back-office"}


def works(role, places, target, name=""):
    return may_work_queue(role, places, KINDS, target, name or target)


def test_who_may_work_which_queue():
    assert not works("advisor", ["CSC"], "housing-options")
    assert not works("advisor", ["CSC"], "HUB-NORTH")
    assert works("hub", ["HUB-NORTH"], "HUB-NORTH")
    assert not works("hub", ["HUB-NORTH"], "housing-options")
    assert works("advisor", ["BACK"], "housing-options")  # a team's officer in the back office
    assert works("welfare", ["BACK"], "welfare-assistance-team")
    assert not works("hub", ["HUB-NORTH"], "welfare-assistance-team")
    for who in (("supervisor", ["HUB-NORTH"]), ("welfare", ["BACK"]), ("advisor", ["BACK"])):
        assert not works(*who, "mash", "Children's Services Front Door (MASH)")
    assert works("admin", ["BACK"], "mash", "Children's Services Front Door (MASH)")


def test_a_hub_worker_is_offered_only_their_hub(store):
    build_desk(store)
    teams = referral_queries.workable_targets(store, "H2001", "hub")
    assert [t.target_id for t in teams] == ["HUB-NORTH"]
    names = [t.name for t in referral_queries.workable_targets(store, "S3001", "supervisor")]
    assert "Housing Options" in names and not any("MASH" in n for n in names)


async def test_referral_view_shows_phone_and_preferred_contact(store):
    build_desk(store)
    give_keys(store, ADVISOR.staff_id)
    cid = customer_commands.register_customer(
        store, ADVISOR, dict(MARIA, preferred_contact="text", contact_times="after 4pm")
    )
    rid = referral_commands.raise_referral(store, ADVISOR, cid, STORY)
    app = make_test_app(store)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_area(pilot, TEAM_WORKER, "queues")
        await app.push_screen(ReferralViewScreen(rid))
        await settle(pilot)
        assert shows(app, "Contact: 07700 900101 · prefers text, after 4pm")


async def test_outgoing_keeps_completed_referrals_and_filters_them(store):
    build_desk(store)
    give_keys(store, ADVISOR.staff_id)
    give_keys(store, TEAM_WORKER.staff_id)
    cid = customer_commands.register_customer(store, ADVISOR, MARIA)
    rid = referral_commands.raise_referral(store, ADVISOR, cid, STORY)
    referral_commands.accept(store, TEAM_WORKER, rid, "housing-options")
    referral_commands.complete(store, TEAM_WORKER, rid, "Rehoused")
    app = make_test_app(store)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_area(pilot, ADVISOR, "queues")
        assert shows(app, "1 completed")
        assert shows(app, "Completed")
        await pilot.press("o")
        await settle(pilot)
        assert shows(app, "Outgoing 0") and shows(app, "(open only)")
