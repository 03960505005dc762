"""Per-host network settings: TLS trust, pin, nameserver and connect-to rules.

exchangelib builds its HTTP sessions from one process-wide adapter class, so
settings cannot travel with a session: the adapter looks them up here by host
name. A connect attempt registers the hosts it will talk to for its duration
(:func:`applied`), and adds hosts it learns on the way (a redirect, the EWS
host). The last registration for a host wins; two profiles that talk to the
same host with different trust would have to take turns.
"""

from __future__ import annotations

import itertools
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
    """Thread-safe map from host name to :class:`HostPolicy`, for overlapping users.

    Each registration is kept until its own scope ends: when two syncs (or a sync
    and a connect) use the same host at once, the one that ends first takes away
    only its own registration, never the other's. While both are active the most
    recent registration applies.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._by_host: dict[str, list[tuple[int, HostPolicy]]] = {}
        self._tokens = itertools.count(1)

    def lookup(self, host: str) -> HostPolicy:
        """The policy for ``host``, or the default (system trust and resolver)."""
        with self._lock:
            stack = self._by_host.get(normalise_host(host))
            return stack[-1][1] if stack else DEFAULT_POLICY

    def register(self, hosts: Iterable[str], policy: HostPolicy, token: int | None = None) -> int:
        """Add ``policy`` for ``hosts`` and every connect-to host; returns the token to
        :meth:`unregister` with (pass a token to add hosts to an earlier registration)."""
        names = {normalise_host(host) for host in hosts if host}
        names |= {rule.host for rule in policy.connect_to}
        with self._lock:
            token = token if token is not None else next(self._tokens)
            for name in names:
                stack = self._by_host.setdefault(name, [])
                if not any(entry == token for entry, _ in stack):
                    stack.append((token, policy))
        return token

    def unregister(self, token: int) -> None:
        """Take away everything registered under ``token``."""
        with self._lock:
            for name in list(self._by_host):
                stack = [entry for entry in self._by_host[name] if entry[0] != token]
                if stack:
                    self._by_host[name] = stack
                else:
                    del self._by_host[name]


REGISTRY = PolicyRegistry()


class PolicyScope:
    """The hosts one connect attempt registered; more can be added as they are learned."""

    def __init__(self, registry: PolicyRegistry, policy: HostPolicy) -> None:
        self.policy = policy
        self._registry = registry
        self._token: int | None = None

    def add_hosts(self, hosts: Iterable[str]) -> None:
        """Apply this scope's policy to more hosts (kept until the scope ends)."""
        self._token = self._registry.register(hosts, self.policy, self._token)

    def close(self) -> None:
        """Take this scope's registrations away (others' stay)."""
        if self._token is not None:
            self._registry.unregister(self._token)
            self._token = None


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
