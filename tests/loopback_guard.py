"""A safety net for every test (a plugin of tests/conftest.py): nothing may leave loopback,
not even a DNS query (this machine's resolver is on a private address).

Every socket connect/sendto and every name lookup is checked; anything aimed
outside 127.0.0.0/8 and ::1 is refused *and* recorded, and the test fails at
teardown even if the code under test swallowed the error. The routing view is
pinned to a typical machine (a default route and one local subnet), so that
whether an internal address "has a route" never depends on the machine the
tests run on.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Iterator
from typing import Any

import pytest

from exsync_tui.core.net import set_route_table_source
from exsync_tui.core.net.routes import RouteTable, route_table_from_text

UNROUTABLE_PRIVATE = "10.255.255.1"
"""A private address the pinned route table has no route to: exsync must never dial it."""

# A machine on 192.0.2.0/24 (TEST-NET-1) with a default gateway and no VPN.
TYPICAL_IPV4_ROUTES = """\
Iface	Destination	Gateway 	Flags	RefCnt	Use	Metric	Mask		MTU	Window	IRTT
eth0	00000000	010200C0	0003	0	0	0	00000000	0	0	0
eth0	000200C0	00000000	0001	0	0	0	00FFFFFF	0	0	0
"""


def typical_route_table() -> RouteTable:
    """The pinned routing view (no route to 10/8, 172.16/12, 192.168/16, 100.64/10)."""
    return route_table_from_text(TYPICAL_IPV4_ROUTES, "", interfaces=("lo", "eth0"))


def _is_loopback(host: Any) -> bool:
    if host in ("localhost", "localhost.", "", None):
        return True
    try:
        return ipaddress.ip_address(str(host).split("%", 1)[0]).is_loopback
    except ValueError:
        return False


def _is_literal(host: Any) -> bool:
    try:
        ipaddress.ip_address(str(host).split("%", 1)[0])
    except ValueError:
        return False
    return True


class LoopbackGuard:
    """Records every attempt to reach beyond loopback."""

    def __init__(self) -> None:
        self.violations: list[str] = []
        self.connect_attempts: list[str] = []

    def check_address(self, what: str, address: Any) -> None:
        if isinstance(address, tuple) and address:
            host = address[0]
            self.connect_attempts.append(f"{what} {host}")
            if not _is_loopback(host):
                self.violations.append(f"{what} to {address!r}")
                raise PermissionError(f"test guard: {what} to {address!r} is outside loopback")

    def attempted(self, address: str) -> bool:
        """Whether anything tried to connect or send to ``address`` (refused or not)."""
        return any(address in attempt for attempt in self.connect_attempts)

    def check_lookup(self, what: str, host: Any, *, reverse: bool = False) -> None:
        """Refuse a name lookup the system resolver would answer from the network.

        A literal address needs no lookup, except a reverse one (a PTR query).
        """
        if isinstance(host, bytes):
            host = host.decode()
        if _is_loopback(host) or (_is_literal(host) and not reverse):
            return
        self.violations.append(f"{what}({host!r})")
        raise socket.gaierror(socket.EAI_NONAME, f"test guard: no lookups of {host!r}")


@pytest.fixture(autouse=True)
def loopback_only(monkeypatch: pytest.MonkeyPatch) -> Iterator[LoopbackGuard]:
    """Refuse and record non-loopback traffic; pin the routing table view."""
    guard = LoopbackGuard()
    original_connect = socket.socket.connect
    original_connect_ex = socket.socket.connect_ex
    original_sendto = socket.socket.sendto
    original_getaddrinfo = socket.getaddrinfo
    original_gethostbyname = socket.gethostbyname
    original_gethostbyname_ex = socket.gethostbyname_ex
    original_gethostbyaddr = socket.gethostbyaddr
    original_getnameinfo = socket.getnameinfo

    def connect(self: socket.socket, address: Any) -> None:
        guard.check_address("connect", address)
        original_connect(self, address)

    def connect_ex(self: socket.socket, address: Any) -> int:
        guard.check_address("connect", address)
        return original_connect_ex(self, address)

    def sendto(self: socket.socket, data: Any, *args: Any) -> int:
        guard.check_address("sendto", args[-1])
        return original_sendto(self, data, *args)

    def getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
        guard.check_lookup("getaddrinfo", host)
        return original_getaddrinfo(host, *args, **kwargs)

    def gethostbyname(host: str) -> str:
        guard.check_lookup("gethostbyname", host)
        return original_gethostbyname(host)

    def gethostbyname_ex(host: str) -> Any:
        guard.check_lookup("gethostbyname_ex", host)
        return original_gethostbyname_ex(host)

    def gethostbyaddr(host: str) -> Any:  # also what socket.getfqdn() calls
        guard.check_lookup("gethostbyaddr", host, reverse=True)
        return original_gethostbyaddr(host)

    def getnameinfo(address: Any, flags: int) -> Any:
        if not flags & socket.NI_NUMERICHOST:
            guard.check_lookup("getnameinfo", address[0], reverse=True)
        return original_getnameinfo(address, flags)

    monkeypatch.setattr(socket.socket, "connect", connect)
    monkeypatch.setattr(socket.socket, "connect_ex", connect_ex)
    monkeypatch.setattr(socket.socket, "sendto", sendto)
    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    monkeypatch.setattr(socket, "gethostbyname", gethostbyname)
    monkeypatch.setattr(socket, "gethostbyname_ex", gethostbyname_ex)
    monkeypatch.setattr(socket, "gethostbyaddr", gethostbyaddr)
    monkeypatch.setattr(socket, "getnameinfo", getnameinfo)
    set_route_table_source(typical_route_table)
    try:
        yield guard
    finally:
        set_route_table_source(None)
    assert guard.violations == [], f"traffic outside loopback: {guard.violations}"
