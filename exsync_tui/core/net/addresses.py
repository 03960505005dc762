"""Classifying IP addresses: which ones only an internal network (VPN, office LAN) can reach.

A host name that resolves to one of these addresses is the most common reason a
correct server name "does not work" from home: the name is public but the
address is internal, so only the company network can reach it.
"""

from __future__ import annotations

import ipaddress
from enum import StrEnum

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

# Python's ``is_private`` folds CGNAT into "not global" and ULA into "private";
# the doctor names each range, so list them explicitly.
_CGNAT = ipaddress.ip_network("100.64.0.0/10")
_PRIVATE_V4 = tuple(
    ipaddress.ip_network(net) for net in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16")
)
_ULA = ipaddress.ip_network("fc00::/7")


class AddressKind(StrEnum):
    """What kind of network an address belongs to."""

    LOOPBACK = "loopback"
    PRIVATE = "private"
    CGNAT = "cgnat"
    LINK_LOCAL = "link-local"
    ULA = "ula"
    PUBLIC = "public"
    OTHER = "other"


INTERNAL_KINDS = frozenset(
    {AddressKind.PRIVATE, AddressKind.CGNAT, AddressKind.LINK_LOCAL, AddressKind.ULA}
)
"""Kinds reachable only from inside some network (a VPN, the office LAN)."""

_KIND_LABELS = {
    AddressKind.LOOPBACK: "this machine (loopback)",
    AddressKind.PRIVATE: "a private network address",
    AddressKind.CGNAT: "a carrier-grade NAT address (100.64.0.0/10)",
    AddressKind.LINK_LOCAL: "a link-local address",
    AddressKind.ULA: "a private IPv6 address (ULA)",
    AddressKind.PUBLIC: "a public address",
    AddressKind.OTHER: "a special-purpose address",
}


def parse_address(text: str) -> IPAddress:
    """An IP address from text, accepting IPv6 in brackets and with a zone (``fe80::1%eth0``)."""
    cleaned = text.strip().removeprefix("[").removesuffix("]").split("%", 1)[0]
    return ipaddress.ip_address(cleaned)


def classify(address: IPAddress | str) -> AddressKind:
    """The kind of network ``address`` belongs to."""
    ip = parse_address(address) if isinstance(address, str) else address
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    if ip.is_loopback:
        return AddressKind.LOOPBACK
    if ip.is_link_local:
        return AddressKind.LINK_LOCAL
    if isinstance(ip, ipaddress.IPv4Address):
        if ip in _CGNAT:
            return AddressKind.CGNAT
        if any(ip in net for net in _PRIVATE_V4):
            return AddressKind.PRIVATE
    elif ip in _ULA:
        return AddressKind.ULA
    if ip.is_global:
        return AddressKind.PUBLIC
    return AddressKind.OTHER


def is_internal(address: IPAddress | str) -> bool:
    """True for private, CGNAT, link-local and ULA addresses."""
    return classify(address) in INTERNAL_KINDS


def describe_kind(kind: AddressKind) -> str:
    """A short phrase for reports, e.g. ``a private network address``."""
    return _KIND_LABELS[kind]
