"""Switches the control API flips while the sandbox serves, and the request log."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Switches:
    """Which autodiscover methods answer, where SRV points, where Autodiscover sends EWS."""

    autodiscover_root: bool = True
    autodiscover_host: bool = True
    http_redirect: bool = True
    # Where the HTTP redirect sends clients. Real deployments point it at the host that
    # really serves autodiscover, usually not autodiscover.<domain> (which would make the
    # redirect useless: method 2 already tried it).
    redirect_host: str | None = None  # default mail.<domain>
    redirect_scheme: str = "https"
    # A raw Location for the HTTP redirect, as a hostile network would forge it.
    redirect_location: str | None = None
    # Hosts that play an attacker: every path asks for a password, whatever the request.
    trap_hosts: frozenset[str] = frozenset()
    srv: bool = True
    srv_target: str | None = None  # default autodiscover.<domain>
    srv_port: int = 443
    ews_url: str | None = None  # default https://mail.<domain>/EWS/Exchange.asmx
    latency_ms: int = 0


@dataclass
class RequestLog:
    """Every request any listener answered, for tests that count requests."""

    _entries: list[dict[str, Any]] = field(default_factory=list)
    _changed: threading.Condition = field(default_factory=threading.Condition)

    def record(self, **entry: Any) -> None:
        """Append one entry (method, path, host, status, auth, operation, user, listener...)."""
        entry["time"] = time.time()
        with self._changed:
            self._entries.append(entry)
            self._changed.notify_all()

    def entries(self) -> list[dict[str, Any]]:
        """A copy of the log, oldest first."""
        with self._changed:
            return [dict(e) for e in self._entries]

    def clear(self) -> None:
        """Forget every entry."""
        with self._changed:
            self._entries.clear()

    def wait_for(self, predicate: Callable[[dict[str, Any]], bool], timeout: float) -> bool:
        """Block until an entry matching `predicate` is logged (True) or `timeout` passes."""
        with self._changed:
            return self._changed.wait_for(
                lambda: any(predicate(e) for e in self._entries), timeout=timeout
            )
