"""An HTTPS proxy from the environment: connecting goes through it, and the doctor says so."""

from __future__ import annotations

import contextlib
import socket
import socketserver
import threading
from collections.abc import Iterator

import pytest

from exsync_tui.sandbox import Sandbox
from tests.connect.helpers import run_connect, sandbox_request
from tests.diagnose.helpers import main_statuses, run_doctor


class ConnectProxy(socketserver.ThreadingTCPServer):
    """A minimal CONNECT proxy on loopback that sends every tunnel to the sandbox."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, upstream_port: int) -> None:
        self.upstream_port = upstream_port
        self.targets: list[str] = []
        super().__init__(("127.0.0.1", 0), _TunnelHandler)


class _TunnelHandler(socketserver.StreamRequestHandler):
    server: ConnectProxy

    def handle(self) -> None:
        request_line = self.rfile.readline().decode("latin-1").strip()
        while self.rfile.readline() not in (b"\r\n", b"\n", b""):
            pass
        method, target, _ = request_line.split(" ", 2)
        self.server.targets.append(target)
        if method != "CONNECT":
            self.wfile.write(b"HTTP/1.1 405 Method Not Allowed\r\nContent-Length: 0\r\n\r\n")
            return
        upstream = socket.create_connection(("127.0.0.1", self.server.upstream_port))
        self.wfile.write(b"HTTP/1.1 200 Connection established\r\n\r\n")
        self.wfile.flush()
        pump = threading.Thread(target=_copy, args=(upstream, self.connection), daemon=True)
        pump.start()
        _copy(self.connection, upstream)
        pump.join(timeout=5)
        upstream.close()


def _copy(source: socket.socket, target: socket.socket) -> None:
    with contextlib.suppress(OSError):
        while data := source.recv(65536):
            target.sendall(data)
    with contextlib.suppress(OSError):
        target.shutdown(socket.SHUT_WR)


@pytest.fixture
def proxy(sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch) -> Iterator[ConnectProxy]:
    server = ConnectProxy(sandbox.info.port)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    for name in ("NO_PROXY", "no_proxy", "HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HTTPS_PROXY", f"http://127.0.0.1:{server.server_address[1]}")
    yield server
    server.shutdown()
    server.server_close()
    thread.join()


def test_connecting_goes_through_the_proxy_from_the_environment(
    sandbox: Sandbox, proxy: ConnectProxy
) -> None:
    # No connect-to and no nameserver: only the proxy knows where mail.example.com is.
    request = sandbox_request(sandbox, server="mail.example.com", connect_to=(), dns_server=None)

    outcome, _ = run_connect(request)

    assert outcome.ok, outcome.diagnosis
    assert proxy.targets and set(proxy.targets) == {"mail.example.com:443"}


def test_the_doctor_says_the_proxy_resolves_names_and_checks_the_proxy(
    sandbox: Sandbox, proxy: ConnectProxy
) -> None:
    request = sandbox_request(sandbox, server="mail.example.com", connect_to=(), dns_server=None)

    diagnosis, _ = run_doctor(request)

    assert diagnosis.ok, diagnosis
    statuses = main_statuses(diagnosis)
    assert (statuses["Name resolution"], statuses["TCP connection"], statuses["TLS"]) == (
        "ok",
        "ok",
        "skip",
    )
    name = next(step for step in diagnosis.steps if step.name == "Name resolution")
    assert "proxy" in name.detail and "not this machine" in name.detail
    tcp = next(step for step in diagnosis.steps if step.name == "TCP connection")
    assert "(the proxy)" in tcp.detail
