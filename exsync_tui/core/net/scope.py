"""A per-thread network scope: cancellation and timeouts for every request a thread makes.

exchangelib owns its sessions and calls the adapter deep inside; the only way
to give those requests a cancel event and short timeouts is through the thread
they run on. The scope also remembers the connections it opened so another
thread can :meth:`NetScope.abort` them: shutting a socket down wakes a blocked
read at once, which is how a cancel stops within a second even when the server
hangs.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import weakref
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

DEFAULT_CONNECT_TIMEOUT_S = 5.0
DEFAULT_READ_TIMEOUT_S = 30.0


@dataclass
class NetScope:
    """Cancellation and timeout caps for the requests of one thread."""

    cancel: threading.Event = field(default_factory=threading.Event)
    connect_timeout: float = DEFAULT_CONNECT_TIMEOUT_S
    read_timeout: float = DEFAULT_READ_TIMEOUT_S
    _connections: weakref.WeakSet[Any] = field(default_factory=weakref.WeakSet, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @property
    def cancelled(self) -> bool:
        """True once the cancel event is set."""
        return self.cancel.is_set()

    def track(self, connection: Any) -> None:
        """Remember an open connection (an object with a ``sock`` attribute) for :meth:`abort`."""
        with self._lock:
            self._connections.add(connection)
        if self.cancelled:
            self.abort()

    def abort(self) -> None:
        """Shut down every tracked socket so blocked reads return now."""
        with self._lock:
            connections = list(self._connections)
        for connection in connections:
            sock = getattr(connection, "sock", None)
            if sock is None:
                continue
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)

    def clamp(self, timeout: Any) -> tuple[float, float]:
        """A requests timeout no longer than this scope's caps."""
        connect: float | None
        read: float | None
        if isinstance(timeout, tuple):
            connect, read = timeout
        elif isinstance(timeout, int | float):
            connect = read = float(timeout)
        else:
            connect = read = None
        return (
            min(connect, self.connect_timeout) if connect else self.connect_timeout,
            min(read, self.read_timeout) if read else self.read_timeout,
        )


_local = threading.local()


def current_scope() -> NetScope | None:
    """The scope of the calling thread, if one is active."""
    scope: NetScope | None = getattr(_local, "scope", None)
    return scope


@contextlib.contextmanager
def net_scope(scope: NetScope) -> Iterator[NetScope]:
    """Make ``scope`` the calling thread's scope while the block runs."""
    previous = current_scope()
    _local.scope = scope
    try:
        yield scope
    finally:
        _local.scope = previous
