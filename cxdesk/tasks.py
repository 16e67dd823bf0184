"""The desk's tasks, in the words an advisor would type into the palette, from any screen.

The command palette lists the keys of the screen in use; an advisor on the
lookup screen who types "voucher" or "refer" found nothing, because those keys
live on a resident's record. Each ``Task`` here is offered on every screen to
the roles that may do it. A task about a resident (issue a voucher, refer,
flag a crisis) runs at once on their open record; from anywhere else it opens
customer search and remembers the task, and the record opened next runs it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import partial
from typing import Any

from textual.app import App
from textual.screen import Screen

from cxdesk.desk_app import Desk, desk_of
from cxdesk.events import FRONTLINE, SUPERVISORS
from cxdesk.screens import area
from cxdesk.screens.area import Area

EVERYONE = FRONTLINE | SUPERVISORS | {"welfare"}


@dataclass(frozen=True)
class Task:
    title: str
    """As listed and searched: "task: issue food voucher"."""
    help: str
    roles: frozenset[str]
    record_action: str | None = None
    """The customer record's action that does it (a task about one resident)."""
    mode: Area | None = None
    """Or the area it is done in."""
    then: str | None = None
    """And the action to run there once it shows (e.g. new customer)."""
    screen: Callable[[], Screen] | None = None
    """Or a screen pushed over the one in use (a factory that imports it when chosen)."""


TASKS = (
    Task(
        "task: find a number (directory)",
        "F2, then type a team, service or keyword",
        EVERYONE,
        mode=Area.LOOKUP,
    ),
    Task(
        "task: new customer: register someone",
        "F3 then Ctrl+N",
        FRONTLINE | {"welfare"},
        mode=Area.CUSTOMERS,
        then="new_customer",
    ),
    Task(
        "task: find a customer",
        "F3, type a name, date of birth or postcode",
        FRONTLINE | {"welfare"},
        mode=Area.CUSTOMERS,
    ),
    Task(
        "task: search all locations (a resident held elsewhere)",
        "F3, type their name and date of birth, then Ctrl+G",
        FRONTLINE | {"welfare"},
        mode=Area.CUSTOMERS,
        then="search_central",
    ),
    Task(
        "task: issue food voucher",
        "on their record: I",
        FRONTLINE,
        record_action="issue('food_voucher')",
    ),
    Task(
        "task: issue payment card (crisis payment)",
        "on their record: C",
        FRONTLINE,
        record_action="issue('payment_card')",
    ),
    Task(
        "task: refer to a team (referral)",
        "on their record: R",
        FRONTLINE,
        record_action="raise_referral",
    ),
    Task("task: flag a crisis", "on their record: F", FRONTLINE, record_action="flag_crisis"),
    Task(
        "task: add a note to a customer's record",
        "on their record: N",
        FRONTLINE | {"welfare"},
        record_action="add_note",
    ),
    Task("task: referral queue (incoming referrals)", "F4", EVERYONE, mode=Area.QUEUES),
    Task("task: crisis queue (payments and flags)", "F5", EVERYONE, mode=Area.CRISIS),
    Task("task: stock of vouchers and cards", "F6", FRONTLINE, mode=Area.STOCK),
    Task("task: issued-voucher log (supervisors)", "F7", SUPERVISORS, mode=Area.LOG),
    Task(
        "task: contact figures: reasons, FCR, footfall, transfers (supervisors)",
        "F7 then Ctrl+K",
        SUPERVISORS,
        mode=Area.LOG,
        then="contact_figures",
    ),
    Task("task: sync status", "F8", EVERYONE, mode=Area.SYNC),
    Task(
        "task: why a resident cannot go online (digital exclusion)",
        "on their record: D",
        FRONTLINE,
        record_action="digital_exclusion",
    ),
    Task(
        "task: wrap up a contact (reason, channel, outcome)",
        "F12 from any screen",
        FRONTLINE,
        then="app.wrap_up",
    ),
    Task(
        "task: cautionary markers: approve and review",
        "supervisors' list",
        SUPERVISORS,
        screen=area.cautions,
    ),
    Task(
        "task: propose a cautionary marker",
        "on their record: M",
        SUPERVISORS,
        record_action="propose_marker",
    ),
    Task(
        "task: protect a resident's address",
        "on their record: P",
        FRONTLINE,
        record_action="protect_address",
    ),
)


def tasks_for(role: str | None) -> list[Task]:
    return [t for t in TASKS if role in t.roles]


def palette_entries(app: App[Any]) -> Iterator[tuple[str, str, Callable[[], object]]]:
    """(title, help, callback) for every task the signed-in person may do now."""
    desk = desk_of(app)
    session = desk.session
    if session is None or desk.locked:
        return
    for task in tasks_for(session.role):
        yield task.title, task.help, partial(start, app, task)


async def start(app: App[Any], task: Task) -> None:
    """Do ``task`` from wherever the advisor is."""
    from cxdesk.screens.customer_view import CustomerViewScreen

    if task.record_action is not None:
        if isinstance(app.screen, CustomerViewScreen):
            await app.screen.run_action(task.record_action)
            return
        desk_of(app).pending_record_task = task
        await app.switch_mode(Area.CUSTOMERS)
        words = task.title.removeprefix("task: ")
        app.notify(
            f"Find the resident and press Enter on their name: then '{words}' opens.", timeout=8
        )
        return
    if task.screen is not None:
        await app.push_screen(task.screen())
        return
    if task.mode is not None:
        await app.switch_mode(task.mode)
    if task.then is not None:
        await app.screen.run_action(task.then)


def take_pending(desk: Desk) -> Task | None:
    """The resident task waiting for the next record opened (and forget it)."""
    task = desk.pending_record_task
    desk.pending_record_task = None
    return task
