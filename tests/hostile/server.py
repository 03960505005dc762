"""A hostile Exchange impostor on loopback: HTTPS and HTTP listeners, DNS, and a request record.

Tests reach it under real-looking names (``hostile.test``, ``autodiscover.hostile.test``,
``mail.hostile.test`` and any ``extra_hosts``) through connect-to rules, and its DNS
responder answers the SRV lookup (no record unless ``srv_target`` is given), so
nothing leaves loopback. Each request is recorded with its host, path and
whether it carried credentials *before* the behaviour answers, so a test can
assert on the server side what reached which host.

The certificate (from the sandbox's throwaway CA) covers every name it serves;
trust it with ``ca_file``.
"""

from __future__ import annotations

import contextlib
import tempfile
import threading
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from exsync_tui.core.connect import ConnectRequest
from exsync_tui.sandbox.dns_responder import DnsResponder
from exsync_tui.sandbox.httpserver import Request, Response, SandboxHTTPServer, start_server
from exsync_tui.sandbox.httpserver import _Handler as SandboxHandler
from exsync_tui.sandbox.runtime import Switches
from exsync_tui.sandbox.tls import ServerTLS
from tests.hostile.behaviours import DOMAIN, Behaviour, Reply, Rule, answer

PASSWORD = "hostile-canary-Pa55word"


@dataclass(frozen=True)
class Seen:
    """One request the hostile server received."""

    scheme: str  # "https" or "http"
    host: str
    path: str
    method: str
    authorization: str  # the scheme word of the Authorization header ("Basic", "NTLM"), or ""

    @property
    def credentialed(self) -> bool:
        """True when the request carried an Authorization header."""
        return bool(self.authorization)


class _HostileHandler(SandboxHandler):
    """The sandbox's handler (TLS handshake per connection), answering through behaviours."""

    server: _HostileHTTPServer

    def _serve(self) -> None:
        length = self.headers.get("Content-Length")
        body = self.rfile.read(int(length)) if length else b""
        request = Request(self.command, self.path, self.headers, body, self.connection_auth, 0)
        self.server.owner.dispatch(request, Reply(self, self.server.owner.stopping), self.server)

    do_GET = do_POST = do_HEAD = do_OPTIONS = do_PUT = do_DELETE = _serve


class _HostileHTTPServer(SandboxHTTPServer):
    """A listener of :class:`HostileServer`; ``scheme`` says which."""

    def __init__(self, owner: HostileServer, scheme: str, tls: ServerTLS | None) -> None:
        context = (lambda: tls.context) if tls is not None else None
        super().__init__(("127.0.0.1", 0), _unused_app, context)
        self.RequestHandlerClass = _HostileHandler
        self.owner = owner
        self.scheme = scheme


def _unused_app(request: Request) -> Response:
    raise AssertionError("the hostile server answers through behaviours")


class HostileServer:
    """Serves behaviours under ``domain`` names on 127.0.0.1; use as a context manager."""

    def __init__(
        self,
        domain: str = DOMAIN,
        extra_hosts: tuple[str, ...] = (),
        *,
        srv_target: str | None = None,
        srv_port: int = 443,
    ) -> None:
        self.domain = domain
        self.hosts = (domain, f"autodiscover.{domain}", f"mail.{domain}", *extra_hosts)
        self.stopping = threading.Event()
        self.seen: list[Seen] = []
        self._rules: list[Rule] = []
        self._default: Behaviour = answer(404)
        self._lock = threading.Lock()
        self._directory = tempfile.TemporaryDirectory(prefix="exsync-hostile-")
        names = [*self.hosts, f"*.{domain}", "127.0.0.1"]
        self._tls = ServerTLS(Path(self._directory.name), names)
        self._https = _HostileHTTPServer(self, "https", self._tls)
        self._http = _HostileHTTPServer(self, "http", None)
        switches = Switches(srv=srv_target is not None, srv_target=srv_target, srv_port=srv_port)
        self._dns = DnsResponder("127.0.0.1", 0, domain, switches)

    # -- lifecycle ---------------------------------------------------------------------------

    def __enter__(self) -> HostileServer:
        start_server(self._https, "hostile-https")
        start_server(self._http, "hostile-http")
        self._dns.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stopping.set()
        for server in (self._https, self._http):
            server.shutdown()
            server.close_connections()
            server.server_close()
        self._dns.stop()
        self._directory.cleanup()

    # -- what it does ------------------------------------------------------------------------

    def behave(self, behaviour: Behaviour, *, host: str | None = None, path: str = "/") -> None:
        """Answer requests to ``host`` (any) under ``path`` with ``behaviour`` (newest wins)."""
        with self._lock:
            self._rules.insert(0, Rule(behaviour, host, path.lower()))

    def dispatch(self, request: Request, reply: Reply, listener: _HostileHTTPServer) -> None:
        """Record ``request``, then answer it with the first matching behaviour."""
        authorization = (request.headers.get("Authorization") or "").split(" ", 1)[0]
        with self._lock:
            self.seen.append(
                Seen(listener.scheme, request.host, request.path, request.method, authorization)
            )
            rule = next((rule for rule in self._rules if rule.matches(request)), None)
        (rule.behaviour if rule else self._default)(request, reply)

    def credentialed_hosts(self) -> set[str]:
        """Every host that received a request carrying credentials."""
        with self._lock:
            return {seen.host for seen in self.seen if seen.credentialed}

    # -- how clients reach it ----------------------------------------------------------------

    @property
    def ca_file(self) -> str:
        """The CA certificate to trust (PEM)."""
        return str(self._tls.ca_file)

    @property
    def dns_server(self) -> str:
        """``127.0.0.1:PORT`` of its DNS responder."""
        return f"127.0.0.1:{self._dns.port}"

    @property
    def https_port(self) -> int:
        """The HTTPS listener's port."""
        return int(self._https.server_address[1])

    @property
    def http_port(self) -> int:
        """The plain HTTP listener's port."""
        return int(self._http.server_address[1])

    def connect_to(self) -> tuple[str, ...]:
        """Rules sending every served name's ports 443 and 80 to the listeners."""
        rules = [f"{host}:443:127.0.0.1:{self.https_port}" for host in self.hosts]
        rules += [f"{host}:80:127.0.0.1:{self.http_port}" for host in self.hosts]
        return tuple(rules)

    def request(self, **overrides: Any) -> ConnectRequest:
        """A connect request for ``user@domain`` reaching this server (autodiscover by default)."""
        request = ConnectRequest(
            email=f"user@{self.domain}",
            password=PASSWORD,
            ca_file=self.ca_file,
            connect_to=self.connect_to(),
            dns_server=self.dns_server,
        )
        return replace(request, **overrides)


@contextlib.contextmanager
def hostile_server(**kwargs: Any) -> Iterator[HostileServer]:
    """A started :class:`HostileServer`, stopped afterwards."""
    with HostileServer(**kwargs) as server:
        yield server
