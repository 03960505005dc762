"""Reading the routing table to tell whether an internal address is reachable from here.

When a server name resolves only to internal addresses (10.x, 172.16/12,
192.168.x, CGNAT, link-local, ULA), connecting blindly would send packets that
can only leave through the default route, i.e. to the internet, where they go
nowhere (and on some networks are flagged). The machine can reach such an
address only through a specific route: the office LAN, or a VPN. This module
answers that question from ``/proc/net/route`` and ``/proc/net/ipv6_route``
(Linux) with pure parsing, so it is tested on fixed text.

Where the table cannot be read (another OS), or a tunnel interface is up
(a full-tunnel VPN may route through policy tables that ``/proc/net/route`` does
not show), the verdict is ``unknown`` and callers try a short TCP connect.
"""

from __future__ import annotations

import ipaddress
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from exsync_tui.core.net.addresses import IPAddress, parse_address

IPV4_ROUTE_FILE = Path("/proc/net/route")
IPV6_ROUTE_FILE = Path("/proc/net/ipv6_route")
INTERFACES_FILE = Path("/proc/net/dev")

_RTF_UP = 0x0001
_RTF_REJECT = 0x0200

# Interface name prefixes of VPN software (OpenVPN, WireGuard, PPP, IPsec,
# Tailscale, ZeroTier, Cisco AnyConnect, NordVPN, macOS utun).
TUNNEL_PREFIXES = (
    "tun",
    "tap",
    "wg",
    "ppp",
    "ipsec",
    "vpn",
    "utun",
    "tailscale",
    "zt",
    "cscotun",
    "nordlynx",
    "gpd",
)


class Reachability(StrEnum):
    """Whether an address has a route of its own on this machine."""

    ROUTED = "routed"  # a specific route (LAN or VPN): go ahead
    DEFAULT_ONLY = "default-only"  # only the default route: needs a VPN or the office network
    NO_ROUTE = "no-route"
    UNKNOWN = "unknown"  # table unreadable or a tunnel is up: try a short connect


@dataclass(frozen=True)
class Route:
    """One usable route: a destination network through an interface."""

    network: ipaddress.IPv4Network | ipaddress.IPv6Network
    interface: str
    metric: int = 0

    @property
    def is_default(self) -> bool:
        """True for 0.0.0.0/0 and ::/0."""
        return self.network.prefixlen == 0


def is_tunnel_interface(name: str) -> bool:
    """True for interface names VPN software uses."""
    return name.lower().startswith(TUNNEL_PREFIXES)


def _le_hex_to_ipv4(text: str) -> ipaddress.IPv4Address:
    # /proc/net/route prints addresses as host-order (little-endian on x86/ARM) hex.
    return ipaddress.IPv4Address(int.from_bytes(bytes.fromhex(text), "little"))


def parse_ipv4_routes(text: str) -> list[Route]:
    """Routes from the text of ``/proc/net/route`` (header line first)."""
    routes: list[Route] = []
    for line in text.splitlines()[1:]:
        fields = line.split()
        if len(fields) < 8:
            continue
        try:
            flags = int(fields[3], 16)
            destination = _le_hex_to_ipv4(fields[1])
            mask = _le_hex_to_ipv4(fields[7])
            metric = int(fields[6])
        except ValueError:
            continue
        if not flags & _RTF_UP or flags & _RTF_REJECT:
            continue
        network = ipaddress.IPv4Network(f"{destination}/{mask}", strict=False)
        routes.append(Route(network=network, interface=fields[0], metric=metric))
    return routes


def parse_ipv6_routes(text: str) -> list[Route]:
    """Routes from the text of ``/proc/net/ipv6_route`` (no header)."""
    routes: list[Route] = []
    for line in text.splitlines():
        fields = line.split()
        if len(fields) < 10:
            continue
        try:
            destination = ipaddress.IPv6Address(int(fields[0], 16))
            prefix = int(fields[1], 16)
            metric = int(fields[5], 16)
            flags = int(fields[8], 16)
        except ValueError:
            continue
        if not flags & _RTF_UP or flags & _RTF_REJECT:
            continue
        network = ipaddress.IPv6Network(f"{destination}/{prefix}", strict=False)
        routes.append(Route(network=network, interface=fields[9], metric=metric))
    return routes


