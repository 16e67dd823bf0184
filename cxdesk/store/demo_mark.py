"""Which stores are demo stores: made by ``cxdesk demo``, and only those.

A demo desk lists the demo accounts (their passcodes are published in the
README) on its sign-in screen. On a real desk that would hand anyone who walks
past a supervisor's passcode, so demo mode is tied to the store, not to a
setting: ``cxdesk demo`` marks a store it creates, and ``CXDESK_DEMO`` or
``demo = true`` on any other store is refused with a message.
"""

from __future__ import annotations

from cxdesk.errors import CxDeskError
from cxdesk.store import _sql

DEMO_KEY = "demo_store"


def mark_demo_store(store) -> None:
    with store.transaction() as conn:
        store.set_state(conn, DEMO_KEY, "created by cxdesk demo")


def is_demo_store(store) -> bool:
    return _sql.state(store, DEMO_KEY) is not None


def refuse_demo_mode(store) -> None:
    """Raise unless ``store`` was made by ``cxdesk demo`` (call when demo mode is asked for)."""
    if not is_demo_store(store):
        raise CxDeskError(
            "Demo mode (CXDESK_DEMO or demo = true) only works on a store made by "
            "`cxdesk demo`; this desk's store is a real one. Remove the setting, or run "
            "`cxdesk demo` to try cxdesk.",
            title="Not a demo desk",
        )
