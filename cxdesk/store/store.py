"""The desk store: one object the app, the CLI and the sync worker share.

It owns the connection and the hybrid clock, knows which desk it is, and
offers ``record`` (append an event and its projections in one transaction)
plus read access for the query modules. Screens never use it directly: they
call the query and command functions in ``cxdesk.store`` modules, in workers.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from cxdesk.errors import AuthError, StoreError
from cxdesk.events import DESK_ACTOR
from cxdesk.events.envelope import HybridClock
from cxdesk.store import _sql, cipher, db
from cxdesk.store.checkpointer import Checkpointer
from cxdesk.store.eventlog import append_local, utc_now_text
from cxdesk.store.keys import DataKey
from cxdesk.store.migrations import migrate

if TYPE_CHECKING:  # a person's keys come with a sign-in, which imports them
    from cxdesk.domain.staff_keys import StaffKeys
    from cxdesk.events.envelope import Event


class NewEvent(Protocol):
    """An event to record unsigned, in bulk (``cxdesk.seed.SeedEvent`` is one)."""

    @property
    def kind(self) -> str: ...
    @property
    def payload(self) -> dict[str, Any]: ...
    @property
    def actor(self) -> str: ...
    @property
    def role(self) -> str | None: ...
    @property
    def location(self) -> str | None: ...


class Store:
    """A migrated desk store. Use ``open_store`` to get one."""

    def __init__(
        self, conn: sqlite3.Connection, path: Path | None, data_key: DataKey | None = None
    ) -> None:
        self.path = path
        self.data_key = data_key
        """The key the store file is encrypted under (a verify copy is opened with it)."""
        self._checkpointer = Checkpointer(path, data_key) if path is not None else None
        self._tx = db.Transactor(conn, self._checkpointer.committed if self._checkpointer else None)
        self.conn = conn
        row = conn.execute("SELECT device_id, location FROM desk").fetchone()
        self.device_id: str | None = row[0] if row else None
        self.location: str | None = row[1] if row else None
        last = conn.execute("SELECT MAX(hlc) FROM events").fetchone()[0]
        self.clock = HybridClock(self.device_id or "unset", last)
        self.listeners: list[Callable[[Event], None]] = []
        """Called with each event ``record`` made, after it committed (any thread)."""
        self._keys: dict[str, StaffKeys] = {}
        self.require_signatures = False
        """The desk app sets this: a person's event without their keys is refused here
        rather than rejected later by the server (a bare store in a test or a tool may
        still record unsigned events; the server will not accept them)."""

    # -- signing keys ---------------------------------------------------------
    def use_keys(self, staff_id: str, keys: StaffKeys | None) -> None:
        """Sign ``staff_id``'s events with ``keys`` (their session's, from sign-in)."""
        if keys is None:
            self._keys.pop(staff_id, None)
        else:
            self._keys[staff_id] = keys

    def forget_keys(self, staff_id: str | None = None) -> None:
        """Drop one person's keys (lock, sign-out), or everyone's."""
        if staff_id is None:
            self._keys.clear()
        else:
            self._keys.pop(staff_id, None)

    def keys_for(self, staff_id: str) -> StaffKeys | None:
        return self._keys.get(staff_id)

    @property
    def folder(self) -> Path:
        """Where files that belong with this desk's records go (letters, slips)."""
        from cxdesk import locations

        return self.path.parent if self.path else locations.data_dir()

    # -- identity -----------------------------------------------------------
    def init_desk(self, device_id: str, location: str) -> None:
        """Name this desk and its location (once; enrolment or demo set-up does it)."""
        with self.transaction() as conn:
            row = conn.execute("SELECT device_id, location FROM desk").fetchone()
            moved = row is not None and tuple(row) != (device_id, location)
            has_events = "SELECT 1 FROM events WHERE device = ?"
            if row is not None and moved and conn.execute(has_events, (row[0],)).fetchone():
                raise StoreError(
                    f"This store already belongs to desk {row[0]} at {row[1]} and holds "
                    "its events; use a new data folder for another desk."
                )
            conn.execute(
                "INSERT INTO desk (only_row, device_id, location, created_at) VALUES (1, ?, ?, ?) "
                "ON CONFLICT (only_row) DO UPDATE SET device_id = excluded.device_id, "
                "location = excluded.location",
                (device_id, location, utc_now_text()),
            )
        self.device_id, self.location = device_id, location
        self.clock = HybridClock(device_id, self.clock.now())

    # -- transactions -------------------------------------------------------
    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        with self._tx.transaction() as conn:
            yield conn

    @contextmanager
    def reading(self) -> Iterator[sqlite3.Connection]:
        with self._tx.reading() as conn:
            yield conn

    def record(
        self,
        kind: str,
        payload: dict[str, Any],
        *,
        actor: str,
        role: str | None,
        location: str | None = None,
        keys: StaffKeys | None = None,
    ) -> Event:
        """Append one event made at this desk and project it, durably, in one transaction.

        A person's event is signed with ``keys`` if given, else with the keys
        of their open session (``use_keys``).
        """
        if self.device_id is None:
            raise StoreError("This desk has not been set up yet (no device id).")
        if actor != DESK_ACTOR:
            keys = keys or self._keys.get(actor)
            if keys is None and self.require_signatures:
                raise AuthError(f"{actor} is not signed in at this desk: sign in again.")
        with self.transaction() as conn:
            event = append_local(
                conn,
                self.clock,
                kind=kind,
                payload=payload,
                actor=actor,
                role=role,
                device=self.device_id,
                location=location or self.location or "",
                keys=keys,
            )
        for listener in self.listeners:
            listener(event)  # e.g. the sync worker's poke: send it soon
        return event

    def record_many(self, items: Iterable[NewEvent]) -> int:
        """Record unsigned events in one transaction (demo and test data); returns the count."""
        if self.device_id is None:
            raise StoreError("This desk has not been set up yet (no device id).")
        count = 0
        with self.transaction() as conn:
            for item in items:
                append_local(
                    conn,
                    self.clock,
                    kind=item.kind,
                    payload=item.payload,
                    actor=item.actor,
                    role=item.role,
                    device=self.device_id,
                    location=item.location or self.location or "",
                )
                count += 1
        return count

    def record_as_desk(self, kind: str, payload: dict[str, Any]) -> Event:
        """Record an event the desk itself authors (a failed sign-in, a lock-out)."""
        return self.record(kind, payload, actor=DESK_ACTOR, role=None)

    # -- sync state -----------------------------------------------------------
    def set_state(self, conn: sqlite3.Connection, key: str, value: str) -> None:
        conn.execute(
            "INSERT INTO sync_state (key, value) VALUES (?, ?) "
            "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            (key, value),
        )

    def close(self) -> None:
        if self._checkpointer is not None:
            self._checkpointer.close()  # first: closing the last connection checkpoints all
        with self._tx.lock:
            self.conn.close()


