"""The one HTTP adapter every exsync request goes through, exchangelib's included.

exchangelib takes an adapter *class* (``BaseProtocol.HTTP_ADAPTER_CLS``),
process-wide, so everything per host is decided here at request time from
:data:`~exsync_tui.core.net.policy.REGISTRY`:

- where the TCP connection goes (connect-to rule, nameserver, system DNS),
  while Host header, TLS server name and certificate check keep the real name;
- never dialling an internal address without a route (:mod:`.guard`);
- TLS trust: a CA file instead of the system store, or a SHA-256 pin of the
  server's certificate (then no CA check: the pin is stricter);
- the thread's :class:`~exsync_tui.core.net.scope.NetScope`: cancel, timeouts and the deadline;
- credentials only to granted hosts (:mod:`.credentials`), decided on the host
  the request really connects to, before anything is sent;
- the answer: read within a size cap, the deadline, and without a DTD (:mod:`.bounded`).

Proxies come from the environment (``HTTPS_PROXY``, ``NO_PROXY``) through
requests itself; through a proxy, the proxy resolves the target name.
"""

from __future__ import annotations

import socket
import threading
from typing import Any

from requests import PreparedRequest, Response
from requests.adapters import HTTPAdapter
from requests.utils import select_proxy
from urllib3 import PoolManager
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.exceptions import ConnectTimeoutError, NameResolutionError, NewConnectionError

from exsync_tui.core.net.bounded import (
    EWS_RESPONSE_MAX_BYTES,
    SMALL_RESPONSE_MAX_BYTES,
    bounded,
)
from exsync_tui.core.net.credentials import guard_credentials
from exsync_tui.core.net.dial import DialCancelled, NoUsableAddress, open_connection
from exsync_tui.core.net.errors import (
    CancelledByUserError,
    DeadlineExceededError,
    NameNotFoundError,
    UnroutableAddressError,
)
from exsync_tui.core.net.policy import REGISTRY
from exsync_tui.core.net.scope import NetScope, current_scope
from exsync_tui.core.net.urls import wire_host


def _open_socket(conn: HTTPConnection) -> socket.socket:
    """Open the TCP connection for ``conn`` through :func:`open_connection`.

    Errors become the urllib3 errors requests and exchangelib expect, keeping
    the original as the cause so the doctor can still tell them apart.
    """
    host = conn._dns_host  # the name to resolve; the proxy's name when tunnelling
    timeout = conn.timeout if isinstance(conn.timeout, int | float) else None
    try:
        dialled = open_connection(
            host,
            conn.port or 0,
            timeout,
            source_address=conn.source_address,
            socket_options=conn.socket_options,
        )
    except DialCancelled as error:
        raise CancelledByUserError(conn) from error
    except NameNotFoundError as error:
        gaierror = socket.gaierror(socket.EAI_NONAME, str(error))
        raise NameResolutionError(host, conn, gaierror) from error
    except NoUsableAddress as error:
        addresses = tuple(verdict.address for verdict in error.verdicts)
        raise UnroutableAddressError(conn, host, addresses) from error
    except TimeoutError as error:
        message = f"Connection to {host} timed out. (connect timeout={timeout})"
        raise ConnectTimeoutError(conn, message) from error
    except OSError as error:
        message = f"Failed to establish a new connection: {error}"
        raise NewConnectionError(conn, message) from error
    _track(conn)
    return dialled.sock


def _track(conn: HTTPConnection) -> None:
    scope = current_scope()
    if scope is not None:
        scope.track(conn)


class MappedHTTPConnection(HTTPConnection):
    """An HTTP connection that opens its socket through :func:`_open_socket`."""

    def _new_conn(self) -> socket.socket:
        return _open_socket(self)


class MappedHTTPSConnection(HTTPSConnection):
    """An HTTPS connection that opens its socket through :func:`_open_socket`."""

    def _new_conn(self) -> socket.socket:
        return _open_socket(self)

    def connect(self) -> None:
        super().connect()
        # Tracked again once TLS is up: an abort while the plain socket was being
        # wrapped found no socket to shut; tracking re-aborts a cancelled scope.
        _track(self)


class MappedHTTPConnectionPool(HTTPConnectionPool):
    """Pool of :class:`MappedHTTPConnection`."""

    ConnectionCls = MappedHTTPConnection


class MappedHTTPSConnectionPool(HTTPSConnectionPool):
    """Pool of :class:`MappedHTTPSConnection`."""

    ConnectionCls = MappedHTTPSConnection


def _use_mapped_pools(manager: PoolManager) -> None:
    manager.pool_classes_by_scheme = {
        "http": MappedHTTPConnectionPool,
        "https": MappedHTTPSConnectionPool,
    }


