"""Everything refused is recorded and visible: access log, refusal counts, rate limits."""

from __future__ import annotations

import logging

import httpx
import pytest
from click.testing import CliRunner

from cxdesk.cli import cli
from cxdesk.sync.server import admin
from cxdesk.sync.server.access import Limit
from cxdesk.sync.server.app import create_app


async def test_refusals_are_counted_per_device_and_listed(central, server_url, caplog):
    a = central.desk("D-A")
    caplog.set_level(logging.INFO, logger="cxdesk.access")
    async with httpx.AsyncClient(transport=central.transport(), base_url="http://c") as http:
        good = {"Authorization": f"Bearer {a.token}"}
        assert (await http.get("/v1/sync/pull", headers=good)).status_code == 200
        bad = await http.post("/v1/sync/push", headers=good, content=b"{not json")
        assert bad.status_code == 422
        wrong = await http.post(
            "/v1/sync/push", headers=good, content=b'{"device": "D-B", "events": []}'
        )
        assert wrong.status_code == 403
        stranger = {"Authorization": "Bearer cxd_not-a-token"}
        assert (await http.get("/v1/sync/pull", headers=stranger)).status_code == 401
    counts = {d["id"]: d["refusals"] for d in admin.devices(central.engine)}
    assert counts["D-A"] == {403: 1, 422: 1} and counts["-"] == {401: 1}
    result = CliRunner().invoke(cli, ["admin", "devices", "--db", server_url])
    assert "D-A  CSC  active" in result.output and "refused: 1x403, 1x422" in result.output
    # One line per request, naming the device and never the token or the body.
    lines = [r.getMessage() for r in caplog.records if r.name == "cxdesk.access"]
    assert len(lines) == 4
    assert lines[0].startswith("device=D-A route=GET /v1/sync/pull status=200 ms=")
    assert lines[3].startswith("device=- route=GET /v1/sync/pull status=401")
    assert not any(a.token in line or "not json" in line for line in lines)


async def test_token_is_checked_before_the_body_is_read(central):
    async with httpx.AsyncClient(transport=central.transport(), base_url="http://c") as http:
        answer = await http.post(
            "/v1/sync/push",
            content=b"x" * 2_000_000,
            headers={"Authorization": "Bearer cxd_nobody"},
        )
    assert answer.status_code == 401


@pytest.mark.parametrize("server_url", ["sqlite"], indirect=True)
async def test_sync_routes_are_rate_limited_per_token_and_address(central, tmp_path):
    a, b = central.desk("D-A"), central.desk("D-B")
    app = create_app(
        engine=central.engine,
        marks_dir=tmp_path / "marks",
        limits={"per_token": Limit(rate=0.5, burst=2), "per_address": Limit(rate=100, burst=100)},
    )
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://c") as h:
        for expected in (200, 200, 429):
            answer = await h.get("/v1/sync/pull", headers={"Authorization": f"Bearer {a.token}"})
            assert answer.status_code == expected
        assert 1 <= int(answer.headers["retry-after"]) <= 2
        assert answer.json()["detail"]["code"] == "rate-limited"
        other = await h.get("/v1/sync/pull", headers={"Authorization": f"Bearer {b.token}"})
        assert other.status_code == 200  # another token has its own bucket
        assert (await h.get("/health")).status_code == 200  # not a sync route
    assert {d["id"]: d["refusals"] for d in admin.devices(central.engine)}["D-A"] == {429: 1}
    by_address = create_app(
        engine=central.engine,
        marks_dir=tmp_path / "marks",
        limits={"per_address": Limit(rate=0.5, burst=1)},
    )
    transport = httpx.ASGITransport(app=by_address, client=("203.0.113.7", 50000))
    async with httpx.AsyncClient(transport=transport, base_url="http://c") as h:
        codes = [
            (await h.get("/v1/sync/pull", headers={"Authorization": f"Bearer {t}"})).status_code
            for t in (a.token, b.token)
        ]
    assert codes == [200, 429]
    local = httpx.ASGITransport(app=by_address)  # loopback: only per-token limits apply
    async with httpx.AsyncClient(transport=local, base_url="http://c") as h:
        answer = await h.get("/v1/sync/pull", headers={"Authorization": f"Bearer {b.token}"})
    assert answer.status_code == 200


@pytest.mark.parametrize("server_url", ["sqlite"], indirect=True)
async def test_a_rate_limited_desk_backs_off_and_catches_up(central, tmp_path):
    """429 is 'try later' for the desk (back off), not a refusal a person must look at."""
    from cxdesk.sync.client import AsyncSyncClient, SyncUnavailable
    from cxdesk.sync.round import sync_round

    a = central.desk("D-A")
    slow = create_app(
        engine=central.engine,
        marks_dir=tmp_path / "marks",
        limits={"per_token": Limit(rate=0.001, burst=1)},
    )
    a.record_failed_signin()
    client = AsyncSyncClient("http://c", a.token, transport=httpx.ASGITransport(app=slow))
    with pytest.raises(SyncUnavailable) as info:
        await sync_round(a.store, client)  # the push spends the only request; the pull waits
    assert info.value.short == "busy server"
    assert (await a.sync()).counts.rejected == 0  # the ordinary app: it goes through
