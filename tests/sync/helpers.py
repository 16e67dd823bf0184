"""Real servers for fault tests: uvicorn in a thread or a subprocess, and a TCP proxy.

Everything listens on 127.0.0.1 only, and every wait is a bounded poll.
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import httpx
import uvicorn

ROOT = Path(__file__).resolve().parents[2]
SHUTDOWN_GRACE_SECONDS = 1
"""How long a stopping test server lets requests still running finish before cancelling them."""
STOP_GRACE_SECONDS = 5
"""How long ``cxdesk serve`` has to stop after SIGTERM before it is killed (it needs well
under a second unless a pull is held)."""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until(predicate: Callable[[], object], timeout: float = 30.0, what: str = "it"):
    """Poll ``predicate`` until truthy (returned) or fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.01)
    raise AssertionError(f"timed out waiting for {what}")


def healthy(url: str) -> bool:
    try:
        return httpx.get(url + "/health", timeout=1.0).status_code == 200
    except httpx.HTTPError:
        return False


class ThreadServer:
    """uvicorn serving ``app`` on loopback in a background thread."""

    def __init__(self, app, port: int | None = None) -> None:
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        # On leaving, a pull still held (a desk's live feed asks for 25 s) is cancelled after
        # a moment rather than waited out: the test is done with this server.
        config = uvicorn.Config(
            app,
            host="127.0.0.1",
            port=self.port,
            log_level="error",
            timeout_graceful_shutdown=SHUTDOWN_GRACE_SECONDS,
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> ThreadServer:
        self.thread.start()
        wait_until(lambda: self.server.started, what="uvicorn to start")
        return self

    def __exit__(self, *exc) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=30)


class ServerProcess:
    """``cxdesk serve`` in a subprocess, which tests may SIGKILL and start again."""

    def __init__(self, db_url: str, data_dir: Path, port: int | None = None) -> None:
        self.db_url, self.data_dir = db_url, data_dir
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc: subprocess.Popen | None = None

    def start(self) -> ServerProcess:
        env = dict(os.environ, CXDESK_DATA_DIR=str(self.data_dir))
        self.proc = proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "cxdesk",
                "serve",
                "--port",
                str(self.port),
                "--db",
                self.db_url,
            ],
            env=env,
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        # A loaded 2-core machine can take a while to start a server; a wake never does.
        wait_until(lambda: healthy(self.url) or proc.poll() is not None, timeout=90, what="server")
        if proc.poll() is not None:
            stderr = proc.stderr.read().decode() if proc.stderr else ""
            raise AssertionError(f"server failed: {stderr[-2000:]}")
        return self

    def kill(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=30)

    def stop(self) -> None:
        """SIGTERM; SIGKILL if it is still going a few seconds later. uvicorn lets running
        requests finish first, and a pull held for a desk that was killed waits out its
        25 s: the test is done with the server by then."""
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=STOP_GRACE_SECONDS)
            except subprocess.TimeoutExpired:
                self.kill()


class DroppingProxy:
    """A loopback TCP proxy; with ``drop`` set it closes the connection as the answer comes.

    The server has committed by the time it writes its answer, so this is the
    "connection lost after commit, before the desk read the answer" fault.
    """

    def __init__(self, upstream_port: int) -> None:
        self.upstream_port = upstream_port
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.drop = False
        self.dropped = 0
        self._stop = False
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while not self._stop:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            upstream = socket.create_connection(("127.0.0.1", self.upstream_port))
            threading.Thread(target=self._pipe, args=(client, upstream, False), daemon=True).start()
            threading.Thread(target=self._pipe, args=(upstream, client, True), daemon=True).start()

    def _pipe(self, src: socket.socket, dst: socket.socket, answers: bool) -> None:
        try:
            while True:
                data = src.recv(65536)
                if not data:
                    break
                if answers and self.drop:
                    self.dropped += 1
                    break
                dst.sendall(data)
        except OSError:
            pass
        for s in (src, dst):
            with contextlib.suppress(OSError):
                s.shutdown(socket.SHUT_RDWR)
            s.close()

    def close(self) -> None:
        self._stop = True
        self.listener.close()


