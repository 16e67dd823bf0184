"""Store components: each feature's tables, migrations and projection handlers.

A component owns some tables, brings them up to date with its own numbered
migrations, and says which event kinds it projects into them. Components live in
``cxdesk.store.projections`` (one module per feature) and are found by
``load_components``, so features do not all edit one central file.

Projection rules every handler keeps (see DESIGN.md, "Projections"):

- a handler is a pure function of the tables it owns and the event: no clocks,
  no randomness, no reading other components' tables unless declared in
  ``after``;
- where the latest value wins, it must not depend on the order in which events
  from different desks arrive: keep the history rows and recompute the current
  value in feed order (``order_key``) in ``recompute``, which also runs when the
  server acknowledges an event.
"""

from __future__ import annotations

import importlib
import pkgutil
import sqlite3
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from cxdesk.events.envelope import Event

# Quoted: the event model (pydantic) is imported when the first event is, not with the store.
Handler = Callable[[sqlite3.Connection, "Event"], None]
BatchHandler = Callable[[sqlite3.Connection, "list[Event]"], None]
Migration = str | Callable[[sqlite3.Connection], None]


@dataclass
class Component:
    name: str
    migrations: list[Migration]
    tables: tuple[str, ...] = ()
    """Projection tables: cleared on rebuild and compared by verify."""
    after: tuple[str, ...] = ()
    """Components whose handlers must run first for the same event."""
    handlers: dict[str, list[Handler]] = field(default_factory=dict)
    on_ack: Callable[[sqlite3.Connection, Event], None] | None = None
    deferred: list[tuple[Callable[[], Iterable[str]], Handler]] = field(default_factory=list)
    """Handlers whose kinds come from the event catalogue, registered at first use."""
    batches: dict[Handler, BatchHandler] = field(default_factory=dict)
    """Batch forms of handlers, for pull pages and rebuilds (see ``in_batches``)."""

    def handles(self, *kinds: str) -> Callable[[Handler], Handler]:
        def register(func: Handler) -> Handler:
            for kind in kinds:
                self.handlers.setdefault(kind, []).append(func)
            return func

        return register

    def handles_kinds_from(
        self, kinds: Callable[[], Iterable[str]]
    ) -> Callable[[Handler], Handler]:
        """Like ``handles``, for kinds found by reading the event catalogue: ``kinds`` runs
        when a handler is first looked up, so opening the store (migrations, the sign-in
        screen) does not import and build every event model."""

        def register(func: Handler) -> Handler:
            self.deferred.append((kinds, func))
            return func

        return register

    def in_batches(self, handler: Handler) -> Callable[[BatchHandler], BatchHandler]:
        """Register ``handler``'s batch form: given a run of events in feed order it
        leaves the tables exactly as calling ``handler`` on each in turn would, and it
        reads no table another component writes for the same kinds."""

        def register(func: BatchHandler) -> BatchHandler:
            self.batches[handler] = func
            return func

        return register

    def acknowledged(self, func: Callable[[sqlite3.Connection, Event], None]):
        """Register a hook run when the server gives one of this component's events a place."""
        self.on_ack = func
        return func


_REGISTRY: dict[str, Component] = {}
_ORDERED: list[Component] = []
_HANDLING: list[Component] = []


def register(component: Component) -> Component:
    _REGISTRY[component.name] = component
    return component


def load_components() -> list[Component]:
    """Every component, dependencies first (``core`` always first)."""
    if _ORDERED:
        return _ORDERED
    from cxdesk.store import (
        core,  # noqa: F401  (registers "core")
        projections,
    )

    for info in pkgutil.iter_modules(projections.__path__):
        importlib.import_module(f"{projections.__name__}.{info.name}")
    seen: set[str] = set()

    def visit(comp: Component) -> None:
        if comp.name in seen:
            return
        seen.add(comp.name)
        for dep in comp.after:
            visit(_REGISTRY[dep])
        _ORDERED.append(comp)

    visit(_REGISTRY["core"])
    for comp in sorted(_REGISTRY.values(), key=lambda c: c.name):
        visit(comp)
    return _ORDERED


def projection_tables() -> list[str]:
    return [table for comp in load_components() for table in comp.tables]


def load_handlers() -> list[Component]:
    """Every component with all its handlers registered, the catalogue's kinds included."""
    if _HANDLING:
        return _HANDLING
    components = load_components()
    for comp in components:
        for kinds, func in comp.deferred:
            comp.handles(*kinds())(func)
        comp.deferred.clear()
    _HANDLING.extend(components)
    return _HANDLING


def handlers_for(kind: str) -> list[Handler]:
    return [h for comp in load_handlers() for h in comp.handlers.get(kind, ())]


def batch_handlers_for(kind: str) -> list[BatchHandler] | None:
    """The batch forms of every handler of ``kind``, or None unless each has one."""
    found = []
    for comp in load_handlers():
        for handler in comp.handlers.get(kind, ()):
            batch = comp.batches.get(handler)
            if batch is None:
                return None
            found.append(batch)
    return found


def project_in_feed_order(conn: sqlite3.Connection, events: list[Event]) -> None:
    """Run every projection handler for each event, in order, a run of one kind at a time.

    A run of events of one kind whose handlers all have batch forms goes to those
    (one ``executemany`` for a page of sign-ins instead of a statement each);
    anything else is projected one event at a time, every handler in turn.
    """
    singles: dict[str, list[Handler]] = {}
    batches: dict[str, list[BatchHandler] | None] = {}
    start = 0
    while start < len(events):
        kind = events[start].kind
        end = start + 1
        while end < len(events) and events[end].kind == kind:
            end += 1
        if kind not in batches:
            batches[kind] = batch_handlers_for(kind)
            singles[kind] = handlers_for(kind)
        run_batches = batches[kind]
        if end - start > 1 and run_batches:
            run = events[start:end]
            for batch in run_batches:
                batch(conn, run)
        else:
            for event in events[start:end]:
                for handler in singles[kind]:
                    handler(conn, event)
        start = end
