"""A safety net for the network tests: nothing may leave loopback, not even a DNS query.

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


@pytest.fixture(autouse=True)
def loopback_only(monkeypatch: pytest.MonkeyPatch) -> Iterator[LoopbackGuard]:
    """Refuse and record non-loopback traffic; pin the routing table view."""
    guard = LoopbackGuard()
    original_connect = socket.socket.connect
    original_connect_ex = socket.socket.connect_ex
    original_sendto = socket.socket.sendto
    original_getaddrinfo = socket.getaddrinfo

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
        if isinstance(host, bytes):
            host = host.decode()
        if not _is_loopback(host) and not _is_literal(host):
            guard.violations.append(f"getaddrinfo({host!r})")
            raise socket.gaierror(socket.EAI_NONAME, f"test guard: no lookups of {host!r}")
        return original_getaddrinfo(host, *args, **kwargs)

    monkeypatch.setattr(socket.socket, "connect", connect)
    monkeypatch.setattr(socket.socket, "connect_ex", connect_ex)
    monkeypatch.setattr(socket.socket, "sendto", sendto)
    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    set_route_table_source(typical_route_table)
    try:
        yield guard
    finally:
        set_route_table_source(None)
    assert guard.violations == [], f"traffic outside loopback: {guard.violations}"