class FaultProxy:
    """A loopback HTTP proxy in front of a real server that misbehaves on demand.

    ``mode`` None passes bytes through both ways. Otherwise each request is
    read and answered by the proxy itself, as bad networks answer: ``truncated``
    (the connection drops mid-answer), ``halfjson`` (a complete answer whose
    JSON stops mid-way), ``junk`` (10 MB that is not JSON),
    ``huge`` (more than the desk reads, no length given), ``html`` (a Wi-Fi
    sign-in page), ``redirect`` (a portal's 302), ``hang`` (accepts, never
    answers), ``reset`` (the connection torn down).
    """

    def __init__(self, upstream_port: int) -> None:
        self.upstream_port = upstream_port
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.mode: str | None = None
        self.requests = 0
        self._hung: list[socket.socket] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(client,), daemon=True).start()

    def _serve(self, client: socket.socket) -> None:
        mode = self.mode
        if mode is None:
            upstream = socket.create_connection(("127.0.0.1", self.upstream_port))
            threading.Thread(target=_pipe, args=(client, upstream), daemon=True).start()
            _pipe(upstream, client)
            return
        try:
            _read_request(client)
            self.requests += 1
            self._misbehave(client, mode)
        except OSError:
            pass
        if mode != "hang":
            with contextlib.suppress(OSError):
                client.close()

    def _misbehave(self, client: socket.socket, mode: str) -> None:
        if mode == "hang":
            self._hung.append(client)  # kept open, never answered
        elif mode == "reset":
            client.setsockopt(
                socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00"
            )
        elif mode in ("truncated", "halfjson"):
            body = b'{"epoch":"0123456789abcdef","last_seq":3,"results":[{"id":"01'
            declared = len(body) + 400 if mode == "truncated" else len(body)
            client.sendall(_head(200, "application/json", declared) + body)
        elif mode == "junk":
            body = b"\x00junk" * (2 * 1024 * 1024)
            client.sendall(_head(200, "application/json", len(body)) + body)
        elif mode == "huge":
            client.sendall(_head(200, "application/json", None))
            chunk = b"[" * 65536
            for _ in range(40 * 16):  # 40 MB, past the desk's 32 MB limit
                client.sendall(chunk)
        elif mode == "html":
            body = b"<!DOCTYPE html><html><body>Sign in to Library Wi-Fi</body></html>"
            client.sendall(_head(200, "text/html; charset=utf-8", len(body)) + body)
        elif mode == "redirect":
            client.sendall(
                b"HTTP/1.1 302 Found\r\nLocation: http://portal.invalid/\r\n"
                b"Content-Length: 0\r\nConnection: close\r\n\r\n"
            )

    def close(self) -> None:
        self.listener.close()
        for s in self._hung:
            with contextlib.suppress(OSError):
                s.close()


def _head(status: int, kind: str, length: int | None) -> bytes:
    lines = [f"HTTP/1.1 {status} OK", f"Content-Type: {kind}", "Connection: close"]
    if length is not None:
        lines.append(f"Content-Length: {length}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def _read_request(client: socket.socket) -> None:
    data = b""
    while b"\r\n\r\n" not in data:
        got = client.recv(65536)
        if not got:
            return
        data += got
    head, _, rest = data.partition(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n"):
        if line.lower().startswith(b"content-length:"):
            length = int(line.split(b":", 1)[1])
    while len(rest) < length:
        got = client.recv(65536)
        if not got:
            return
        rest += got


def _pipe(src: socket.socket, dst: socket.socket) -> None:
    try:
        while data := src.recv(65536):
            dst.sendall(data)
    except OSError:
        pass
    for s in (src, dst):
        with contextlib.suppress(OSError):
            s.shutdown(socket.SHUT_RDWR)
        s.close()
