"""Per-host network settings: TLS trust, pin, nameserver and connect-to rules.

exchangelib builds its HTTP sessions from one process-wide adapter class, so
settings cannot travel with a session: the adapter looks them up here by host
name. A connect attempt registers the hosts it will talk to for its duration
(:func:`applied`), and adds hosts it learns on the way (a redirect, the EWS
host). The last registration for a host wins; two profiles that talk to the
same host with different trust would have to take turns.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from exsync_tui.core.net.connect_to import ConnectToRule, find_rule
from exsync_tui.core.profiles import validate


def normalise_host(host: str) -> str:
    """Host names compare case-insensitively and without a trailing dot or brackets."""
    return host.strip().strip("[]").lower().rstrip(".")


def normalise_pin(pin: str) -> str:
    """A SHA-256 fingerprint as 64 lowercase hex digits; raises ValueError otherwise."""
    return validate.pin_sha256(pin)


def format_fingerprint(hex_digest: str) -> str:
    """``ab12..`` as ``AB:12:..``, the way browsers and openssl show fingerprints."""
    upper = hex_digest.upper()
    return ":".join(upper[index : index + 2] for index in range(0, len(upper), 2))


@dataclass(frozen=True)
class HostPolicy:
    """How to reach and trust one or more hosts.

    ``ca_file`` adds a CA bundle (instead of the system store); ``pin_sha256``
    trusts exactly the certificate with that SHA-256 fingerprint (then no CA is
    needed); ``nameserver`` (``ADDR[:PORT]``) resolves names instead of the
    system resolver; ``connect_to`` maps host:port to another address.
    """

    ca_file: str | None = None
    pin_sha256: str | None = None
    nameserver: str | None = None
    connect_to: tuple[ConnectToRule, ...] = ()

    def rule_for(self, host: str, port: int) -> ConnectToRule | None:
        """The connect-to rule for ``host:port``, if any."""
        return find_rule(self.connect_to, normalise_host(host), port)


DEFAULT_POLICY = HostPolicy()


class PolicyRegistry:
    """Thread-safe map from host name to :class:`HostPolicy`."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._by_host: dict[str, HostPolicy] = {}

    def lookup(self, host: str) -> HostPolicy:
        """The policy for ``host``, or the default (system trust and resolver)."""
        with self._lock:
            return self._by_host.get(normalise_host(host), DEFAULT_POLICY)

    def register(self, hosts: Iterable[str], policy: HostPolicy) -> dict[str, HostPolicy | None]:
        """Set ``policy`` for ``hosts`` and every connect-to host; returns what was there before."""
        names = {normalise_host(host) for host in hosts if host}
        names |= {rule.host for rule in policy.connect_to}
        previous: dict[str, HostPolicy | None] = {}
        with self._lock:
            for name in names:
                previous[name] = self._by_host.get(name)
                self._by_host[name] = policy
        return previous

    def restore(self, previous: dict[str, HostPolicy | None]) -> None:
        """Undo a :meth:`register` (given what it returned)."""
        with self._lock:
            for name, policy in previous.items():
                if policy is None:
                    self._by_host.pop(name, None)
                else:
                    self._by_host[name] = policy


REGISTRY = PolicyRegistry()


class PolicyScope:
    """The hosts one connect attempt registered; more can be added as they are learned."""

    def __init__(self, registry: PolicyRegistry, policy: HostPolicy) -> None:
        self.policy = policy
        self._registry = registry
        self._previous: dict[str, HostPolicy | None] = {}

    def add_hosts(self, hosts: Iterable[str]) -> None:
        """Apply this scope's policy to more hosts (kept until the scope ends)."""
        for name, before in self._registry.register(hosts, self.policy).items():
            self._previous.setdefault(name, before)

    def close(self) -> None:
        """Put back what was registered before this scope."""
        self._registry.restore(self._previous)
        self._previous = {}


@contextmanager
def applied(
    policy: HostPolicy, hosts: Iterable[str], registry: PolicyRegistry = REGISTRY
) -> Iterator[PolicyScope]:
    """Register ``policy`` for ``hosts`` while the block runs."""
    scope = PolicyScope(registry, policy)
    scope.add_hosts(hosts)
    try:
        yield scope
    finally:
        scope.close()