class ExsyncHTTPAdapter(HTTPAdapter):
    """requests adapter applying exsync's per-host network policy (exchangelib uses it too).

    ``max_response_bytes`` caps every answer read through it (a scope's own cap
    can only lower it); exsync's own requests are small, exchangelib gets
    :class:`EwsHTTPAdapter`.
    """

    max_response_bytes: int = SMALL_RESPONSE_MAX_BYTES

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        _use_mapped_pools(self.poolmanager)

    def proxy_manager_for(self, proxy: str, **proxy_kwargs: Any) -> Any:
        manager = super().proxy_manager_for(proxy, **proxy_kwargs)
        if isinstance(manager, PoolManager):
            _use_mapped_pools(manager)
        return manager

    @staticmethod
    def _verify_for(url: str | None, verify: Any) -> Any:
        if verify is False:
            return False
        policy = REGISTRY.lookup(wire_host(url))
        if policy.pin_sha256:
            return False  # the fingerprint check below replaces the CA check
        if policy.ca_file:
            return policy.ca_file
        return verify

    def build_connection_pool_key_attributes(
        self, request: PreparedRequest, verify: Any, cert: Any = None
    ) -> tuple[dict[str, Any], dict[str, Any]]:
        host_params, pool_kwargs = super().build_connection_pool_key_attributes(
            request, self._verify_for(request.url, verify), cert
        )
        policy = REGISTRY.lookup(wire_host(request.url))
        if policy.pin_sha256 and host_params.get("scheme") == "https":
            pool_kwargs["cert_reqs"] = "CERT_NONE"
            pool_kwargs["assert_fingerprint"] = policy.pin_sha256
        return host_params, pool_kwargs

    def cert_verify(self, conn: Any, url: str, verify: Any, cert: Any) -> None:
        super().cert_verify(conn, url, self._verify_for(url, verify), cert)

    def send(
        self,
        request: PreparedRequest,
        stream: bool = False,
        timeout: Any = None,
        verify: Any = True,
        cert: Any = None,
        proxies: Any = None,
    ) -> Response:
        proxied = select_proxy(request.url or "", proxies or {}) is not None
        guard_credentials(request.url, request.headers, proxied=proxied)
        scope = current_scope()
        if scope is not None:
            if scope.cancelled:
                from requests.exceptions import ConnectionError as RequestsConnectionError

                raise RequestsConnectionError(CancelledByUserError(), request=request)
            scope.check_deadline()
            timeout = scope.clamp(timeout)
        try:
            return super().send(request, stream, timeout, verify, cert, proxies)
        except Exception as error:
            if scope is not None and _ended_by_deadline(scope, error):
                raise DeadlineExceededError(scope.budget_s) from error
            raise

    def build_response(self, req: PreparedRequest, resp: Any) -> Response:
        scope = current_scope()
        limit = self.max_response_bytes
        if scope is not None and scope.max_response_bytes is not None:
            limit = min(limit, scope.max_response_bytes)
        return bounded(super().build_response(req, resp), limit, scope)


class EwsHTTPAdapter(ExsyncHTTPAdapter):
    """The adapter exchangelib gets: EWS answers may carry whole messages (a larger cap)."""

    max_response_bytes = EWS_RESPONSE_MAX_BYTES


def _ended_by_deadline(scope: NetScope, error: Exception) -> bool:
    """True when the scope's deadline, not the server, is what ended the request.

    At the deadline the watchdog shuts the sockets down, which surfaces as a
    broken connection; the user must hear "too slow", not "connection reset".
    """
    return scope.expired and not isinstance(error, DeadlineExceededError)


_install_lock = threading.Lock()


def install_adapter() -> None:
    """Make exchangelib use :class:`EwsHTTPAdapter` (idempotent, process-wide)."""
    from exchangelib.protocol import BaseProtocol

    with _install_lock:
        BaseProtocol.HTTP_ADAPTER_CLS = EwsHTTPAdapter
        if not getattr(BaseProtocol.raw_session, "exsync_mounts_everywhere", False):
            BaseProtocol.raw_session = _mounting_everywhere(BaseProtocol.raw_session)
        BaseProtocol.decrease_poolsize = _keep_pool_size  # type: ignore[method-assign]


def _keep_pool_size(self: Any) -> None:
    """exchangelib's answer to ErrorServerBusy, shrinking its session pool, made a no-op.

    exchangelib 5.6's ``decrease_poolsize`` holds the pool's lock while it takes a
    session out; when every session is in use it tries to grow the pool first, which
    takes the same (non-reentrant) lock: the thread deadlocks, and every other one
    after it. Two busy answers to concurrent requests were enough (a whole sync hung).
    exsync bounds its requests in flight itself (``max_connections``) and backs off
    through its own retry policy, so the smaller pool bought nothing.
    """


def _mounting_everywhere(raw_session: Any) -> Any:
    """exchangelib's session factory, with its adapter also mounted for every http(s) URL.

    exchangelib mounts the adapter on the EWS URL only; requests re-quotes a URL's
    path before choosing an adapter, so ``/%45WS/...`` would match no mount and go
    out through requests' default adapter: no credential gate, pins or route guard.
    """
    original = raw_session.__func__

    def mounted(cls: Any, prefix: str, *args: Any, **kwargs: Any) -> Any:
        session = original(cls, prefix, *args, **kwargs)
        adapter = session.adapters.get(prefix)
        if adapter is not None:
            session.mount("https://", adapter)
            session.mount("http://", adapter)
        return session

    mounted.exsync_mounts_everywhere = True  # type: ignore[attr-defined]
    return classmethod(mounted)
