"""HTTP clients for the central API (httpx): async for the worker, sync for commands.

Every failure becomes one sentence: a network fault, a timeout, an answer cut
short, oversized (the body is read at most ``MAX_ANSWER_BYTES``, before any
parsing), not JSON, or a web page (a captive portal) is a ``SyncUnavailable``
whose message a person can read. Errors are sorted into two kinds the worker
treats differently:
``SyncUnavailable`` (network down, timeout, 5xx: back off and try again) and
``SyncRefused`` (a 4xx: the server understood and said no; retrying the same
thing will not help, so the desk says what is wrong instead).
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import httpx

from cxdesk.domain import deskclock
from cxdesk.domain.request_proof import PROOF_HEADER
from cxdesk.errors import SyncError
from cxdesk.sync.protocol import (
    MAX_PULL_LIMIT,
    WAIT_HEADER,
    CentralSearch,
    CentralSearchAnswer,
    DeviceInfo,
    Health,
    PullResponse,
    PushResponse,
)
from cxdesk.sync.receipts import MARK_HEADER

TIMEOUT = httpx.Timeout(20.0, connect=5.0)
"""A push of 500 events is checked in well under this; the header says "Waiting for
server" after a few seconds anyway (``SyncWorker``)."""


class SyncUnavailable(SyncError):
    """The server could not be reached or failed; try again later."""

    def __init__(self, message: str, short: str = "no server") -> None:
        super().__init__(message)
        self.short = short
        """A few words for the header ("no network", "no answer", "web page in the way")."""


class SyncRefused(SyncError):
    """The server refused the request (4xx)."""

    def __init__(self, status: int, code: str, message: str, last_seq: int | None = None):
        super().__init__(f"{message} ({status} {code})")
        self.status, self.code, self.reason, self.last_seq = status, code, message, last_seq


class DeskRevoked(SyncRefused):
    """The server says this desk's token was revoked (401 ``revoked``): the desk wipes itself.

    Only that explicit answer, naming the device, raises this; any other 401
    (an unknown token, a proxy's login page, no body) stays a plain refusal.
    """

    def __init__(self, device: str, message: str) -> None:
        super().__init__(401, "revoked", message)
        self.device = device


MAX_ANSWER_BYTES = 32 * 1024 * 1024
"""The most the desk reads of any answer: a pull page of a thousand events fits well."""


class AnswerTooLarge(SyncUnavailable):
    """An answer over ``MAX_ANSWER_BYTES`` (a pull asks again for fewer events)."""


def _too_large() -> SyncUnavailable:
    return AnswerTooLarge(
        f"The central API's answer was larger than {MAX_ANSWER_BYTES // 1_048_576} MB and "
        "was not read (is something else answering at this address?).",
        "answer too large",
    )


def network_failure(exc: Exception) -> SyncUnavailable:
    """One line a person can read for a failed request (never a traceback)."""
    if isinstance(exc, httpx.ConnectTimeout):
        return SyncUnavailable(
            "The central API did not accept a connection in time (network slow or down).",
            "no network",
        )
    if isinstance(exc, httpx.TimeoutException):
        return SyncUnavailable(
            "The central API did not answer in time; the sync will be tried again.", "no answer"
        )
    if isinstance(exc, httpx.ConnectError):
        return SyncUnavailable(
            "The central API cannot be reached (no network, or the server is down).",
            "no network",
        )
    if isinstance(exc, httpx.RemoteProtocolError | httpx.ReadError | httpx.WriteError):
        return SyncUnavailable(
            "The connection to the central API was cut off before the answer was complete.",
            "connection cut",
        )
    return SyncUnavailable(
        f"The central API cannot be reached ({type(exc).__name__}).", "no network"
    )


def _looks_like_web_page(response: httpx.Response, body: bytes) -> bool:
    kind = response.headers.get("content-type", "").lower()
    return "html" in kind or body.lstrip()[:15].lower().startswith((b"<!doctype", b"<html"))


