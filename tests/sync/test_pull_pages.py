"""Pull pages start at the size every server takes and grow while more waits; a server
from before bigger pages refuses them (422) and the desk carries on at its size."""

from __future__ import annotations

import httpx

from cxdesk.store.rebuild import verify_store
from cxdesk.sync.client import AsyncSyncClient
from cxdesk.sync.protocol import MAX_PULL_LIMIT, OLD_PULL_LIMIT
from tests import peek

from .test_faults import bulk_failed_signins
from .test_protocol import events_of, table


class Limits(httpx.AsyncBaseTransport):
    """Forwards to the app, noting each pull's ``limit``; ``older`` answers a limit past
    ``OLD_PULL_LIMIT`` as an older server's validation did (422, a list of errors)."""

    def __init__(self, app, *, older: bool = False) -> None:
        self.inner, self.older, self.asked = httpx.ASGITransport(app=app), older, []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if request.url.path == "/v1/sync/pull":
            limit = int(request.url.params.get("limit", "500"))
            self.asked.append(limit)
            if self.older and limit > OLD_PULL_LIMIT:
                detail = [{"type": "less_than_equal", "loc": ["query", "limit"], "msg": "..."}]
                return httpx.Response(422, json={"detail": detail})
        return await self.inner.handle_async_request(request)


async def _pull_with(central, transport: Limits):
    a = central.desk("D-A")
    bulk_failed_signins(a.store, 2 * OLD_PULL_LIMIT + 500)
    await a.sync()
    b = central.desk("D-B")  # the same location: the same share of the feed
    b.client = AsyncSyncClient("http://central", b.token, transport=transport)
    report = await b.sync()
    assert report.pulled >= 2 * OLD_PULL_LIMIT + 500
    await a.sync()  # and the rest of the feed (D-B's enrolment) reaches D-A too
    assert events_of(a.store) == events_of(b.store)
    assert table(a.store, "signin_attempts") == table(b.store, "signin_attempts")
    assert peek.scalar(b.store, "SELECT COUNT(*) FROM event_acks WHERE server_seq IS NULL") == 0
    assert verify_store(b.store).ok
    return transport.asked


async def test_pages_grow_while_more_waits(central):
    asked = await _pull_with(central, Limits(central.app))
    assert asked[:2] == [OLD_PULL_LIMIT, 2 * OLD_PULL_LIMIT]
    assert max(asked) <= MAX_PULL_LIMIT


async def test_an_older_server_is_pulled_from_at_its_page_size(central):
    asked = await _pull_with(central, Limits(central.app, older=True))
    assert asked[:3] == [OLD_PULL_LIMIT, 2 * OLD_PULL_LIMIT, OLD_PULL_LIMIT]
    assert asked.count(2 * OLD_PULL_LIMIT) == 1  # refused once, then its size
