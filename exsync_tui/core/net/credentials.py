"""The last line of defence: credentials only go to hosts the user agreed to.

Connect, the doctor and (later) sync decide which hosts may receive the
password: the user's own domain, a server they typed, a redirect they
confirmed. They record that decision here (:func:`credentials_scope`), and the
one HTTP adapter calls :func:`guard_credentials` before every request: a request
that carries an ``Authorization`` header is refused unless its URL passes
:func:`~exsync_tui.core.net.urls.check_url`, goes over https (or to loopback),
and the host it really connects to is granted. No code path, present or future,
can send credentials around this check, because every request goes through the
adapter.

Grants are process-wide (exchangelib may run requests on any thread) and
counted, so overlapping attempts that grant the same domain do not undo each
other. A grant for ``example.com`` covers its subdomains, as the autodiscover
trust rule does; an IP address covers itself only.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from exsync_tui.core.net.errors import CredentialsRefusedError
from exsync_tui.core.net.urls import (
    UnsafeAddressError,
    check_host,
    check_url,
    ip_address_of,
    is_loopback_host,
    wire_host,
)

_CREDENTIAL_HEADERS = ("authorization", "proxy-authorization")
"""requests_ntlm answers a proxy's 407 with the mailbox's NTLM handshake in Proxy-Authorization."""


def covered(host: str, names: Iterable[str]) -> bool:
    """True when ``host`` is one of ``names`` or below a domain among them (not below an IP)."""
    names = set(names)
    if host in names:
        return True
    if ip_address_of(host) is not None:
        return False
    return any(host.endswith(f".{name}") for name in names if ip_address_of(name) is None)


class CredentialGrants:
    """Thread-safe, counted set of domains and addresses that may receive credentials."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._granted: Counter[str] = Counter()

    def add(self, names: Iterable[str]) -> None:
        """Grant each name (already checked by :func:`check_host`) once more."""
        with self._lock:
            self._granted.update(names)

    def remove(self, names: Iterable[str]) -> None:
        """Take back one grant of each name."""
        with self._lock:
            self._granted.subtract(names)
            self._granted = +self._granted  # drop names counted down to zero

    def allows(self, host: str) -> bool:
        """True when ``host`` (normalised) is granted, itself or through a parent domain."""
        with self._lock:
            granted = set(self._granted)
        return covered(host, granted)


GRANTS = CredentialGrants()


class CredentialScope:
    """The grants of one attempt; more are added as the user confirms them."""

    def __init__(self, grants: CredentialGrants) -> None:
        self._grants = grants
        self._names: list[str] = []

    def allow(self, host_or_domain: str) -> None:
        """Let credentials go to ``host_or_domain`` (and its subdomains) until :meth:`close`."""
        name = check_host(host_or_domain)
        self._grants.add([name])
        self._names.append(name)

    def covers(self, host: str) -> bool:
        """True when this scope granted ``host`` (a normalised host), itself or its domain."""
        return covered(host, self._names)

    def close(self) -> None:
        """Take back every grant this scope made."""
        self._grants.remove(self._names)
        self._names = []


@contextmanager
def credentials_scope(
    hosts: Iterable[str] = (), grants: CredentialGrants = GRANTS
) -> Iterator[CredentialScope]:
    """Grant ``hosts`` for the block; the scope can grant more as they are confirmed."""
    scope = CredentialScope(grants)
    try:
        for host in hosts:
            scope.allow(host)
        yield scope
    finally:
        scope.close()


def carries_credentials(headers: Mapping[str, Any]) -> bool:
    """True when a request's headers hold credentials for the server."""
    return any(name.lower() in _CREDENTIAL_HEADERS for name in headers)


def guard_credentials(
    url: str | None,
    headers: Mapping[str, Any],
    grants: CredentialGrants = GRANTS,
    *,
    proxied: bool = False,
) -> None:
    """Raise CredentialsRefusedError unless a request with these headers may go to ``url``.

    ``proxied``: the request goes through a proxy, so plain http is never private,
    not even to this machine's loopback.
    """
    if not carries_credentials(headers):
        return
    try:
        # check_url also requires urllib3's reading of the host (where the request
        # goes) to equal its own: checked.host is the host connected to.
        checked = check_url(url or "")
    except UnsafeAddressError as error:
        raise CredentialsRefusedError(wire_host(url), error.reason) from error
    host = checked.host
    if checked.scheme != "https" and (proxied or not is_loopback_host(host)):
        raise CredentialsRefusedError(host, "passwords only go over https://")
    if not grants.allows(host):
        raise CredentialsRefusedError(host, "that server was never confirmed")
