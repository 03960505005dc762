"""Opening a TCP connection the exsync way: connect-to, nameserver, route guard, cancel.

Both the HTTP adapter and the doctor's TCP/TLS probes dial through
:func:`open_connection`, so a probe goes exactly where a request would.
"""

from __future__ import annotations

import socket
from dataclasses import dataclass

from urllib3.util import connection as urllib3_connection

from exsync_tui.core.net.guard import (
    UNKNOWN_ROUTE_CONNECT_TIMEOUT_S,
    AddressVerdict,
    judge_addresses,
)
from exsync_tui.core.net.resolve import Resolution, resolve_addresses
from exsync_tui.core.net.routes import Reachability
from exsync_tui.core.net.scope import current_scope


class NoUsableAddress(OSError):
    """Every address of the host is internal and unroutable from here; nothing was sent."""

    def __init__(self, host: str, verdicts: tuple[AddressVerdict, ...]) -> None:
        self.host = host
        self.verdicts = verdicts
        super().__init__(f"{host}: no routable address")


class DialCancelled(OSError):
    """The thread's network scope was cancelled before connecting."""


@dataclass(frozen=True)
class Dialled:
    """An open socket and how it was reached."""

    sock: socket.socket
    resolution: Resolution
    address: str


def open_connection(
    host: str,
    port: int,
    timeout: float | None,
    *,
    source_address: tuple[str, int] | None = None,
    socket_options: list[tuple[int, int, int | bytes]] | None = None,
) -> Dialled:
    """Resolve ``host`` (connect-to, nameserver, system), skip unroutable internal addresses,
    connect to the first address that answers.

    Raises :class:`~exsync_tui.core.net.errors.NameNotFoundError`,
    :class:`NoUsableAddress`, :class:`DialCancelled`, ``TimeoutError`` or ``OSError``
    (e.g. ``ConnectionRefusedError``) from the last address tried;
    :class:`~exsync_tui.core.net.errors.DeadlineExceededError` past the scope's deadline.
    """
    scope = current_scope()
    if scope is not None:
        if scope.cancelled:
            raise DialCancelled("cancelled")
        scope.check_deadline()
        left = scope.remaining()
        if left is not None:
            timeout = min(timeout, left) if timeout is not None else left
    resolution = resolve_addresses(host, port)
    verdicts = judge_addresses(resolution.addresses)
    usable = [verdict for verdict in verdicts if not verdict.blocked]
    if not usable:
        raise NoUsableAddress(host, verdicts)
    last_error: OSError | None = None
    for verdict in usable:
        attempt_timeout = timeout
        if verdict.reachability is Reachability.UNKNOWN:
            attempt_timeout = min(
                timeout or UNKNOWN_ROUTE_CONNECT_TIMEOUT_S, UNKNOWN_ROUTE_CONNECT_TIMEOUT_S
            )
        try:
            sock = urllib3_connection.create_connection(
                (verdict.address, resolution.target_port),
                attempt_timeout,
                source_address=source_address,
                socket_options=socket_options,
            )
        except OSError as error:
            last_error = error
            continue
        return Dialled(sock, resolution, verdict.address)
    assert last_error is not None
    raise last_error
