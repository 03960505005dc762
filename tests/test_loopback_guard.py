"""The suite-wide loopback guard refuses, before anything is sent, and records what it refused.

Every address below is refused by the guard before the real call, so these
tests send nothing; each clears the recorded violations it caused on purpose.
"""

from __future__ import annotations

import socket

import pytest

from exsync_tui.core.net.routes import current_route_table
from tests.loopback_guard import TYPICAL_IPV4_ROUTES, LoopbackGuard, typical_route_table

PRIVATE = "10.255.255.53"  # this machine's own resolver: a private address, never a target


def test_a_private_address_is_refused_and_recorded(loopback_only: LoopbackGuard) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        with pytest.raises(PermissionError):
            sock.connect((PRIVATE, 53))
        with pytest.raises(PermissionError):
            sock.sendto(b"x", (PRIVATE, 53))
    assert loopback_only.violations == [
        f"connect to {(PRIVATE, 53)!r}",
        f"sendto to {(PRIVATE, 53)!r}",
    ]
    loopback_only.violations.clear()


# By name, looked up when the test runs: a function object taken at collection time
# would be the unguarded original.
@pytest.mark.parametrize(
    ("lookup", "argument"),
    [
        ("getaddrinfo", "mail.example.com"),
        ("gethostbyname", "mail.example.com"),
        ("gethostbyname_ex", "mail.example.com"),
        ("gethostbyaddr", PRIVATE),
    ],
)
def test_lookups_that_would_ask_the_resolver_are_refused(
    loopback_only: LoopbackGuard, lookup: str, argument: str
) -> None:
    with pytest.raises(socket.gaierror, match="test guard"):
        getattr(socket, lookup)(argument)
    assert loopback_only.violations == [f"{lookup}({argument!r})"]
    loopback_only.violations.clear()


def test_loopback_and_literal_addresses_pass(loopback_only: LoopbackGuard) -> None:
    assert socket.getaddrinfo("127.0.0.1", 80)
    assert socket.gethostbyname("localhost")
    assert socket.getnameinfo((PRIVATE, 53), socket.NI_NUMERICHOST)[0] == PRIVATE
    assert loopback_only.violations == []


def test_every_test_sees_the_pinned_route_table() -> None:
    assert current_route_table() == typical_route_table()
    assert "00000000" in TYPICAL_IPV4_ROUTES
