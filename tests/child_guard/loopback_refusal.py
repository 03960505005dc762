"""Refuse and record any socket use or name lookup aimed beyond loopback: one implementation.

Used twice: by ``tests/loopback_guard.py`` (monkeypatched in the pytest process
for each test) and by ``tests/child_guard/sitecustomize.py`` (installed at start
in every Python child a test launches, with this directory on ``PYTHONPATH``).
It imports nothing but the standard library, so a child can load it before
anything else. Each replacement checks *before* calling the real function, so a
refused address never sees a packet or a DNS query.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable
from typing import Any

VIOLATIONS_FILE_ENV = "EXSYNC_TEST_NETWORK_VIOLATIONS"
"""Children append one line per refused attempt to the file this variable names."""


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
    """Records every attempt to reach beyond loopback; ``on_violation`` also hears of each."""

    def __init__(self, on_violation: Callable[[str], None] | None = None) -> None:
        self.violations: list[str] = []
        self.connect_attempts: list[str] = []
        self._on_violation = on_violation

    def _refuse(self, violation: str) -> None:
        self.violations.append(violation)
        if self._on_violation is not None:
            self._on_violation(violation)

    def check_address(self, what: str, address: Any) -> None:
        """Refuse a connect or send to anything but loopback (unix sockets pass)."""
        if isinstance(address, tuple) and address:
            host = address[0]
            self.connect_attempts.append(f"{what} {host}")
            if not _is_loopback(host):
                self._refuse(f"{what} to {address!r}")
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
        self._refuse(f"{what}({host!r})")
        raise socket.gaierror(socket.EAI_NONAME, f"test guard: no lookups of {host!r}")


def socket_replacements(guard: LoopbackGuard) -> list[tuple[Any, str, Any]]:
    """(owner, attribute, guarded replacement) for every way out of the process we check."""
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

    return [
        (socket.socket, "connect", connect),
        (socket.socket, "connect_ex", connect_ex),
        (socket.socket, "sendto", sendto),
        (socket, "getaddrinfo", getaddrinfo),
        (socket, "gethostbyname", gethostbyname),
        (socket, "gethostbyname_ex", gethostbyname_ex),
        (socket, "gethostbyaddr", gethostbyaddr),
        (socket, "getnameinfo", getnameinfo),
    ]


def appending_to(path: str) -> Callable[[str], None]:
    """An ``on_violation`` that appends each violation, with the process id, to ``path``."""
    import os

    def record(violation: str) -> None:
        with open(path, "a", encoding="utf-8") as file:
            file.write(f"pid {os.getpid()}: {violation}\n")

    return record
