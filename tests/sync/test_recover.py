"""A damaged desk store: refused with a way forward, and ``cxdesk admin recover`` takes it.

The store is set aside (kept, with its key), the desk enrols again with a new
token typed at a hidden prompt, the feed comes back, and whatever the damaged
store held that the server never received is listed and written beside it.
"""

from __future__ import annotations

import asyncio
import json
import os

import pytest
from click.testing import CliRunner

from cxdesk.cli import cli
from cxdesk.config import load_settings
from cxdesk.errors import StoreError
from cxdesk.store import open_store
from cxdesk.store.rebuild import verify_store
from cxdesk.sync.desk import enrol_desk
from cxdesk.sync.server import admin
from tests import peek

from .helpers import ThreadServer
from .test_faults import server_ids


async def _desk_with_unsent_work(central, server, settings):
    other = central.desk("D-OTHER")
    for _ in range(3):
        other.record_failed_signin()
    await other.sync()
    _device, token = admin.add_device(central.engine, "CSC", "D-HURT")
    store = open_store(settings.store_path)
    await asyncio.to_thread(enrol_desk, settings, store, server.url, token)
    store.record_as_desk("SignInFailed", {"staff_id": "A1001", "reason": "synced"})
    from cxdesk.sync.round import sync_round

    async with central.client(token) as client:
        await sync_round(store, client)
    unsent = [
        store.record_as_desk("SignInFailed", {"staff_id": "A1001", "reason": f"unsent {i}"})
        for i in range(2)
    ]
    store.close()
    return unsent


def _recover(settings, monkeypatch, token: str, *args: str):
    monkeypatch.setenv("CXDESK_DATA_DIR", str(settings.data_dir))
    return CliRunner().invoke(cli, ["admin", "recover", *args], input=token + "\n")


async def test_zeroed_header_is_refused_with_the_way_forward_then_recovered(
    central, tmp_path, monkeypatch
):
    settings = load_settings(data_dir=tmp_path / "desk")
    with ThreadServer(central.app) as server:
        await _desk_with_unsent_work(central, server, settings)
        with open(settings.store_path, "r+b") as handle:  # the header (SQLCipher's salt) zeroed
            handle.write(b"\0" * 100)
        with pytest.raises(StoreError, match="cxdesk admin recover"):
            open_store(settings.store_path)
        _device, token = admin.add_device(central.engine, "CSC", "D-HURT-2")
        result = await asyncio.to_thread(_recover, settings, monkeypatch, token)
        assert "give it with --server URL" in result.output  # unreadable: nothing moved yet
        result = await asyncio.to_thread(
            _recover, settings, monkeypatch, token, "--server", server.url
        )
    assert result.exit_code == 0, result.output
    assert token not in result.output  # typed at a hidden prompt, never echoed
    assert "Nothing could be read from the damaged store" in result.output
    assert "This desk is D-HURT-2 again" in result.output
    kept = [p for p in settings.data_dir.iterdir() if ".damaged-" in p.name]
    assert any(p.name.endswith(tuple("0123456789Z")) for p in kept)  # the store itself, kept
    store = open_store(settings.store_path)
    try:
        assert {r[0] for r in peek.query(store, "SELECT id FROM events")} == set(
            server_ids(central.engine)
        )
        assert verify_store(store).ok
    finally:
        store.close()


async def test_readable_events_never_sent_are_listed_and_kept(central, tmp_path, monkeypatch):
    settings = load_settings(data_dir=tmp_path / "desk")
    with ThreadServer(central.app) as server:
        unsent = await _desk_with_unsent_work(central, server, settings)
        _device, token = admin.add_device(central.engine, "CSC", "D-HURT-2")
        result = await asyncio.to_thread(_recover, settings, monkeypatch, token)
    assert result.exit_code == 0, result.output
    assert "2 events the central API never received" in result.output
    assert "#2 SignInFailed by desk" in result.output and "#3 SignInFailed" in result.output
    listing = next(p for p in settings.data_dir.iterdir() if p.name.endswith(".not-received.jsonl"))
    assert os.stat(listing).st_mode & 0o077 == 0
    listed = [json.loads(line)["id"] for line in listing.read_text().splitlines()]
    assert listed == [e.id for e in unsent]
    kept = next(p for p in settings.data_dir.iterdir() if p.name.endswith(tuple("Z")))
    old = open_store(kept, check_filesystem=False)  # kept whole, with its key
    try:
        assert {e.id for e in unsent} <= {r[0] for r in peek.query(old, "SELECT id FROM events")}
    finally:
        old.close()


def test_a_wrong_token_moves_nothing(central, tmp_path, monkeypatch):
    settings = load_settings(data_dir=tmp_path / "desk")
    store = open_store(settings.store_path, device_id="D-X", location="CSC")
    store.close()
    with ThreadServer(central.app) as server:
        monkeypatch.setenv("CXDESK_DATA_DIR", str(settings.data_dir))
        result = CliRunner().invoke(
            cli, ["admin", "recover", "--server", server.url], input="cxd_not-a-token\n"
        )
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert not [p for p in settings.data_dir.iterdir() if ".damaged-" in p.name]
    open_store(settings.store_path).close()
