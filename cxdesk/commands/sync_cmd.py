"""``cxdesk enrol`` (connect this desk to the central API) and ``cxdesk sync``."""

from __future__ import annotations

import asyncio
import contextlib

import click

from cxdesk.cli_output import say
from cxdesk.config import load_settings
from cxdesk.errors import CxDeskError


@click.command("enrol")
@click.option("--server", "url", required=True, help="The central API, e.g. http://127.0.0.1:8740")
@click.option("--token", required=True, help="The token `cxdesk admin add-device` printed.")
@click.option("--location", default=None, help="Where this desk is (checked against the server).")
def enrol_command(url: str, token: str, location: str | None) -> None:
    """Enrol this desk: check the token with the server and keep it (file mode 0600)."""
    from cxdesk.store import open_store
    from cxdesk.sync.desk import enrol_desk

    settings = load_settings()
    store = open_store(settings.store_path)
    try:
        info = enrol_desk(settings, store, url, token, location)
    finally:
        store.close()
    say(f"This desk is {info.device} at {info.location}; token kept in {settings.token_path}")


@click.command("sync")
@click.option("--once", is_flag=True, help="One round (push, then pull to the end), then stop.")
def sync_command(once: bool) -> None:
    """Sync this desk with the central API: one round with --once, else until Ctrl-C."""
    from cxdesk.store import open_store
    from cxdesk.sync.client import DeskRevoked, SyncRefused, SyncUnavailable
    from cxdesk.sync.desk import make_client, make_worker
    from cxdesk.sync.round import sync_round

    settings = load_settings()
    if not settings.store_path.exists():
        raise CxDeskError(f"There is no desk store in {settings.data_dir}.")
    store = open_store(settings.store_path)
    revoked: list[DeskRevoked] = []
    try:
        if once:

            async def one() -> str:
                async with make_client(settings, store) as client:
                    return (await sync_round(store, client)).summary()

            try:
                say(asyncio.run(one()))
            except DeskRevoked as exc:
                revoked.append(exc)
            except (SyncUnavailable, SyncRefused) as exc:
                raise CxDeskError(exc.message, title="Sync failed") from exc
        else:
            worker = make_worker(
                settings, store, on_change=lambda s: say(s.header_text()),
                on_round=lambda r: say(r.summary()), on_revoked=revoked.append,
            )  # fmt: skip
            with contextlib.suppress(KeyboardInterrupt):
                asyncio.run(worker.run())
        if revoked:
            _wipe_if_revoked(settings, store, revoked[0])
    finally:
        store.close()


def _wipe_if_revoked(settings, store, error) -> None:
    """The server says this desk is revoked: wipe it, say so, exit non-zero."""
    from cxdesk.sync.revoked import applies_to, wipe_desk

    if not applies_to(error, store):
        raise CxDeskError(
            f"{error.message} (the answer names device {error.device}, not this desk "
            f"{store.device_id}; nothing was deleted)",
            title="Sync failed",
        )
    report = wipe_desk(store, settings.data_dir, settings.token_path)
    raise CxDeskError(report.sentence(), title="Desk revoked")


def register(cli: click.Group) -> None:
    cli.add_command(enrol_command)
    cli.add_command(sync_command)
