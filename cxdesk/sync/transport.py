"""Which server addresses a desk will talk to: HTTPS, or plain HTTP on this machine only.

The bearer token and every resident's details travel in each sync request, so
a plain ``http://`` address across a network would hand both to anyone on the
library's Wi-Fi. Loopback is the exception (the demo's own server, and a
reverse proxy on the same machine that terminates TLS).
"""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

from cxdesk.errors import ValidationError

LOOPBACK_NAMES = frozenset({"localhost", "localhost.localdomain"})


def is_loopback(host: str) -> bool:
    if host.lower() in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def check_server_url(url: str) -> str:
    """``url`` without a trailing slash if a desk may use it; ValidationError saying why not."""
    parts = urlsplit((url or "").strip())
    host = parts.hostname or ""
    if parts.scheme not in ("http", "https") or not host:
        raise ValidationError(
            f"{url!r} is not a server address; it looks like https://cxdesk.council.example",
            field="server_url",
        )
    if parts.scheme == "http" and not is_loopback(host):
        raise ValidationError(
            f"The desk will not send its token and residents' details to {host} over plain "
            "http://. Use the server's https:// address (see README, Security).",
            field="server_url",
        )
    return url.strip().rstrip("/")
