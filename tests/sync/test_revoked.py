"""Unattended sync on the encrypted store, and a revoked desk wiping itself.

The server's 401 says ``revoked`` (naming the device) apart from an unknown
token; only that answer, for this very desk, makes the desk delete its store,
its key, its token and the files it wrote. CLI and app both, over a real API.
"""

from __future__ import annotations

import asyncio
import json

import httpx
import pytest
from click.testing import CliRunner

from cxdesk.cli import cli
from cxdesk.config import load_settings
from cxdesk.errors import SyncError
from cxdesk.session import DeskSession
from cxdesk.store import customer_commands as cc
from cxdesk.store import keys, open_store
from cxdesk.sync.client import AsyncSyncClient, DeskRevoked, SyncRefused
from cxdesk.sync.desk import enrol_desk
from cxdesk.sync.server import admin
from cxdesk.sync.server.tokens import hash_token
from tests import peek
from tests.customer_helpers import MARIA

from ..conftest import key_fields_for, keys_for
from .helpers import ThreadServer

ADVISOR = DeskSession("AB1001", "Alex Advisor", "advisor", "CSC")


async def test_server_tells_revoked_apart_from_unknown(central):
    _, token = admin.add_device(central.engine, "CSC", "D-REV")
    admin.revoke_device(central.engine, "D-REV", "laptop lost")
    async with httpx.AsyncClient(transport=central.transport(), base_url="http://c") as http:
        revoked = await http.get("/v1/device", headers={"Authorization": f"Bearer {token}"})
        unknown = await http.get("/v1/device", headers={"Authorization": "Bearer cxd_nope"})
    assert revoked.status_code == unknown.status_code == 401
    assert revoked.json()["detail"]["code"] == "revoked"
    assert revoked.json()["detail"]["device"] == "D-REV"
    assert unknown.json()["detail"]["code"] == "unknown_token"
    assert "device" not in unknown.json()["detail"]
    with pytest.raises(DeskRevoked) as info:
        await central.client(token).whoami()
    assert info.value.device == "D-REV"
    with pytest.raises(SyncRefused) as other:
        await central.client("cxd_nope").whoami()
    assert not isinstance(other.value, DeskRevoked)


async def test_a_token_this_process_knows_is_refused_the_moment_it_is_revoked(central):
    """The process remembers good tokens (a push skips its early look-up for them), but
    every request still checks the token in its own transaction: revocation is at once."""
    from tests.sync.test_feed_concurrency import chained_events, push_body

    _, token = admin.add_device(central.engine, "CSC", "D-KNOWN")
    first, second = chained_events("D-KNOWN", 2)
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    async with httpx.AsyncClient(transport=central.transport(), base_url="http://c") as http:
        pushed = await http.post(
            "/v1/sync/push", headers=headers, content=push_body("D-KNOWN", [first])
        )
        assert pushed.status_code == 200
        assert (await http.get("/v1/sync/pull", headers=headers)).status_code == 200
        known = central.app.state.known_tokens
        assert known.get(hash_token(token)) is not None  # the next push skips the look-up
        admin.revoke_device(central.engine, "D-KNOWN", "laptop lost")
        refused = [
            await http.post(
                "/v1/sync/push", headers=headers, content=push_body("D-KNOWN", [second])
            ),
            await http.get("/v1/sync/pull", headers=headers),
            await http.get("/v1/device", headers=headers),
        ]
    for answer in refused:
        assert answer.status_code == 401, answer.text
        assert answer.json()["detail"] == {
            "code": "revoked",
            "message": "this device has been revoked",
            "device": "D-KNOWN",
        }
    assert known.get(hash_token(token)) is None  # its next push is looked up before its body
    with central.engine.connect() as conn:
        assert peek_last_seq(conn, "D-KNOWN") == 1  # the second event never went in


def peek_last_seq(conn, device: str) -> int:
    from sqlalchemy import text

    return conn.execute(text("SELECT last_seq FROM devices WHERE id = :d"), {"d": device}).scalar()


