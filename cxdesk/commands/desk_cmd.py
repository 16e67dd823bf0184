"""``cxdesk run`` and ``cxdesk demo``: open the desk app on a real or a demo store.

``run`` opens the store named by the settings and refuses, with directions,
when this desk has not been set up. ``demo`` makes (or reopens) a demo store in
a folder of its own, seeds it from the fixtures the first time, and opens the
app with the demo accounts listed on the sign-in screen. Several demo desks can
run side by side (``--desk``, ``--location``), each with its own folder.
"""

from __future__ import annotations

import os
from pathlib import Path

import click

from cxdesk.cli_output import say
from cxdesk.config import Settings, load_settings
from cxdesk.errors import CxDeskError

DEFAULT_DEMO_DESK = "DEMO-CSC-1"
DEFAULT_DEMO_LOCATION = "CSC"


def demo_data_dir(desk: str) -> Path:
    """Where a demo desk keeps its store: ``CXDESK_DATA_DIR`` if set, else ./demo-data/DESK."""
    override = os.environ.get("CXDESK_DATA_DIR")
    return Path(override).expanduser() if override else Path.cwd() / "demo-data" / desk


def open_demo_store(desk: str, location: str, *, reset: bool = False):
    """The demo desk's store, created and seeded from the fixtures the first time."""
    from cxdesk.store import open_store

    folder = demo_data_dir(desk)
    settings = load_settings(data_dir=folder, demo=True)
    if reset:
        from cxdesk.store.cipher import wipe_store

        wipe_store(settings.store_path)
    store = open_store(settings.store_path, device_id=desk, location=location)
    from cxdesk.store.demo_mark import is_demo_store
    from cxdesk.store.staff_queries import location_names
    from cxdesk.store.sync_queries import event_count

    if event_count(store) and not is_demo_store(store):
        store.close()
        raise CxDeskError(
            f"The store in {folder} was not made by `cxdesk demo`, so it is not opened as a "
            "demo (its sign-in screen would list the demo passcodes). Use another folder, "
            "or --reset to make a new demo desk there.",
            title="Not a demo desk",
        )
    if not event_count(store):
        say(f"Creating the demo council in {folder} …", err=True)
        from cxdesk.sync.demo import seed_demo_desk

        seed_demo_desk(settings, store, desk, location)  # pulled from the demo's central API
    known = sorted(location_names(store))
    if known and location not in known:
        store.close()
        raise CxDeskError(
            f"There is no location {location} in the demo; choose one of: {', '.join(known)}."
        )
    return settings, store


def start_demo_sync(settings: Settings, store):
    """Hook for sync in the demo: start an embedded central API and return the sync worker.

    Returns None while the desk runs offline only (the header then says "Offline only").
    """
    from cxdesk.sync.demo import start_demo_sync as start

    return start(settings, store)


def run_app(settings: Settings, store, sync=None) -> None:
    from cxdesk.app import make_app

    if settings.demo:
        from cxdesk.store.demo_mark import refuse_demo_mode

        try:
            refuse_demo_mode(store)
        except CxDeskError:
            store.close()
            raise

    app = make_app(settings, store=store, sync=sync)
    try:
        app.run()
    finally:
        store.close()


@click.command("run")
def run_command() -> None:
    """Open the desk app on this desk's store."""
    from cxdesk.store import open_store

    settings = load_settings()
    if not settings.store_path.exists():
        raise CxDeskError(
            f"There is no desk store in {settings.data_dir}. An administrator sets up a desk "
            "by enrolling it with the central API; to try cxdesk, run `cxdesk demo`.",
            title="Desk not set up",
        )
    store = open_store(settings.store_path)
    if store.device_id is None:
        store.close()
        raise CxDeskError(
            f"The store in {settings.data_dir} has no desk identity yet. An administrator "
            "enrols this desk with the central API; to try cxdesk, run `cxdesk demo`.",
            title="Desk not set up",
        )
    run_app(settings, store)


@click.command("demo")
@click.option(
    "--desk", default=DEFAULT_DEMO_DESK, show_default=True, help="Name of this demo desk."
)
@click.option(
    "--location",
    default=DEFAULT_DEMO_LOCATION,
    show_default=True,
    help="Where the desk is (a location id from fixtures/locations.json, e.g. a hub).",
)
@click.option("--reset", is_flag=True, help="Throw away this demo desk's store and start again.")
def demo_command(desk: str, location: str, reset: bool) -> None:
    """Open the desk app on a demo council (created from the fixtures the first time)."""
    from cxdesk.domain.validation import parse_location_id

    desk = parse_location_id(desk, field="desk")
    location = parse_location_id(location, field="location")
    settings, store = open_demo_store(desk, location, reset=reset)
    sync = start_demo_sync(settings, store)
    run_app(settings, store, sync)


def register(cli: click.Group) -> None:
    cli.add_command(run_command)
    cli.add_command(demo_command)
