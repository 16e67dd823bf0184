"""A desk refuses feed events that do not verify, reports them, and keeps syncing.

The central API is the real one; between it and the desk sits a rewriting
proxy (an ``httpx`` transport) that changes one event of each pull answer, as
a tampered database or a hostile network would. The honest events around it
must still arrive, the changed one must never be stored, and F8's query must
name it with the reason. Hypothesis throws arbitrary clock values and payload
text at both the server and a desk's sync: nothing may crash either.
"""

from __future__ import annotations

import json

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import text

from cxdesk.events.envelope import chain_hash, new_event_id, payload_digest
from cxdesk.store.projections.feed_refusals import refused_feed_events
from cxdesk.store.rebuild import verify_store
from cxdesk.sync.client import AsyncSyncClient, SyncRefused
from tests import peek


class Rewriting(httpx.AsyncBaseTransport):
    """Forwards to the app; ``change(event_dict)`` may rewrite pulled events of one device."""

    def __init__(self, app, device: str, change) -> None:
        self.inner, self.device, self.change = httpx.ASGITransport(app=app), device, change

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = await self.inner.handle_async_request(request)
        if request.url.path != "/v1/sync/pull" or response.status_code != 200:
            return response
        page = json.loads(await response.aread())
        for event in page["events"]:
            if event["device"] == self.device:
                self.change(event)
        return httpx.Response(200, json=page, headers={"content-type": "application/json"})


def _resign(event: dict, **changes) -> None:
    """Change fields and recompute digest and hash, so only the changed field can be wrong."""
    event.update(changes)
    event["payload_digest"] = payload_digest(event["payload"])
    core = {
        k: event[k]
        for k in (
            "id",
            "kind",
            "payload_digest",
            "actor",
            "device",
            "location",
            "device_seq",
            "hlc",
            "prev_hash",
        )
    }
    event["hash"] = chain_hash(**core)


CHANGES = {
    "payload changed": (lambda e: e["payload"].update(reason="changed"), "digest"),
    "hash changed": (lambda e: e.update(hash="0" * 64), "hash does not match"),
    "clock malformed": (lambda e: _resign(e, hlc="not-a-clock-value-at-all"), "malformed"),
    "clock of another device": (
        lambda e: _resign(e, hlc=e["hlc"].replace("D-A", "D-X")),
        "names device",
    ),
}


@pytest.mark.parametrize("case", sorted(CHANGES))
async def test_tampered_feed_event_is_refused_and_sync_goes_on(central, case):
    change, reason = CHANGES[case]
    a, b = central.desk("D-A"), central.desk("D-B")
    a.record_failed_signin()
    await a.sync()
    b.client = AsyncSyncClient(
        "http://central", b.token, transport=Rewriting(central.app, "D-A", change)
    )
    b.record_failed_signin("Z9002")
    report = await b.sync()  # does not raise
    assert report.counts.accepted == 1
    refused = refused_feed_events(b.store)
    assert len(refused) == 1 and reason in refused[0].reason, refused
    assert not peek.scalar(b.store, "SELECT COUNT(*) FROM events WHERE device = 'D-A'")
    assert verify_store(b.store).ok
    # The rest of the feed still arrives: a later honest event from another desk.
    c = central.desk("D-C")
    c.record_failed_signin("Z9003")
    await c.sync()
    await b.sync()
    assert peek.scalar(b.store, "SELECT COUNT(*) FROM events WHERE device = 'D-C'") == 1


def _event(device: str, seq: int, prev: str, hlc: str, reason: str) -> dict:
    payload = {"staff_id": "Z9001", "reason": reason}
    fields = {
        "id": new_event_id(),
        "kind": "SignInFailed",
        "payload_digest": payload_digest(payload),
        "actor": "desk",
        "device": device,
        "location": "CSC",
        "device_seq": seq,
        "hlc": hlc,
        "prev_hash": prev,
    }
    return {**fields, "payload": payload, "hash": chain_hash(**fields)}


clock_text = st.one_of(
    st.text(max_size=130),
    st.from_regex(r"\A[0-9]{1,20}-[0-9]{1,6}-D-H\Z"),
    st.integers(0, 10**17).map(lambda ms: f"{ms:016d}-0000-D-H"),
)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(hlc=clock_text, reason=st.text(max_size=200))
async def test_arbitrary_clock_and_text_never_crash_server_or_desk(central, hlc, reason):
    """Whatever a desk sends, the server answers 4xx or per event, and other desks sync on."""
    if not hasattr(central, "_fuzz"):
        central._fuzz = (central.desk("D-H"), central.desk("D-R"))
    hostile, reader = central._fuzz
    with central.engine.connect() as conn:
        seq, prev = conn.execute(
            text("SELECT last_seq, last_hash FROM devices WHERE id = 'D-H'")
        ).one()
    body = json.dumps({"device": "D-H", "events": [_event("D-H", seq + 1, prev, hlc, reason)]})
    try:
        response = await hostile.client.push(body.encode())
    except SyncRefused as exc:
        assert 400 <= exc.status < 500  # refused whole (for example 422): never a 500
    else:
        assert [r.status for r in response.results] in (["accepted"], ["rejected"])
    await reader.sync()  # whatever the feed holds now, a desk's sync does not crash
    assert verify_store(reader.store).ok
