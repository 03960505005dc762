"""The rule that no packet goes to an internal address this machine cannot route to.

Every connection exsync opens passes through :func:`judge_addresses`: an
internal address (private, CGNAT, link-local, ULA) is only dialled when the
routing table has a specific route to it (LAN or VPN). The doctor uses the same
verdicts to explain "needs the VPN" without connecting at all.
"""

from __future__ import annotations

from dataclasses import dataclass

from exsync_tui.core.net.addresses import AddressKind, classify, parse_address
from exsync_tui.core.net.routes import Reachability, RouteTable, current_route_table

UNKNOWN_ROUTE_CONNECT_TIMEOUT_S = 3.0
"""Connect timeout for an internal address whose route could not be judged."""


@dataclass(frozen=True)
class AddressVerdict:
    """What exsync thinks of one address."""

    address: str
    kind: AddressKind
    reachability: Reachability

    @property
    def blocked(self) -> bool:
        """True when connecting would only send packets out of the default route."""
        return self.reachability in (Reachability.DEFAULT_ONLY, Reachability.NO_ROUTE)


def judge_address(address: str, table: RouteTable | None = None) -> AddressVerdict:
    """The verdict for one address; public and loopback addresses are always allowed."""
    kind = classify(address)
    if kind in (AddressKind.PRIVATE, AddressKind.CGNAT, AddressKind.LINK_LOCAL, AddressKind.ULA):
        routes = table if table is not None else current_route_table()
        return AddressVerdict(address, kind, routes.reachability(parse_address(address)))
    return AddressVerdict(address, kind, Reachability.ROUTED)


def judge_addresses(
    addresses: tuple[str, ...], table: RouteTable | None = None
) -> tuple[AddressVerdict, ...]:
    """Verdicts for all addresses (the routing table is read once)."""
    routes = table if table is not None else current_route_table()
    return tuple(judge_address(address, routes) for address in addresses)