def parse_answer(model, response: httpx.Response, body: bytes):
    """``model`` from an answer body, or a ``SyncUnavailable`` sentence saying what is wrong."""
    if _looks_like_web_page(response, body):
        raise SyncUnavailable(
            "A web page answered instead of the central API (a Wi-Fi sign-in page?). "
            "Open a browser to sign in to the network, then sync again.",
            "web page in the way",
        )
    try:
        return model.model_validate_json(body)
    except ValueError:  # pydantic's ValidationError is a ValueError too
        raise SyncUnavailable(
            "The central API's answer was cut short or not understood; "
            "the sync will be tried again.",
            "bad answer",
        ) from None


def _check(response: httpx.Response, body: bytes) -> None:
    if 300 <= response.status_code < 400:
        raise SyncUnavailable(
            "The request to the central API was sent elsewhere (a Wi-Fi sign-in page?). "
            "Open a browser to sign in to the network, then sync again.",
            "web page in the way",
        )
    if response.status_code < 400:
        return
    if response.status_code >= 500:
        raise SyncUnavailable(
            f"The central API failed ({response.status_code}); the sync will be tried again.",
            "server error",
        )
    if response.status_code == 429:  # rate-limited: the same request will do later
        wait = response.headers.get("retry-after", "")
        after = f" in {wait} s" if wait.isdigit() else ""
        raise SyncUnavailable(
            f"The central API asked this desk to slow down; the sync will be tried again{after}.",
            "busy server",
        )
    try:
        detail = json.loads(body).get("detail")
    except (ValueError, AttributeError):
        detail = None
    revoked = isinstance(detail, dict) and detail.get("code") == "revoked"
    if (
        response.status_code == 401
        and revoked
        and isinstance(detail, dict)
        and isinstance(detail.get("device"), str)
    ):
        message = str(detail.get("message") or "this desk was revoked")[:300]
        raise DeskRevoked(detail["device"][:100], message)
    if isinstance(detail, dict):
        raise SyncRefused(
            response.status_code,
            str(detail.get("code", "refused")),
            str(detail.get("message", ""))[:300],
            detail.get("last_seq"),
        )
    if _looks_like_web_page(response, body):
        raise SyncUnavailable(
            f"A web page answered instead of the central API ({response.status_code}): "
            "a Wi-Fi sign-in page or proxy may be in the way.",
            "web page in the way",
        )
    raise SyncRefused(response.status_code, "refused", str(detail or "")[:200] or "refused")


async def _read_capped(response: httpx.Response) -> bytes:
    declared = response.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_ANSWER_BYTES:
        raise _too_large()
    body = bytearray()
    async for chunk in response.aiter_bytes():
        body += chunk
        if len(body) > MAX_ANSWER_BYTES:
            raise _too_large()
    return bytes(body)


def _read_capped_sync(response: httpx.Response) -> bytes:
    declared = response.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_ANSWER_BYTES:
        raise _too_large()
    body = bytearray()
    for chunk in response.iter_bytes():
        body += chunk
        if len(body) > MAX_ANSWER_BYTES:
            raise _too_large()
    return bytes(body)


def _headers(token: str | None) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"} if token else {}


@dataclass(frozen=True)
class FeedNews:
    live: bool
    """The server held the pull (False: it answered at once; poll by interval)."""
    news: bool
    """Something after the cursor: events for this desk, or a cursor to move on."""


