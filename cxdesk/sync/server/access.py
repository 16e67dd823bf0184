"""Every request accounted for: an access log line, refusals counted, sync routes rate-limited.

``AccessControl`` is a plain ASGI middleware around the whole API:

* **Access log**: one line per request on the ``cxdesk.access`` logger —
  device (once the token is known), the signed-in person when the request
  carried their checked proof (``staff=``: who read the council-wide reports),
  method and path, status, milliseconds, client address. Never the token, the
  proof, the query string or a body.
* **Refusals counted**: each 401, 403, 409, 413, 422 or 429 adds one to the
  device's count in ``device_refusals`` (``-`` when no device is known), which
  ``cxdesk admin devices`` shows, so a desk that keeps pushing forgeries or a
  stolen laptop guessing stands out.
* **Rate limits** on ``/v1/sync/*`` and the central resident search: a token
  bucket per token (by its hash; the search has its own, much smaller one)
  and one per client address (not for loopback: behind a TLS proxy on this
  machine uvicorn takes the address from ``X-Forwarded-For``); an empty bucket
  answers 429 with
  ``Retry-After`` before the request reaches the route or the database.
  Buckets live in the process: with several API processes each has its own,
  which still bounds what one client can do.

The route finds the device; ``note_device`` (called by ``authenticate``)
hands it back here through a context variable holding a per-request dict
(the route's worker thread gets a copy of the context, and the dict in it is
the same object).
"""

from __future__ import annotations

import json
import logging
import math
import threading
import time
from contextvars import ContextVar
from dataclasses import dataclass

from starlette.concurrency import run_in_threadpool
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from cxdesk.sync.server.migrations import utc_now_text
from cxdesk.sync.server.tokens import hash_token
from cxdesk.sync.transport import is_loopback

log = logging.getLogger("cxdesk.access")
COUNTED = frozenset({401, 403, 409, 413, 422, 429})
LIMITED_PREFIX = "/v1/sync/"
SEARCH_PATH = "/v1/customers/search"
UNKNOWN = "-"
_request: ContextVar[dict | None] = ContextVar("cxdesk_request", default=None)


def note_device(device_id: str) -> None:
    """Tell the access log which device this request's token belongs to."""
    holder = _request.get()
    if holder is not None:
        holder["device"] = device_id


def note_staff(staff_id: str) -> None:
    """Tell the access log whose checked staff proof this request carried."""
    holder = _request.get()
    if holder is not None:
        holder["staff"] = staff_id


@dataclass(frozen=True)
class Limit:
    """``rate`` requests a second on average, up to ``burst`` at once."""

    rate: float
    burst: int


PER_TOKEN = Limit(rate=20.0, burst=300)
"""A desk's sync round is a push and a few pull pages; a fresh desk pulls many pages fast."""
PER_ADDRESS = Limit(rate=60.0, burst=1000)
"""Several desks may share one address (a hub's router)."""
PER_TOKEN_SEARCH = Limit(rate=1 / 6, burst=20)
"""A person asks the central search a few times an hour; a script guessing names and dates
of birth with a stolen token gets ten a minute."""


class Buckets:
    """Token buckets keyed by a string; thread-safe; the least recently used dropped past a cap."""

    CAP = 50_000

    def __init__(self, limit: Limit, clock=time.monotonic) -> None:
        self.limit, self.clock = limit, clock
        self._state: dict[str, tuple[float, float]] = {}
        self._lock = threading.Lock()

    def take(self, key: str) -> float:
        """0 if a request may go now, else the seconds until one may."""
        now = self.clock()
        with self._lock:
            tokens, last = self._state.pop(key, (float(self.limit.burst), now))
            tokens = min(self.limit.burst, tokens + (now - last) * self.limit.rate)
            wait = 0.0
            if tokens >= 1:
                tokens -= 1
            else:
                wait = (1 - tokens) / self.limit.rate
            self._state[key] = (tokens, now)  # re-inserted: dict order is recency
            if len(self._state) > self.CAP:
                self._state.pop(next(iter(self._state)))
            return wait


