"""A per-thread network scope: cancel, timeouts and a deadline for every request a thread makes.

exchangelib owns its sessions and calls the adapter deep inside; the only way
to give those requests a cancel event and short timeouts is through the thread
they run on. The scope also remembers the connections it opened so another
thread can :meth:`NetScope.abort` them: shutting a socket down wakes a blocked
read at once, which is how a cancel stops within a second even when the server
hangs.

Socket timeouts bound each read, not a response: a server sending one byte a
second never trips them. A scope with a ``deadline`` therefore has a watchdog
(started by :func:`net_scope`) that aborts every connection when the deadline
passes, and requests made after it fail at once with
:class:`~exsync_tui.core.net.errors.DeadlineExceededError`.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
import weakref
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from exsync_tui.core.net.errors import DeadlineExceededError

DEFAULT_CONNECT_TIMEOUT_S = 5.0
DEFAULT_READ_TIMEOUT_S = 30.0
_MIN_TIMEOUT_S = 0.05  # a socket timeout of 0 would mean non-blocking, not "no time left"


@dataclass
class NetScope:
    """Cancellation, timeout caps and an optional overall deadline for the requests of one thread.

    ``budget_s`` (seconds from the scope's creation) sets ``deadline``, a
    ``time.monotonic()`` value. ``max_response_bytes`` lowers the adapter's cap
    on every answer read in the scope.
    """

    cancel: threading.Event = field(default_factory=threading.Event)
    connect_timeout: float = DEFAULT_CONNECT_TIMEOUT_S
    read_timeout: float = DEFAULT_READ_TIMEOUT_S
    budget_s: float | None = None
    deadline: float | None = None
    max_response_bytes: int | None = None
    _expired: threading.Event = field(default_factory=threading.Event, repr=False)
    _connections: weakref.WeakSet[Any] = field(default_factory=weakref.WeakSet, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def __post_init__(self) -> None:
        if self.budget_s is not None and self.deadline is None:
            self.deadline = time.monotonic() + self.budget_s

    @property
    def cancelled(self) -> bool:
        """True once the cancel event is set."""
        return self.cancel.is_set()

    @property
    def expired(self) -> bool:
        """True once the deadline has passed (whether or not the watchdog has fired yet)."""
        if self._expired.is_set():
            return True
        return self.deadline is not None and time.monotonic() >= self.deadline

    def remaining(self) -> float | None:
        """Seconds left before the deadline (never negative), or None without a deadline."""
        if self.deadline is None:
            return None
        return max(self.deadline - time.monotonic(), 0.0)

    def check_deadline(self) -> None:
        """Raise :class:`DeadlineExceededError` when the deadline has passed."""
        if self.expired:
            raise DeadlineExceededError(self.budget_s)

    def expire(self) -> None:
        """The deadline has passed: mark it and abort every connection (the watchdog's job)."""
        self._expired.set()
        self.abort()

    def track(self, connection: Any) -> None:
        """Remember an open connection (an object with a ``sock`` attribute) for :meth:`abort`."""
        with self._lock:
            self._connections.add(connection)
        if self.cancelled or self._expired.is_set():
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
        """A requests timeout no longer than this scope's caps, nor than the time left."""
        connect: float | None
        read: float | None
        if isinstance(timeout, tuple):
            connect, read = timeout
        elif isinstance(timeout, int | float):
            connect = read = float(timeout)
        else:
            connect = read = None
        connect_cap, read_cap = self.connect_timeout, self.read_timeout
        left = self.remaining()
        if left is not None:
            connect_cap = max(min(connect_cap, left), _MIN_TIMEOUT_S)
            read_cap = max(min(read_cap, left), _MIN_TIMEOUT_S)
        return (
            min(connect, connect_cap) if connect else connect_cap,
            min(read, read_cap) if read else read_cap,
        )


_local = threading.local()


def current_scope() -> NetScope | None:
    """The scope of the calling thread, if one is active."""
    scope: NetScope | None = getattr(_local, "scope", None)
    return scope


def _watch(scope: NetScope, finished: threading.Event) -> None:
    """Abort the scope's connections at its deadline, or at once when it is cancelled."""
    while not finished.is_set():
        left = scope.remaining()
        # Waking on the cancel event too means a cancel aborts blocked reads even when
        # nobody else calls abort() (e.g. a scope used outside run_cancellable).
        if left is not None and left <= 0:
            scope.expire()
            return
        if scope.cancel.wait(min(left, 0.25) if left is not None else 0.25):
            scope.abort()
            return


@contextlib.contextmanager
def net_scope(scope: NetScope) -> Iterator[NetScope]:
    """Make ``scope`` the calling thread's scope while the block runs (with its watchdog)."""
    previous = current_scope()
    _local.scope = scope
    finished = threading.Event()
    if scope.deadline is not None:
        threading.Thread(
            target=_watch, args=(scope, finished), name="exsync-net-deadline", daemon=True
        ).start()
    try:
        yield scope
    finally:
        finished.set()
        _local.scope = previous