def parse_interfaces(text: str) -> list[str]:
    """Interface names from the text of ``/proc/net/dev`` (two header lines)."""
    names = []
    for line in text.splitlines()[2:]:
        name, sep, _ = line.partition(":")
        if sep:
            names.append(name.strip())
    return names


@dataclass(frozen=True)
class RouteTable:
    """A snapshot of the machine's routes; ``readable`` is False where there was nothing to read."""

    routes: tuple[Route, ...]
    interfaces: tuple[str, ...] = ()
    readable: bool = True

    def best_route(self, address: IPAddress) -> Route | None:
        """The longest-prefix (then lowest-metric) route containing ``address``."""
        candidates = [
            route
            for route in self.routes
            if route.network.version == address.version and address in route.network
        ]
        if not candidates:
            return None
        return max(candidates, key=lambda route: (route.network.prefixlen, -route.metric))

    def tunnel_interfaces(self) -> list[str]:
        """VPN-looking interfaces that are present or carry routes."""
        names = set(self.interfaces) | {route.interface for route in self.routes}
        return sorted(name for name in names if is_tunnel_interface(name))

    def reachability(self, address: IPAddress | str) -> Reachability:
        """Whether ``address`` has a route of its own (see :class:`Reachability`)."""
        ip = parse_address(address) if isinstance(address, str) else address
        if not self.readable:
            return Reachability.UNKNOWN
        route = self.best_route(ip)
        if route is not None and not route.is_default:
            return Reachability.ROUTED
        if route is not None and is_tunnel_interface(route.interface):
            # A full-tunnel VPN owns the default route: internal addresses go through it.
            return Reachability.ROUTED
        if self.tunnel_interfaces():
            return Reachability.UNKNOWN
        return Reachability.DEFAULT_ONLY if route is not None else Reachability.NO_ROUTE


def _read(path: Path) -> str | None:
    try:
        return path.read_text(encoding="ascii", errors="replace")
    except OSError:
        return None


def read_system_route_table(
    ipv4_file: Path = IPV4_ROUTE_FILE,
    ipv6_file: Path = IPV6_ROUTE_FILE,
    interfaces_file: Path = INTERFACES_FILE,
) -> RouteTable:
    """The machine's routing table, or an unreadable table where /proc is not there."""
    ipv4_text = _read(ipv4_file)
    ipv6_text = _read(ipv6_file)
    if ipv4_text is None and ipv6_text is None:
        return RouteTable(routes=(), readable=False)
    routes = parse_ipv4_routes(ipv4_text or "") + parse_ipv6_routes(ipv6_text or "")
    interfaces = parse_interfaces(_read(interfaces_file) or "")
    return RouteTable(routes=tuple(routes), interfaces=tuple(interfaces))


RouteTableSource = Callable[[], RouteTable]

_source_lock = threading.Lock()
_source: RouteTableSource = read_system_route_table


def set_route_table_source(source: RouteTableSource | None) -> None:
    """Replace where the routing table comes from (None: the system's). Tests pin a fixed view."""
    global _source
    with _source_lock:
        _source = source or read_system_route_table


def current_route_table() -> RouteTable:
    """The routing table as the configured source sees it now."""
    with _source_lock:
        source = _source
    return source()


def route_table_from_text(
    ipv4_text: str = "", ipv6_text: str = "", interfaces: Iterable[str] = ()
) -> RouteTable:
    """A table built from the text of the two /proc files (for tests and reports)."""
    routes = parse_ipv4_routes(ipv4_text) + parse_ipv6_routes(ipv6_text)
    return RouteTable(routes=tuple(routes), interfaces=tuple(interfaces))
