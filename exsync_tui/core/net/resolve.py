"""Name resolution: connect-to rules first, then a chosen nameserver, then the system resolver.

The doctor shows where each address came from, so resolution returns its
source along with the addresses. A configured nameserver (``ADDR[:PORT]``) is
asked through dnspython; it lets a user query the company DNS directly, and the
tests use the sandbox's DNS responder so no query leaves the machine.
"""

from __future__ import annotations

import ipaddress
import random
import socket
from dataclasses import dataclass
from enum import StrEnum

import dns.exception
import dns.resolver

from exsync_tui.core.net.errors import NameNotFoundError
from exsync_tui.core.net.policy import DEFAULT_POLICY, REGISTRY, HostPolicy, normalise_host

DNS_TIMEOUT_S = 3.0


class AddressSource(StrEnum):
    """Where an address came from."""

    LITERAL = "literal"  # the host is an IP address
    CONNECT_TO = "connect-to"
    NAMESERVER = "nameserver"
    SYSTEM = "system"


@dataclass(frozen=True)
class Resolution:
    """The addresses to connect to for ``host:port``, in order."""

    host: str
    port: int
    addresses: tuple[str, ...]
    target_port: int
    source: AddressSource
    via: str | None = None  # the connect-to rule or nameserver used


@dataclass(frozen=True)
class SrvTarget:
    """One usable SRV answer."""

    host: str
    port: int
    priority: int
    weight: int


def parse_nameserver(text: str) -> tuple[str, int]:
    """``ADDR``, ``ADDR:PORT`` or ``[V6]:PORT`` as (address, port)."""
    value = text.strip()
    if value.startswith("["):
        address, _, rest = value[1:].partition("]")
        port = int(rest[1:]) if rest.startswith(":") else 53
    elif value.count(":") == 1:
        address, port_text = value.split(":")
        port = int(port_text)
    else:
        address, port = value, 53
    ipaddress.ip_address(address)  # a nameserver must be an address; raises ValueError
    return address, port


def _resolver(nameserver: str, timeout: float) -> dns.resolver.Resolver:
    address, port = parse_nameserver(nameserver)
    resolver = dns.resolver.Resolver(configure=False)
    resolver.nameservers = [address]
    resolver.port = port
    resolver.timeout = timeout
    resolver.lifetime = timeout
    return resolver


def _is_literal(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def _query_nameserver(host: str, nameserver: str, timeout: float) -> tuple[str, ...]:
    resolver = _resolver(nameserver, timeout)
    found: list[str] = []
    timed_out = False
    for record_type in ("A", "AAAA"):
        try:
            answer = resolver.resolve(f"{host}.", record_type, lifetime=timeout)
        except (dns.resolver.NXDOMAIN, dns.resolver.NoAnswer, dns.resolver.NoNameservers):
            continue
        except dns.exception.Timeout:
            timed_out = True
            continue
        found.extend(rdata.to_text() for rdata in answer)
    if not found:
        reason = "the nameserver did not answer" if timed_out else "no such name"
        raise NameNotFoundError(host, reason, nameserver)
    return tuple(dict.fromkeys(found))


def _query_system(host: str, port: int) -> tuple[str, ...]:
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as error:
        raise NameNotFoundError(host, error.strerror or str(error)) from error
    return tuple(dict.fromkeys(str(info[4][0]) for info in infos))


def resolve_addresses(
    host: str, port: int, policy: HostPolicy | None = None, timeout: float = DNS_TIMEOUT_S
) -> Resolution:
    """Where a connection to ``host:port`` goes. Raises :class:`NameNotFoundError`."""
    name = normalise_host(host)
    policy = policy if policy is not None else REGISTRY.lookup(name)
    rule = policy.rule_for(name, port)
    if rule is not None:
        address, target_port = rule.address, rule.target_port
        if _is_literal(address):
            addresses: tuple[str, ...] = (address,)
        else:
            addresses = resolve_addresses(address, target_port, _nameserver_only(policy)).addresses
        return Resolution(name, port, addresses, target_port, AddressSource.CONNECT_TO, str(rule))
    if _is_literal(name):
        return Resolution(name, port, (name,), port, AddressSource.LITERAL)
    if policy.nameserver:
        found = _query_nameserver(name, policy.nameserver, timeout)
        return Resolution(name, port, found, port, AddressSource.NAMESERVER, policy.nameserver)
    return Resolution(name, port, _query_system(name, port), port, AddressSource.SYSTEM)


def _nameserver_only(policy: HostPolicy) -> HostPolicy:
    # A connect-to target that is a name resolves plainly: no second mapping, same nameserver.
    if policy.nameserver is None:
        return DEFAULT_POLICY
    return HostPolicy(nameserver=policy.nameserver)


def lookup_srv(
    name: str, nameserver: str | None, timeout: float = DNS_TIMEOUT_S
) -> list[SrvTarget]:
    """SRV answers for ``name``, best first (lowest priority, then weighted, RFC 2782)."""
    resolver = _resolver(nameserver, timeout) if nameserver else dns.resolver.Resolver()
    resolver.lifetime = timeout
    try:
        answer = resolver.resolve(f"{name.rstrip('.')}.", "SRV", lifetime=timeout)
    except (dns.resolver.NXDOMAIN, dns.resolver.NoAnswer, dns.resolver.NoNameservers):
        return []
    except dns.exception.Timeout as error:
        raise NameNotFoundError(name, "the nameserver did not answer", nameserver) from error
    targets = [
        SrvTarget(
            host=str(rdata.target).rstrip("."),
            port=int(rdata.port),
            priority=int(rdata.priority),
            weight=int(rdata.weight),
        )
        for rdata in answer
        if str(rdata.target) != "."
    ]
    # Weighted order inside a priority: heavier records first on average.
    return sorted(targets, key=lambda t: (t.priority, -random.random() * (t.weight + 1)))