class AsyncSyncClient:
    """The worker's client. ``transport`` lets tests run against the in-process app.

    ``proofs`` (the desk's latest signed receipt and mark, as headers) go with
    every push and pull, so a restored server learns it is behind.
    """

    def __init__(
        self,
        base_url: str,
        token: str | None,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        timeout: httpx.Timeout = TIMEOUT,
    ) -> None:
        self._http = httpx.AsyncClient(
            base_url=base_url.rstrip("/"),
            headers=_headers(token),
            transport=transport,
            timeout=timeout,
        )
        self.proofs: dict[str, str] = {}
        self.last_mark: str | None = None
        """The signed mark header of the last pull answer, if any."""

    async def _send(self, method: str, url: str, **kw) -> tuple[httpx.Response, bytes]:
        sent = deskclock.raw_ms()
        try:
            async with self._http.stream(method, url, **kw) as response:
                body = await _read_capped(response)
        except httpx.HTTPError as exc:
            raise network_failure(exc) from exc
        # Every answer's Date header tells the desk how far its clock is off.
        deskclock.observe_server_date(response.headers.get("date"), sent, deskclock.raw_ms())
        _check(response, body)
        return response, body

    async def push(self, body: bytes) -> PushResponse:
        headers = {"Content-Type": "application/json", **self.proofs}
        response, raw = await self._send("POST", "/v1/sync/push", content=body, headers=headers)
        return parse_answer(PushResponse, response, raw)

    async def pull_raw(self, after: int, limit: int = MAX_PULL_LIMIT) -> bytes:
        response, raw = await self._send(
            "GET", "/v1/sync/pull", params={"after": after, "limit": limit}, headers=self.proofs
        )
        if _looks_like_web_page(response, raw):
            parse_answer(Health, response, raw)  # raises the web-page sentence
        self.last_mark = response.headers.get(MARK_HEADER)
        return raw

    async def wait_for_feed(self, after: int, wait: float) -> FeedNews:
        """Hold a pull open up to ``wait`` seconds: is there news after cursor ``after``?

        Only a signal: the worker's next round pulls and applies from its stored
        cursor, so a held pull cut anywhere loses and repeats nothing.
        """
        seconds = max(1, round(wait))
        response, raw = await self._send(
            "GET",
            "/v1/sync/pull",
            params={"after": after, "limit": 1, "wait": seconds},
            headers=self.proofs,
            timeout=httpx.Timeout(seconds + 10.0, connect=5.0),
        )
        page = parse_answer(PullResponse, response, raw)
        return FeedNews(
            live=response.headers.get(WAIT_HEADER) is not None,
            news=bool(page.events) or page.next != after,
        )

    async def search_central(self, ask: CentralSearch) -> CentralSearchAnswer:
        """Ask the central API for a resident held elsewhere (recorded there as a view)."""
        body = ask.model_dump_json().encode()
        headers = {"Content-Type": "application/json"}
        response, raw = await self._send(
            "POST", "/v1/customers/search", content=body, headers=headers
        )
        return parse_answer(CentralSearchAnswer, response, raw)

    async def ask_as_staff(self, path: str, body: bytes, proof: str, model):
        """POST ``body`` to ``path`` with a signed-in person's proof; the answer as ``model``.

        The proof is a header for this one request (``domain.request_proof``), never kept.
        """
        headers = {"Content-Type": "application/json", PROOF_HEADER: proof}
        response, raw = await self._send("POST", path, content=body, headers=headers)
        return parse_answer(model, response, raw)

    async def whoami(self) -> DeviceInfo:
        return parse_answer(DeviceInfo, *(await self._send("GET", "/v1/device")))

    async def probe(self, timeout: float = 3.0) -> bool:
        """Does the central API answer ``/health`` now? (A sign the network is back.)"""
        try:
            response = await self._http.get("/health", timeout=timeout)
        except httpx.HTTPError:
            return False
        return response.status_code == 200 and "json" in response.headers.get("content-type", "")

    async def health(self) -> Health:
        return parse_answer(Health, *(await self._send("GET", "/health")))

    async def aclose(self) -> None:
        await self._http.aclose()

    async def __aenter__(self) -> AsyncSyncClient:
        return self

    async def __aexit__(self, *exc) -> None:
        await self.aclose()


class SyncClient:
    """A blocking client for commands (enrol, health checks, the demo)."""

    def __init__(self, base_url: str, token: str | None = None, *, timeout=TIMEOUT) -> None:
        self._http = httpx.Client(
            base_url=base_url.rstrip("/"), headers=_headers(token), timeout=timeout
        )

    def _send(self, method: str, url: str, **kw) -> tuple[httpx.Response, bytes]:
        try:
            with self._http.stream(method, url, **kw) as response:
                body = _read_capped_sync(response)
        except httpx.HTTPError as exc:
            raise network_failure(exc) from exc
        _check(response, body)
        return response, body

    def whoami(self) -> DeviceInfo:
        return parse_answer(DeviceInfo, *self._send("GET", "/v1/device"))

    def health(self) -> Health:
        return parse_answer(Health, *self._send("GET", "/health"))

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> SyncClient:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
