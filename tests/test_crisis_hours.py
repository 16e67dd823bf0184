"""Crisis payments follow the Welfare Assistance Team's hours, and the slip's numbers come
from the directory."""

from __future__ import annotations

from datetime import UTC, datetime

from textual.widgets import Input, Static

from cxdesk import locations
from cxdesk.domain.crisis_hours import WelfareContact, add_working_time, crisis_due
from cxdesk.domain.directory import DirectoryEntry
from cxdesk.domain.hours import OpeningHours
from cxdesk.domain.slip import slip_text
from cxdesk.store import issue_commands as ic
from cxdesk.store.directory_commands import import_directory
from tests import peek

WEEKDAYS = OpeningHours.parse("Mon-Fri 09:00-17:00")


def entry(**changes) -> DirectoryEntry:
    fields = dict(
        id="welfare-assistance-team",
        name="Welfare Assistance Team",
        phone="020 7946 0220",
        hours="Mon-Fri 09:00-17:00",
        out_of_hours="Ring the Emergency Duty Team",
        out_of_hours_phone="020 7946 0999",
    )
    fields.update(changes)
    return DirectoryEntry(**fields)


def utc(*parts) -> datetime:
    return datetime(*parts, tzinfo=UTC)


def test_in_hours_is_one_real_hour():
    assert add_working_time(WEEKDAYS, utc(2026, 11, 30, 11, 0)) == utc(2026, 11, 30, 12, 0)


def test_out_of_hours_is_one_hour_after_opening():
    # Monday 19:10 GMT: due Tuesday 10:00, not 20:10 when nobody is there.
    assert add_working_time(WEEKDAYS, utc(2026, 11, 30, 19, 10)) == utc(2026, 12, 1, 10, 0)
    # Friday evening: Monday 10:00.
    assert add_working_time(WEEKDAYS, utc(2026, 12, 4, 18, 0)) == utc(2026, 12, 7, 10, 0)
    # Half an hour before closing: half today, half tomorrow morning.
    assert add_working_time(WEEKDAYS, utc(2026, 11, 30, 16, 30)) == utc(2026, 12, 1, 9, 30)
    # Christmas Eve evening: Christmas and Boxing Day (and the weekend) are skipped.
    assert add_working_time(WEEKDAYS, utc(2026, 12, 24, 18, 0)) == utc(2026, 12, 29, 10, 0)


def test_without_a_directory_entry_the_plain_hour():
    assert crisis_due(utc(2026, 11, 30, 19, 10), None) == utc(2026, 11, 30, 20, 10)


def test_out_of_hours_slip_says_when_and_gives_the_directory_numbers():
    contact = WelfareContact.from_entry(entry(phone="020 7946 0555"))
    issued = utc(2026, 11, 30, 19, 10)
    slip = slip_text(
        kind="payment_card",
        serial="PC001001",
        value_pence=4000,
        issued_at=issued,
        location_name="Customer Service Centre",
        issue_id="0193-abcdef12",
        due_at=crisis_due(issued, contact),
        contact=contact,
    )
    flat = " ".join(slip.split())
    assert "closed now and opens Tue 1 Dec 09:00 GMT" in flat
    assert "by Tue 1 Dec 10:00 GMT" in flat and "20:10" not in flat
    assert "020 7946 0555" in flat  # the directory's number, whatever it is
    assert "Emergency Duty Team: 020 7946 0999" in flat
    assert all(len(line) <= 40 for line in slip.splitlines())


def test_card_issue_takes_due_time_and_numbers_from_the_directory(admin_store):
    from tests.crisis_helpers import register, set_up_council

    set_up_council(admin_store)
    import_directory(
        admin_store, locations.fixtures_dir() / "directory.csv", actor="ADMIN1", role="admin"
    )
    cid = register(admin_store)
    check = ic.check_repeat_claims(admin_store, "payment_card", cid)
    receipt = ic.issue_item(
        admin_store,
        actor="ADV1",
        role="advisor",
        location="CSC",
        kind="payment_card",
        customer_id=cid,
        serial_text="PC000001",
        amount_text="40",
        reason="no money",
        check=check,
    )
    contact = ic.welfare_contact(admin_store)
    assert contact is not None
    assert receipt.due_at == crisis_due(receipt.issued_at, contact)
    assert contact.phone in receipt.slip.replace("\n", " ")
    due_ms = peek.scalar(admin_store, "SELECT due_ms FROM crisis_payment_requests")
    assert due_ms == int(receipt.due_at.timestamp() * 1000)


async def test_offline_card_issue_warns_at_once(admin_store):
    from cxdesk.screens.issue_item import IssueScreen
    from tests.crisis_helpers import register, set_up_council
    from tests.deskkit import run_desk
    from tests.test_screens_crisis import ADVISOR, settle

    set_up_council(admin_store)
    cid = register(admin_store)
    async with run_desk(admin_store, ADVISOR) as pilot:  # no sync worker: nothing leaves this desk
        app = pilot.app
        await app.push_screen(IssueScreen("payment_card", cid, "Jo Bloggs"))
        await settle(pilot)
        note = str(app.screen.query_one("#crisis-note", Static).render())
        assert "OFFLINE" in note and "only when this desk reconnects" in note
        assert app.screen.query_one("#f-serial", Input).has_focus