def test_known_tokens_forget_after_their_time():
    from cxdesk.sync.server.deps import AuthDevice, KnownTokens

    now = [100.0]
    known = KnownTokens(clock=lambda: now[0])
    known.note("h", AuthDevice("D-1", "CSC"))
    assert known.get("h") == AuthDevice("D-1", "CSC")
    now[0] += KnownTokens.TTL + 1
    assert known.get("h") is None
    known.note("h", AuthDevice("D-1", "CSC"))
    known.drop("h")
    assert known.get("h") is None


async def test_a_401_that_does_not_say_revoked_is_no_wipe_order():
    # A Wi-Fi login page or a proxy answering 401 in its own words.
    def portal(request):
        return httpx.Response(401, html="<html>Please log in to GuestWiFi</html>")

    def vague(request):
        return httpx.Response(401, json={"detail": {"code": "revoked"}})  # names no device

    for handler in (portal, vague):
        client = AsyncSyncClient("http://c", "cxd_x", transport=httpx.MockTransport(handler))
        with pytest.raises(SyncError) as info:  # refused, or "a web page answered"
            await client.whoami()
        assert not isinstance(info.value, DeskRevoked)
        await client.aclose()


def desk_files(settings):
    folder = settings.data_dir
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file())


def set_up_desk(central, server, settings, device="D-CLI"):
    """An enrolled desk with a resident, a slip and a letter written on request."""
    _, token = admin.add_device(central.engine, "CSC", device)
    admin.add_staff(
        central.engine,
        ADVISOR.staff_id,
        name=ADVISOR.name,
        role="advisor",
        locations=["CSC"],
        key_fields=key_fields_for(ADVISOR.staff_id),
    )
    store = open_store(settings.store_path)
    enrol_desk(settings, store, server.url, token)
    store.use_keys(ADVISOR.staff_id, keys_for(ADVISOR.staff_id))  # as signing in gives them
    cc.register_customer(store, ADVISOR, MARIA)
    for name in ("slips", "letters"):
        (settings.data_dir / name).mkdir(mode=0o700)
        (settings.data_dir / name / f"{name}-1.txt").write_text("For: Maria Okafor\n")
    key_id = store.data_key.key_id
    store.close()
    return key_id


def test_unattended_sync_then_revoked_desk_wipes_itself(central):
    settings = load_settings()
    runner = CliRunner()
    with ThreadServer(central.app) as server:
        key_id = set_up_desk(central, server, settings)
        # Nobody types anything: the store's key comes from the device key.
        first = runner.invoke(cli, ["sync", "--once"])
        assert first.exit_code == 0, first.output
        assert "accepted 1" in first.output
        before = desk_files(settings)
        assert "desk.sqlite3.key" in before and "device-token" in before

        revoked = runner.invoke(
            cli, ["admin", "revoke-device", "D-CLI", "--db", central_url(central)]
        )
        assert revoked.exit_code == 0 and "next contact" in revoked.output

        second = runner.invoke(cli, ["sync", "--once"])
    assert second.exit_code == 1
    assert "Desk revoked" in second.output and "D-CLI" in second.output
    assert desk_files(settings) == []
    assert not keys.device_key_path(key_id).exists()


def test_a_desk_whose_token_is_unknown_keeps_its_data(central):
    settings = load_settings()
    runner = CliRunner()
    with ThreadServer(central.app) as server:
        set_up_desk(central, server, settings, device="D-KEEP")
        settings.token_path.write_text("cxd_someone-elses\n")
        result = runner.invoke(cli, ["sync", "--once"])
    assert result.exit_code == 1 and "not known" in result.output
    assert "desk.sqlite3" in desk_files(settings)
    store = open_store(settings.store_path)
    assert peek.scalar(store, "SELECT COUNT(*) FROM customers") == 1
    store.close()


def central_url(central) -> str:
    return str(central.engine.url.render_as_string(hide_password=False))


async def wait_for(pilot, predicate, rounds: int = 1500):
    for _ in range(rounds):
        if predicate():
            return True
        await pilot.pause(0.01)
    raise AssertionError("condition not reached")