def open_store(
    path: Path | str,
    *,
    device_id: str | None = None,
    location: str | None = None,
    check_filesystem: bool = True,
    key: DataKey | None = None,
) -> Store:
    """Open (creating and migrating if needed) the encrypted store at ``path``.

    The data key comes from the store's key file (``cipher.unlock``: made for a
    new store; a plain store from an older cxdesk is encrypted in place first)
    unless ``key`` is given (a verify copy in a temporary folder has no key file).
    """
    in_memory = str(path) == ":memory:"
    if not in_memory and key is None:
        path = Path(path)
        if check_filesystem:
            # Before any key or copy is written there.
            from cxdesk.store.filesystem import refuse_network_filesystem

            path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            refuse_network_filesystem(path.parent)
        key = cipher.unlock(path)
    conn = db.connect(path, key=key, check_filesystem=check_filesystem)
    try:
        applied = migrate(conn)
    except BaseException:
        conn.close()
        raise
    store = Store(conn, None if in_memory else Path(path), key)
    new_components = [a for a in applied if a.endswith(" v1") and not a.startswith("core ")]
    if new_components and _sql.scalar(store, "SELECT COUNT(*) FROM events"):
        # A feature added by an upgrade projects the events the desk already holds.
        from cxdesk.store.rebuild import rebuild_projections

        rebuild_projections(store)
    if device_id and location:
        store.init_desk(device_id, location)
    return store
