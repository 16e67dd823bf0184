"""The desk's areas, and their screens imported on first use.

Each area (lookup, customers, queues, ...) is a Textual mode named by ``Area``:
code that changes area names it with the enum (``app.switch_mode(Area.CUSTOMERS)``),
never with a bare string, so a misspelt area is a type error, not a runtime one.

Each area brings its screen module, the store queries behind it and their
domain rules (phone numbers, bank holidays, the directory index). None of that
is needed to draw the sign-in screen, so ``AREA_SCREENS`` holds a small typed
factory per area that imports the screen's module the first time the area is
opened (``tests/test_startup_imports.py`` keeps it so).
"""

from __future__ import annotations

from collections.abc import Callable
from enum import StrEnum

from textual.screen import Screen


class Area(StrEnum):
    """The areas, each on a function key (F2 to F8)."""

    LOOKUP = "lookup"
    CUSTOMERS = "customers"
    QUEUES = "queues"
    CRISIS = "crisis"
    STOCK = "stock"
    LOG = "log"
    SYNC = "sync"


def lookup() -> Screen:
    from cxdesk.screens.lookup import LookupScreen

    return LookupScreen()


def customers() -> Screen:
    from cxdesk.screens.customer_search import CustomerSearchScreen

    return CustomerSearchScreen()


def queues() -> Screen:
    from cxdesk.screens.referral_queues import ReferralQueuesScreen

    return ReferralQueuesScreen()


def crisis() -> Screen:
    from cxdesk.screens.crisis_queue import CrisisQueueScreen

    return CrisisQueueScreen()


def stock() -> Screen:
    from cxdesk.screens.stock import StockScreen

    return StockScreen()


def issue_log() -> Screen:
    from cxdesk.screens.issue_log import IssueLogScreen

    return IssueLogScreen()


def sync_status() -> Screen:
    from cxdesk.screens.sync_status import SyncStatusScreen

    return SyncStatusScreen()


AREA_SCREENS: dict[Area, Callable[[], Screen]] = {
    Area.LOOKUP: lookup,
    Area.CUSTOMERS: customers,
    Area.QUEUES: queues,
    Area.CRISIS: crisis,
    Area.STOCK: stock,
    Area.LOG: issue_log,
    Area.SYNC: sync_status,
}
"""Each area's base screen, built (and its module imported) when the area first opens."""


def cautions() -> Screen:
    """The supervisors' list of cautionary markers (pushed over any area, from the palette)."""
    from cxdesk.screens.cautions import CautionsScreen

    return CautionsScreen()
