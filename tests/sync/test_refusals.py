"""Malformed, oversized and forged pushes are refused and change nothing (SQLite and PostgreSQL)."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import text

from cxdesk.events.envelope import Event, chain_hash, payload_digest
from cxdesk.sync import apply
from cxdesk.sync.client import SyncRefused
from cxdesk.sync.protocol import MAX_PULL_LIMIT
from cxdesk.sync.server import admin


def server_state(engine):
    with engine.connect() as conn:
        return (
            conn.execute(text("SELECT id, hash, server_seq FROM events ORDER BY server_seq")).all(),
            conn.execute(text("SELECT id, last_seq, last_hash, revoked FROM devices")).all(),
            conn.execute(text("SELECT * FROM rejected_events")).all(),
            conn.execute(text("SELECT * FROM roster ORDER BY staff_id")).all(),
            conn.execute(text("SELECT value FROM feed_counter")).all(),
        )


def body(device: str, events: list[Event]) -> bytes:
    return json.dumps(
        {"device": device, "events": [json.loads(e.model_dump_json()) for e in events]}
    ).encode()


def rehash(event: Event, **changes) -> Event:
    fields = event.model_dump()
    fields.update(changes)
    fields["payload_digest"] = payload_digest(fields["payload"])
    core = {k: v for k, v in fields.items() if k not in ("payload", "hash", "signature")}
    fields["hash"] = chain_hash(**core)
    return Event(**fields)


def own_events(desk) -> list[Event]:
    batch = apply.outbox_batch(desk.store, from_seq=1)
    return [Event(**e) for e in json.loads(batch.body)["events"]]


async def refused(client, raw: bytes, status: int, code: str | None = None):
    with pytest.raises(SyncRefused) as info:
        await client.push(raw)
    assert info.value.status == status, info.value.reason
    if code:
        assert info.value.code == code
    return info.value


async def test_each_refusal_changes_nothing(central):
    a, b = central.desk("D-A"), central.desk("D-B")
    for _ in range(3):
        a.record_failed_signin()
    first, second, third = own_events(a)
    await a.client.push(body("D-A", [first]))  # the server now holds #1
    before = server_state(central.engine)

    # Unknown and revoked tokens.
    await refused(central.client("cxd_not-a-token"), body("D-A", [second]), 401)
    await refused(central.client(None), body("D-A", [second]), 401)
    # Another device's events, under either name.
    await refused(b.client, body("D-A", [second]), 403, "wrong-device")
    await refused(b.client, body("D-B", [second]), 403, "wrong-device")
    # A gap: #3 without #2.
    gap = await refused(a.client, body("D-A", [third]), 409, "gap")
    assert gap.last_seq == 1
    # #2 rewritten to link to something else (hash recomputed, so only the link is wrong).
    await refused(a.client, body("D-A", [rehash(second, prev_hash="f" * 64)]), 409, "chain")
    # A known event id with a different payload (digest and hash made consistent).
    changed = rehash(first, payload={"staff_id": "A1001", "reason": "something else"})
    await refused(a.client, body("D-A", [changed]), 409, "changed")
    # A retry batch that includes a changed copy refuses the whole batch.
    await refused(a.client, body("D-A", [changed, second]), 409, "changed")
    # Bad hash, bad digest, garbage.
    bad_hash = second.model_copy(update={"hash": "0" * 64})
    await refused(a.client, body("D-A", [bad_hash]), 422, "bad-hash")
    bad_digest = second.model_copy(update={"payload": {"staff_id": "X", "reason": "y"}})
    await refused(a.client, body("D-A", [bad_digest]), 422, "bad-digest")
    await refused(a.client, b"{not json", 422, "malformed")
    await refused(a.client, b'{"device": "D-A", "events": [{"id": 1}]}', 422, "malformed")
    huge = second.model_dump(mode="json") | {"device_seq": 10**23}
    await refused(a.client, json.dumps({"device": "D-A", "events": [huge]}).encode(), 422)
    # Too big: more than 500 events, or more than 1 MiB.
    await refused(a.client, body("D-A", [second] * 501), 413, "too-many")
    await refused(a.client, b'{"device":"D-A","events":[]' + b" " * 1_100_000 + b"}", 413)

    assert server_state(central.engine) == before
    # And the desk's real push still goes through afterwards.
    report = await a.sync()
    assert report.counts.accepted == 2 and report.counts.duplicate == 1


async def test_revoked_device_is_refused(central):
    a = central.desk("D-A")
    a.record_failed_signin()
    admin.revoke_device(central.engine, "D-A", "laptop lost")
    before = server_state(central.engine)
    with pytest.raises(SyncRefused) as info:
        await a.sync()
    assert info.value.status == 401
    assert server_state(central.engine) == before


async def test_health_and_docs_need_no_token(central):
    import httpx

    async with httpx.AsyncClient(transport=central.transport(), base_url="http://c") as http:
        health = (await http.get("/health")).json()
        assert health["status"] == "ok" and health["head"] >= 1
        assert (await http.get("/docs")).status_code == 200
        spec = (await http.get("/openapi.json")).json()
        assert "/v1/sync/push" in spec["paths"] and "/v1/sync/pull" in spec["paths"]
        assert (await http.get("/v1/sync/pull")).status_code == 401
        assert (await http.get("/v1/device")).status_code == 401


async def test_pull_limits_and_paging(central):
    a = central.desk("D-A")
    for _ in range(25):
        a.record_failed_signin()
    await a.sync()
    with pytest.raises(SyncRefused):
        limit = MAX_PULL_LIMIT + 1
        await a.client._send("GET", "/v1/sync/pull", params={"after": 0, "limit": limit})
    with pytest.raises(SyncRefused) as info:  # beyond a 64-bit integer: 422, not a crash
        await a.client._send("GET", "/v1/sync/pull", params={"after": 10**23})
    assert info.value.status == 422
    seen, cursor = [], 0
    for _ in range(100):
        page = json.loads(await a.client.pull_raw(cursor, 7))
        seen += [e["server_seq"] for e in page["events"]]
        cursor = page["next"]
        if cursor >= page["head"]:
            break
    assert seen == list(range(1, page["head"] + 1))


async def test_openapi_references_all_resolve(central):
    """Every $ref in /openapi.json points into the document (clients and fuzzers rely on it)."""
    import httpx

    async with httpx.AsyncClient(transport=central.transport(), base_url="http://c") as http:
        spec = (await http.get("/openapi.json")).json()
    refs = set()

    def walk(node):
        if isinstance(node, dict):
            if isinstance(node.get("$ref"), str):
                refs.add(node["$ref"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(spec)
    schemas = spec["components"]["schemas"]
    assert refs and all(r.startswith("#/components/schemas/") for r in refs), refs
    assert {r.rsplit("/", 1)[1] for r in refs} <= set(schemas)
