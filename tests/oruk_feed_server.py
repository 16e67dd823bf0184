"""A loopback Open Referral UK API for tests: ``/api/services?page=N`` from ``tests/oruk/``.

``FeedHandler.mode`` breaks it on purpose ("ignores-page", "html", "staff-clash", "empty").
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

HERE = Path(__file__).parent / "oruk"
PAGES = {n: (HERE / f"services_page_{n}.json").read_bytes() for n in (1, 2)}


class FeedHandler(BaseHTTPRequestHandler):
    """Serves /api/services?page=N from the test pages; ``mode`` breaks it on purpose."""

    mode = "good"
    asked: list[str] = []

    def do_GET(self) -> None:  # noqa: N802 (the http.server spelling)
        parts = urlsplit(self.path)
        type(self).asked.append(self.path)
        page = int(parse_qs(parts.query).get("page", ["1"])[0])
        if parts.path != "/api/services":
            self._send(404, b"{}")
        elif self.mode == "ignores-page":
            self._send(200, PAGES[1])
        elif self.mode == "empty":
            self._send(200, b'{"contents": [], "total_items": 0, "total_pages": 0}')
        elif self.mode == "html":
            self._send(200, b"<html>Sign in to the Wi-Fi</html>", "text/html")
        elif self.mode == "staff-clash":
            data = json.loads(PAGES[1])
            data["contents"][0]["id"] = "housing-options"  # a staff-only line in cxdesk
            data.update(total_pages=1, last_page=True)
            self._send(200, json.dumps(data).encode())
        else:
            self._send(200, PAGES.get(page, b'{"contents": [], "total_pages": 2}'))

    def _send(self, status: int, body: bytes, kind: str = "application/json") -> None:
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args) -> None:
        pass


@contextmanager
def serve_feed() -> Iterator[str]:
    """The feed on a free loopback port, as its base URL (``http://127.0.0.1:PORT/api``)."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), FeedHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    FeedHandler.mode, FeedHandler.asked = "good", []
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/api"
    finally:
        server.shutdown()
        server.server_close()
