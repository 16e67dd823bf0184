"""Fetch every page of an Open Referral UK API's ``/services`` list, for the directory import.

A council publishes its service directory as an HSDS 3.0 API; refreshing the
priority-number directory from it on a schedule saves retyping. The API pages
its lists (``{"contents": [...], "page_number": 1, "total_pages": 4, ...}``),
so this asks for ``?page=1``, ``?page=2`` ... until ``total_pages`` (or
``last_page``, or an empty page) says it has everything, and hands the pages to
``cxdesk.domain.directory_oruk.import_oruk`` unchanged.

Rules, and why:

- https only: the directory holds the numbers advisors read out to residents,
  so it must not be swapped on the way. Plain http is allowed only to a
  loopback address (tests, or a feed proxied on the same machine); a redirect
  to anything else is refused the same way.
- Every page is capped (``MAX_PAGE_BYTES``) before it is parsed, the number of
  pages is capped (``MAX_PAGES``), and a page number that does not move on
  ends the walk: a broken or hostile feed cannot make the import run forever.
- Any failure is one sentence (``FeedError``) naming the URL and what went
  wrong; nothing is imported from a feed that could not be read to the end,
  because a partial feed would look like services that had closed.
"""

from __future__ import annotations

import ipaddress
import json
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import httpx

from cxdesk.errors import CxDeskError

MAX_PAGES = 500
MAX_PAGE_BYTES = 16 * 1024 * 1024
TIMEOUT_SECONDS = 30.0
PER_PAGE = 100


class FeedError(CxDeskError):
    """The feed could not be read; the message says which URL and why."""


def is_url(text: str) -> bool:
    """True for something that names a web address rather than a file."""
    return str(text).lower().startswith(("http://", "https://"))


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_url(url: str) -> str:
    """``url`` if it may be fetched (https, or http to loopback); else a FeedError."""
    parts = urlsplit(url)
    if parts.scheme == "https" and parts.hostname:
        return url
    if parts.scheme == "http" and parts.hostname and _loopback(parts.hostname):
        return url
    raise FeedError(
        f"{url}: the directory feed must be an https:// address "
        "(plain http is allowed only on this machine)."
    )


def services_url(url: str) -> str:
    """The API's ``/services`` list: the URL itself if it names it, else with it added."""
    parts = urlsplit(url)
    path = parts.path.rstrip("/")
    if not path.endswith("/services"):
        path += "/services"
    return urlunsplit((parts.scheme, parts.netloc, path, parts.query, ""))


def _refuse_insecure(request: httpx.Request) -> None:
    check_url(str(request.url))


def fetch_service_pages(url: str, *, transport: httpx.BaseTransport | None = None) -> list[Any]:
    """Every page of ``url``'s ``/services`` list, in order (each page as parsed JSON)."""
    target = services_url(check_url(url))
    pages: list[Any] = []
    with httpx.Client(
        timeout=TIMEOUT_SECONDS,
        follow_redirects=True,
        event_hooks={"request": [_refuse_insecure]},
        transport=transport,
        headers={"Accept": "application/json"},
    ) as client:
        page_number = 1
        while True:
            page = _get_page(client, target, page_number)
            pages.append(page)
            if not isinstance(page, dict) or not isinstance(page.get("contents"), list):
                return pages  # not a paged list: the whole list came in one answer
            if _last(page, page_number):
                return pages
            if len(pages) >= MAX_PAGES:
                raise FeedError(f"{target}: more than {MAX_PAGES} pages; stopped.")
            page_number += 1


def _last(page: dict, asked: int) -> bool:
    """Whether ``page`` (asked for as number ``asked``) is the last one."""
    if page.get("last_page") is True or not page["contents"]:
        return True
    total = page.get("total_pages")
    if isinstance(total, int) and not isinstance(total, bool):
        number = page.get("page_number")
        if isinstance(number, int) and number != asked:
            # A server that ignores ?page= would hand back page 1 for ever.
            raise FeedError(f"page {asked} came back as page {number}; the feed ignores ?page=.")
        return asked >= total
    return False


def _get_page(client: httpx.Client, url: str, number: int) -> Any:
    params = {"page": number, "per_page": PER_PAGE}
    try:
        with client.stream("GET", url, params=params) as response:
            if response.status_code != 200:
                raise FeedError(f"{url} page {number}: the server answered {response.status_code}.")
            body = bytearray()
            for chunk in response.iter_bytes():
                body.extend(chunk)
                if len(body) > MAX_PAGE_BYTES:
                    raise FeedError(
                        f"{url} page {number}: larger than {MAX_PAGE_BYTES:,} bytes; stopped."
                    )
    except FeedError:
        raise
    except httpx.TimeoutException:
        raise FeedError(f"{url} page {number}: no answer within {TIMEOUT_SECONDS:.0f} s.") from None
    except httpx.HTTPError as error:
        raise FeedError(f"{url} page {number}: could not be fetched ({error}).") from None
    try:
        return json.loads(bytes(body).decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise FeedError(f"{url} page {number}: the answer is not JSON ({error}).") from None
