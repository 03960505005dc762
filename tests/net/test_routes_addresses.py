"""Pure parsing and classification: routes from /proc text, address kinds, connect-to rules."""

from __future__ import annotations

import pytest

from exsync_tui.core.net import AddressKind, ConnectToError, classify, parse_connect_to
from exsync_tui.core.net.routes import (
    Reachability,
    parse_interfaces,
    parse_ipv4_routes,
    parse_ipv6_routes,
    read_system_route_table,
    route_table_from_text,
)
from tests.loopback_guard import TYPICAL_IPV4_ROUTES

IPV6_ROUTES = """\
fd000000000000000000000000000000 40 00000000000000000000000000000000 00 00000000000000000000000000000000 00000100 00000001 00000000 00000001     eth0
00000000000000000000000000000000 00 00000000000000000000000000000000 00 fd000000000000000000000000000001 00000400 00000002 00000000 00000003     eth0
00000000000000000000000000000000 00 00000000000000000000000000000000 00 00000000000000000000000000000000 ffffffff 00000001 00000000 00200200       lo
"""  # noqa: E501 - the kernel's line format

VPN_ROUTE = "tun0\t0000000A\t00000000\t0001\t0\t0\t0\t000000FF\t0\t0\t0\n"  # 10.0.0.0/8 via tun0


@pytest.mark.parametrize(
    ("address", "kind"),
    [
        ("10.1.2.3", AddressKind.PRIVATE),
        ("172.20.0.1", AddressKind.PRIVATE),
        ("192.168.1.1", AddressKind.PRIVATE),
        ("100.64.0.1", AddressKind.CGNAT),
        ("100.127.255.254", AddressKind.CGNAT),
        ("169.254.1.1", AddressKind.LINK_LOCAL),
        ("fe80::1%eth0", AddressKind.LINK_LOCAL),
        ("fd12:3456::1", AddressKind.ULA),
        ("127.0.0.1", AddressKind.LOOPBACK),
        ("::1", AddressKind.LOOPBACK),
        ("[::ffff:10.0.0.1]", AddressKind.PRIVATE),
        ("8.8.8.8", AddressKind.PUBLIC),
        ("2001:4860::8888", AddressKind.PUBLIC),
        ("100.63.255.255", AddressKind.PUBLIC),
    ],
)
def test_address_kinds(address: str, kind: AddressKind) -> None:
    assert classify(address) is kind


def test_ipv4_routes_parse_little_endian_hex() -> None:
    routes = parse_ipv4_routes(TYPICAL_IPV4_ROUTES)
    assert [(str(r.network), r.interface, r.is_default) for r in routes] == [
        ("0.0.0.0/0", "eth0", True),
        ("192.0.2.0/24", "eth0", False),
    ]


def test_ipv6_routes_skip_reject_routes() -> None:
    routes = parse_ipv6_routes(IPV6_ROUTES)
    assert [(str(r.network), r.interface) for r in routes] == [
        ("fd00::/64", "eth0"),
        ("::/0", "eth0"),
    ]


def test_only_the_default_route_means_the_vpn_is_needed() -> None:
    table = route_table_from_text(TYPICAL_IPV4_ROUTES, IPV6_ROUTES, ["lo", "eth0"])
    assert table.reachability("10.255.255.1") is Reachability.DEFAULT_ONLY
    assert table.reachability("192.0.2.77") is Reachability.ROUTED  # the local subnet
    assert table.reachability("fd00::9") is Reachability.ROUTED
    assert table.reachability("fd12::9") is Reachability.DEFAULT_ONLY


def test_no_route_at_all() -> None:
    only_local_subnet = TYPICAL_IPV4_ROUTES.splitlines(keepends=True)
    table = route_table_from_text(only_local_subnet[0] + only_local_subnet[2], "", ["lo", "eth0"])
    assert table.reachability("192.168.1.1") is Reachability.NO_ROUTE


VPN_HEADER = TYPICAL_IPV4_ROUTES.splitlines(keepends=True)[0]


def test_a_vpn_route_makes_the_address_reachable() -> None:
    table = route_table_from_text(TYPICAL_IPV4_ROUTES + VPN_ROUTE, "", ["lo", "eth0", "tun0"])
    assert table.reachability("10.20.30.40") is Reachability.ROUTED
    assert table.reachability("192.168.1.1") is Reachability.UNKNOWN  # a tunnel is up: try briefly


def test_a_full_tunnel_vpn_owning_the_default_route_counts_as_routed() -> None:
    text = VPN_HEADER + "wg0\t00000000\t00000000\t0001\t0\t0\t0\t00000000\t0\t0\t0\n"
    table = route_table_from_text(text, "", ["lo", "wg0"])
    assert table.reachability("172.16.5.5") is Reachability.ROUTED


def test_an_unreadable_table_is_unknown(tmp_path: object) -> None:
    from pathlib import Path

    missing = Path(str(tmp_path)) / "missing"
    table = read_system_route_table(missing, missing, missing)
    assert not table.readable
    assert table.reachability("10.0.0.1") is Reachability.UNKNOWN


def test_interfaces_from_proc_net_dev() -> None:
    text = "Inter-|   Receive\n face |bytes\n    lo: 1 2 3\n  eth0: 4 5 6\n  tun0: 7 8\n"
    assert parse_interfaces(text) == ["lo", "eth0", "tun0"]


@pytest.mark.parametrize(
    ("text", "rule"),
    [
        ("mail.example.com:443:127.0.0.1:8443", ("mail.example.com", 443, "127.0.0.1", 8443)),
        ("Mail.Example.com.:443:[::1]:443", ("mail.example.com", 443, "::1", 443)),
        ("[2001:db8::1]:443:10.0.0.5:443", ("2001:db8::1", 443, "10.0.0.5", 443)),
    ],
)
def test_connect_to_rules(text: str, rule: tuple[str, int, str, int]) -> None:
    parsed = parse_connect_to(text)
    assert (parsed.host, parsed.port, parsed.address, parsed.target_port) == rule
    assert parsed.matches(rule[0], rule[1]) and not parsed.matches(rule[0], 80)


@pytest.mark.parametrize("text", ["mail.example.com:443", "a:b:c:d", "h:443:a:99999", ""])
def test_bad_connect_to_rules(text: str) -> None:
    with pytest.raises(ConnectToError):
        parse_connect_to(text)
