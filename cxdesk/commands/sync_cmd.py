"""``cxdesk enrol`` (connect this desk to the central API) and ``cxdesk sync``."""

from __future__ import annotations

import asyncio
import contextlib
import sys
from pathlib import Path

import click

from cxdesk.cli_output import say
from cxdesk.config import load_settings
from cxdesk.errors import CxDeskError


def read_enrol_token(token_file: Path | None) -> str:
    """The device token from a 0600 file, from standard input, or typed at a hidden prompt.

    Never a command-line argument: arguments show in ``ps`` and shell history.
    """
    if token_file is not None:
        mode = token_file.stat().st_mode & 0o777
        if mode & 0o077:
            raise CxDeskError(
                f"{token_file} can be read by others (mode {mode:o}); "
                f"run `chmod 600 {token_file}` first."
            )
        token = token_file.read_text(encoding="utf-8").strip()
    elif not sys.stdin.isatty():
        token = sys.stdin.readline().strip()
    else:
        token = click.prompt("Device token (from cxdesk admin add-device)", hide_input=True)
    if not token:
        raise CxDeskError("No device token was given.")
    return token.strip()


@click.command("enrol")
@click.option(
    "--server",
    "url",
    required=True,
    help="The central API's https:// address (http:// on loopback only).",
)
@click.option(
    "--token-file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=None,
    help="A file (mode 0600) holding the device token; otherwise it is "
    "read from standard input or asked for.",
)
@click.option("--location", default=None, help="Where this desk is (checked against the server).")
def enrol_command(url: str, token_file: Path | None, location: str | None) -> None:
    """Enrol this desk: check the token with the server and keep it (file mode 0600)."""
    from cxdesk.store import open_store
    from cxdesk.sync.desk import enrol_desk
    from cxdesk.sync.transport import check_server_url

    url = check_server_url(url)  # before asking for the token
    token = read_enrol_token(token_file)
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
                settings,
                store,
                on_change=lambda s: say(s.header_text()),
                on_round=lambda r: say(r.summary()),
                on_revoked=revoked.append,
            )
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
