"""A threaded HTTP/1.1 (keep-alive) server, optionally TLS, that hands requests to an app.

TLS handshakes run in the per-connection thread, never in the accept loop, and the context is
read per connection so a rotated certificate applies to new connections at once.
"""

from __future__ import annotations

import contextlib
import socket
import ssl
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

from exsync_tui.sandbox.auth import ConnectionAuth


@dataclass
class Request:
    """One HTTP request as the apps see it."""

    method: str
    target: str
    headers: Any  # http.client.HTTPMessage
    body: bytes
    connection: ConnectionAuth
    port: int

    @property
    def path(self) -> str:
        """The path, lower-cased: Exchange paths are case-insensitive."""
        return urlsplit(self.target).path.lower().rstrip("/") or "/"

    @property
    def query(self) -> str:
        """The raw query string."""
        return urlsplit(self.target).query

    @property
    def host(self) -> str:
        """The Host header without the port, lower-cased."""
        value = (self.headers.get("Host") or "").strip().lower()
        if value.startswith("["):
            return value[1 : value.find("]")]
        return value.rsplit(":", 1)[0] if value.count(":") == 1 else value


@dataclass
class Response:
    """What to send back; `action` "drop" or "hang" misbehaves on purpose."""

    status: int
    body: bytes = b""
    content_type: str = "text/xml; charset=utf-8"
    headers: list[tuple[str, str]] = field(default_factory=list)
    close: bool = False
    action: str | None = None
    hang_until: threading.Event | None = None


App = Callable[[Request], Response]


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "Microsoft-IIS/10.0"
    sys_version = ""
    timeout = 120
    # Headers and body leave in two writes; with Nagle on, the body waits for the
    # client's delayed ACK (40 ms on Linux) and every small answer takes that long.
    disable_nagle_algorithm = True
    server: SandboxHTTPServer

    def setup(self) -> None:
        super().setup()
        self.connection_auth = ConnectionAuth()
        if isinstance(self.request, ssl.SSLSocket):
            try:
                self.request.do_handshake()
            except (ssl.SSLError, OSError):
                self.close_connection = True
                raise ConnectionAbortedError from None

    def handle(self) -> None:
        with contextlib.suppress(ConnectionError, TimeoutError, ssl.SSLError, OSError):
            super().handle()

    def version_string(self) -> str:
        return self.server_version

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        return  # the request log records what tests need; stderr stays quiet

    def _serve(self) -> None:
        length = self.headers.get("Content-Length")
        body = self.rfile.read(int(length)) if length else b""
        request = Request(
            self.command,
            self.path,
            self.headers,
            body,
            self.connection_auth,
            self.server.server_address[1],
        )
        response = self.server.app(request)
        if response.action == "drop":
            self.close_connection = True
            self._abort()
            return
        if response.action == "hang":
            assert response.hang_until is not None
            response.hang_until.wait()
            self.close_connection = True
            self._abort()
            return
        self.send_response(response.status)
        for name, value in response.headers:
            self.send_header(name, value)
        payload = response.body if self.command != "HEAD" else b""
        if response.body or response.status != 204:
            self.send_header("Content-Type", response.content_type)
        self.send_header("Content-Length", str(len(response.body)))
        if response.close:
            self.send_header("Connection", "close")
            self.close_connection = True
        self.end_headers()
        self.wfile.write(payload)
        self.wfile.flush()

    def _abort(self) -> None:
        with contextlib.suppress(OSError):
            self.request.shutdown(socket.SHUT_RDWR)

    do_GET = do_POST = do_HEAD = do_OPTIONS = do_PUT = do_DELETE = do_PATCH = _serve


class SandboxHTTPServer(ThreadingHTTPServer):
    """The listener; tracks open connections so stopping can close idle keep-alives."""

    daemon_threads = True
    block_on_close = False
    allow_reuse_address = True

    def __init__(
        self,
        address: tuple[str, int],
        app: App,
        tls_context: Callable[[], ssl.SSLContext] | None = None,
    ) -> None:
        self.app = app
        self._tls_context = tls_context
        self._open: set[socket.socket] = set()
        self._open_lock = threading.Lock()
        self.address_family = socket.AF_INET6 if ":" in address[0] else socket.AF_INET
        super().__init__(address, _Handler)

    def get_request(self) -> tuple[socket.socket, Any]:
        sock, address = super().get_request()
        if self._tls_context is not None:
            sock = self._tls_context().wrap_socket(
                sock, server_side=True, do_handshake_on_connect=False
            )
        with self._open_lock:
            self._open.add(sock)
        return sock, address

    def shutdown_request(self, request: Any) -> None:
        with self._open_lock:
            self._open.discard(request)
        super().shutdown_request(request)

    def close_connections(self) -> None:
        """Close every open connection (idle keep-alives and ones being served)."""
        with self._open_lock:
            sockets = list(self._open)
        for sock in sockets:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)

    def handle_error(self, request: Any, client_address: Any) -> None:
        return  # a client hanging up mid-request is normal here


def start_server(server: SandboxHTTPServer, name: str) -> threading.Thread:
    """Serve in a daemon thread."""
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, name=name, daemon=True
    )
    thread.start()
    return thread
