"""F8 lists feed events this desk refused because they did not verify, with the reason."""

from __future__ import annotations

from cxdesk.events.envelope import Event, chain_hash, new_event_id, payload_digest
from cxdesk.screens.sync_status import SyncStatusScreen
from cxdesk.session import DeskSession
from cxdesk.store.eventlog import utc_now_text
from cxdesk.store.projections.feed_refusals import record_refusal, refusal_reason
from tests.deskkit import build_desk, make_test_app, settle, shows

ADVISOR = DeskSession("A1001", "Sam Advisor", "advisor", "CSC", "Customer Service Centre")


def _forged() -> Event:
    payload = {"staff_id": "S4001", "reason": "wrong"}
    fields = {
        "id": new_event_id(),
        "kind": "SignInFailed",
        "payload_digest": payload_digest(payload),
        "actor": "desk",
        "device": "D-ROGUE",
        "location": "HUB-N",
        "device_seq": 7,
        "hlc": "not-a-clock-value-at-all",
        "prev_hash": "0" * 64,
    }
    return Event(payload=payload, hash=chain_hash(**fields), **fields)


async def test_f8_lists_refused_feed_events(store):
    build_desk(store)
    event = _forged()
    reason = refusal_reason(event)
    assert reason and "malformed" in reason
    with store.transaction() as conn:
        record_refusal(conn, event, 42, reason, utc_now_text())
    app = make_test_app(store)
    async with app.run_test(size=(80, 24)) as pilot:
        app.session = ADVISOR
        await app.switch_mode("sync")
        assert isinstance(app.screen, SyncStatusScreen)
        await settle(pilot)  # the screen's load may not have started yet: wait for it
        assert shows(app, "Refused from the feed (did not verify): 1")
        assert shows(app, "feed 42") and shows(app, "SignInFailed")


async def test_f8_says_when_the_last_sync_was_in_the_desks_own_time(store):
    """A stored UTC stamp reads as London time (summer time too), never as raw ISO text."""
    from cxdesk.store.sync_queries import LAST_SUCCESS

    build_desk(store)
    for stamp, shown in (
        ("2026-07-01T11:44:05.314000Z", "Last successful sync: 01 Jul 12:44:05"),
        ("2026-12-01T11:44:05.314000Z", "Last successful sync: 01 Dec 11:44:05"),
        ("not a time", "Last successful sync: ?"),
    ):
        with store.transaction() as conn:
            store.set_state(conn, LAST_SUCCESS, stamp)
        app = make_test_app(store)
        async with app.run_test(size=(80, 24)) as pilot:
            app.session = ADVISOR
            await app.switch_mode("sync")
            await settle(pilot)
            assert shows(app, shown), shown
            assert not shows(app, "T11:44")
