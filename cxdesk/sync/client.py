"""HTTP clients for the central API (httpx): async for the worker, sync for commands.

Errors are sorted into two kinds the worker treats differently:
``SyncUnavailable`` (network down, timeout, 5xx: back off and try again) and
``SyncRefused`` (a 4xx: the server understood and said no; retrying the same
thing will not help, so the desk says what is wrong instead).
"""

from __future__ import annotations

import httpx

from cxdesk.errors import SyncError
from cxdesk.sync.protocol import MAX_PULL_LIMIT, DeviceInfo, Health, PushResponse

TIMEOUT = httpx.Timeout(30.0, connect=5.0)


class SyncUnavailable(SyncError):
    """The server could not be reached or failed; try again later."""


class SyncRefused(SyncError):
    """The server refused the request (4xx)."""

    def __init__(self, status: int, code: str, message: str, last_seq: int | None = None):
        super().__init__(f"{message} ({status} {code})")
        self.status, self.code, self.reason, self.last_seq = status, code, message, last_seq


def _check(response: httpx.Response) -> httpx.Response:
    if response.status_code < 400:
        return response
    if response.status_code >= 500:
        raise SyncUnavailable(f"The central API failed ({response.status_code}).")
    try:
        detail = response.json().get("detail")
    except ValueError:
        detail = None
    if isinstance(detail, dict):
        raise SyncRefused(
            response.status_code, detail.get("code", "refused"),
            detail.get("message", ""), detail.get("last_seq"),
        )  # fmt: skip
    raise SyncRefused(response.status_code, "refused", str(detail or response.text[:200]))


def _headers(token: str | None) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"} if token else {}


class AsyncSyncClient:
    """The worker's client. ``transport`` lets tests run against the in-process app."""

    def __init__(
        self,
        base_url: str,
        token: str | None,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        timeout: httpx.Timeout = TIMEOUT,
    ) -> None:
        self._http = httpx.AsyncClient(
            base_url=base_url.rstrip("/"), headers=_headers(token), transport=transport,
            timeout=timeout,
        )  # fmt: skip

    async def _send(self, method: str, url: str, **kw) -> httpx.Response:
        try:
            return _check(await self._http.request(method, url, **kw))
        except httpx.HTTPError as exc:
            raise SyncUnavailable(f"The central API cannot be reached: {exc!r}") from exc

    async def push(self, body: bytes) -> PushResponse:
        response = await self._send(
            "POST", "/v1/sync/push", content=body, headers={"Content-Type": "application/json"}
        )
        return PushResponse.model_validate_json(response.content)

    async def pull_raw(self, after: int, limit: int = MAX_PULL_LIMIT) -> bytes:
        response = await self._send("GET", "/v1/sync/pull", params={"after": after, "limit": limit})
        return response.content

    async def whoami(self) -> DeviceInfo:
        return DeviceInfo.model_validate_json((await self._send("GET", "/v1/device")).content)

    async def health(self) -> Health:
        return Health.model_validate_json((await self._send("GET", "/health")).content)

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

    def _send(self, method: str, url: str, **kw) -> httpx.Response:
        try:
            return _check(self._http.request(method, url, **kw))
        except httpx.HTTPError as exc:
            raise SyncUnavailable(f"The central API cannot be reached: {exc!r}") from exc

    def whoami(self) -> DeviceInfo:
        return DeviceInfo.model_validate_json(self._send("GET", "/v1/device").content)

    def health(self) -> Health:
        return Health.model_validate_json(self._send("GET", "/health").content)

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> SyncClient:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