def _bearer_hash(scope: Scope) -> str | None:
    for name, value in scope.get("headers", ()):
        if name == b"authorization":
            scheme, _, credential = value.decode("latin-1").partition(" ")
            if scheme.lower() == "bearer" and credential.strip():
                return hash_token(credential.strip())
    return None


def count_refusal(engine, device: str, status: int) -> None:
    """Add one to ``device``'s count of ``status`` answers (its own short transaction)."""
    from sqlalchemy import text

    from cxdesk.sync.server.db import write_transaction

    with write_transaction(engine) as conn:
        conn.execute(
            text(
                "INSERT INTO device_refusals (device, status, count, last_at) "
                "VALUES (:d, :s, 1, :t) ON CONFLICT (device, status) DO UPDATE SET "
                "count = device_refusals.count + 1, last_at = excluded.last_at"
            ),
            {"d": device, "s": status, "t": utc_now_text()},
        )


class AccessControl:
    """The ASGI middleware: rate limits, then the app, then the log line and the count."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        per_token: Limit = PER_TOKEN,
        per_address: Limit = PER_ADDRESS,
        per_token_search: Limit = PER_TOKEN_SEARCH,
    ) -> None:
        self.app = app
        self.tokens, self.addresses = Buckets(per_token), Buckets(per_address)
        self.searches = Buckets(per_token_search)
        self.devices: dict[str, str] = {}  # token hash -> device, for lines before the route

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        token_hash = _bearer_hash(scope)
        address = (scope.get("client") or (UNKNOWN,))[0]
        holder = {"device": self.devices.get(token_hash or "", UNKNOWN), "status": 500}
        reset = _request.set(holder)

        async def sending(message: Message) -> None:
            if message["type"] == "http.response.start":
                holder["status"] = message["status"]
            await send(message)

        try:
            wait = self._limited(scope["path"], token_hash, address)
            if wait:
                await self._too_many(wait, sending)
            else:
                await self.app(scope, receive, sending)
        finally:
            _request.reset(reset)
            await self._account(scope, holder, token_hash, address, started)

    def _limited(self, path: str, token_hash: str | None, address: str) -> float:
        searching = path == SEARCH_PATH
        if not (searching or path.startswith(LIMITED_PREFIX)):
            return 0.0
        # Loopback is this machine (a TLS proxy without X-Forwarded-For, a benchmark):
        # only its tokens are limited there.
        waits = [] if is_loopback(address) else [self.addresses.take(address)]
        if token_hash is not None:
            waits.append((self.searches if searching else self.tokens).take(token_hash))
        return max(waits, default=0.0)

    @staticmethod
    async def _too_many(wait: float, send: Send) -> None:
        seconds = max(1, math.ceil(wait))
        message = f"too many requests; try again in {seconds} s"
        body = json.dumps({"detail": {"code": "rate-limited", "message": message}}).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 429,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"retry-after", str(seconds).encode()),
                    (b"content-length", str(len(body)).encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})

    async def _account(self, scope, holder, token_hash, address, started) -> None:
        status, device = holder["status"], holder["device"]
        if token_hash and device != UNKNOWN:
            if len(self.devices) > Buckets.CAP:
                self.devices.clear()
            self.devices[token_hash] = device
        millis = (time.perf_counter() - started) * 1000
        staff = holder.get("staff")
        log.info(
            "device=%s%s route=%s %s status=%d ms=%.1f addr=%s",
            device,
            f" staff={staff}" if staff else "",
            scope["method"],
            scope["path"],
            status,
            millis,
            address,
        )
        if status in COUNTED:
            engine = getattr(scope["app"].state, "engine", None) if "app" in scope else None
            if engine is not None:
                try:
                    await run_in_threadpool(count_refusal, engine, device, status)
                except Exception:  # the count must never turn an answer into an error
                    log.exception("could not count a refusal for %s", device)