async def test_app_wipes_a_revoked_desk_and_enrols_again(central):
    from textual.widgets import Input

    from cxdesk.app import SIGNIN_MODE, make_app
    from cxdesk.screens.enrol import EnrolScreen

    settings = load_settings(sync_interval_seconds=0.2)
    with ThreadServer(central.app) as server:
        key_id = await asyncio.to_thread(set_up_desk, central, server, settings, "D-APP")
        store = await asyncio.to_thread(open_store, settings.store_path)
        app = make_app(settings, store=store)
        async with app.run_test(size=(80, 24)) as pilot:
            await wait_for(pilot, lambda: app.sync_text.startswith("Online"))
            await asyncio.to_thread(admin.revoke_device, central.engine, "D-APP", "lost")
            app.sync.sync_now()
            await wait_for(pilot, lambda: isinstance(app.screen, EnrolScreen))
            await pilot.pause()
            notice = str(app.screen.query_one("#enrol-notice").render())
            assert "revoked" in notice and "deleted" in notice
            assert desk_files(settings) == []
            assert not keys.device_key_path(key_id).exists()
            # The address is remembered; a new token from the administrator enrols it.
            assert app.screen.query_one("#enrol-url", Input).value == server.url
            _, token = await asyncio.to_thread(admin.add_device, central.engine, "CSC", "D-NEW")
            app.screen.query_one("#enrol-token", Input).value = token
            await pilot.press("ctrl+s")
            await wait_for(pilot, lambda: app.current_mode == SIGNIN_MODE)
            assert app.store.device_id == "D-NEW"
            await wait_for(
                pilot, lambda: app.sync is not None and app.sync_text.startswith("Online")
            )
            app.sync.stop()
        app.store.close()
    document = json.loads(keys.key_file_for(settings.store_path).read_text())
    assert document["key_id"] != key_id  # a fresh key for the fresh store


def test_continuous_sync_stops_and_wipes_when_revoked(central):
    settings = load_settings()
    with ThreadServer(central.app) as server:
        set_up_desk(central, server, settings, device="D-LOOP")
        admin.revoke_device(central.engine, "D-LOOP", "laptop lost")
        result = CliRunner().invoke(cli, ["sync"])  # runs until told to stop: revoked stops it
    assert result.exit_code == 1 and "Desk revoked" in result.output
    assert desk_files(settings) == []


async def test_a_revoked_answer_naming_another_desk_wipes_nothing(tmp_path):
    from cxdesk.sync.worker import SyncWorker

    def mistaken(request):  # e.g. a misrouted proxy in front of another council's server
        body = {"detail": {"code": "revoked", "message": "revoked", "device": "D-OTHER"}}
        return httpx.Response(401, json=body)

    store = open_store(tmp_path / "desk.sqlite3", device_id="D-MINE", location="CSC")
    client = AsyncSyncClient("http://c", "cxd_x", transport=httpx.MockTransport(mistaken))
    orders = []
    worker = SyncWorker(store, client, on_revoked=orders.append)
    await worker.run(max_rounds=1)
    assert orders == [] and "revoked" in worker.status.last_error
    assert peek.scalar(store, "SELECT device_id FROM desk") == "D-MINE"
    store.close()


def test_wipe_also_takes_damaged_stores_recover_set_aside(tmp_path):
    from cxdesk.sync.recover import set_aside
    from cxdesk.sync.revoked import wipe_desk

    settings = load_settings()
    old = open_store(settings.store_path, device_id="D-OLD", location="CSC")
    cc.register_customer(old, ADVISOR, MARIA)
    old_key = old.data_key.key_id
    old.close()
    kept = set_aside(settings.store_path)
    kept.with_name(kept.name + ".not-received.jsonl").write_text('{"kind": "x"}\n')
    store = open_store(settings.store_path, device_id="D-NEW", location="CSC")
    report = wipe_desk(store, settings.data_dir, settings.token_path)
    assert desk_files(settings) == []
    assert not keys.device_key_path(old_key).exists()
    assert report.device == "D-NEW"
