"""Networking for exsync: name resolution, connect-to mapping, TLS trust, proxies, routes.

Everything exsync sends over the network, exchangelib's requests included, goes
through :class:`ExsyncHTTPAdapter`, which applies the per-host
:class:`HostPolicy` registered in :data:`REGISTRY` and the calling thread's
:class:`NetScope` (cancellation, timeouts, the deadline), and reads every answer within bounds
(:mod:`.bounded`).
"""

from exsync_tui.core.net.adapter import EwsHTTPAdapter, ExsyncHTTPAdapter, install_adapter
from exsync_tui.core.net.addresses import AddressKind, classify, describe_kind, is_internal
from exsync_tui.core.net.bounded import (
    EWS_RESPONSE_MAX_BYTES,
    SMALL_RESPONSE_MAX_BYTES,
    BoundedResponse,
)
from exsync_tui.core.net.connect_to import (
    ConnectToError,
    ConnectToRule,
    parse_connect_to,
    parse_connect_to_list,
)
from exsync_tui.core.net.errors import (
    CancelledByUserError,
    DeadlineExceededError,
    NameNotFoundError,
    ResponseRejectedError,
    ResponseTooLargeError,
    UnroutableAddressError,
    UnsafeXmlError,
)
from exsync_tui.core.net.guard import AddressVerdict, judge_address, judge_addresses
from exsync_tui.core.net.policy import (
    REGISTRY,
    HostPolicy,
    PolicyScope,
    applied,
    format_fingerprint,
    normalise_host,
    normalise_pin,
)
from exsync_tui.core.net.proxy import proxy_for, redact_proxy
from exsync_tui.core.net.resolve import (
    AddressSource,
    Resolution,
    SrvTarget,
    lookup_srv,
    parse_nameserver,
    resolve_addresses,
)
from exsync_tui.core.net.routes import (
    Reachability,
    RouteTable,
    current_route_table,
    set_route_table_source,
)
from exsync_tui.core.net.scope import NetScope, current_scope, net_scope

__all__ = [
    "EWS_RESPONSE_MAX_BYTES",
    "REGISTRY",
    "SMALL_RESPONSE_MAX_BYTES",
    "AddressKind",
    "AddressSource",
    "AddressVerdict",
    "BoundedResponse",
    "CancelledByUserError",
    "ConnectToError",
    "ConnectToRule",
    "DeadlineExceededError",
    "EwsHTTPAdapter",
    "ExsyncHTTPAdapter",
    "HostPolicy",
    "NameNotFoundError",
    "NetScope",
    "PolicyScope",
    "Reachability",
    "Resolution",
    "ResponseRejectedError",
    "ResponseTooLargeError",
    "RouteTable",
    "SrvTarget",
    "UnroutableAddressError",
    "UnsafeXmlError",
    "applied",
    "classify",
    "current_route_table",
    "current_scope",
    "describe_kind",
    "format_fingerprint",
    "install_adapter",
    "is_internal",
    "judge_address",
    "judge_addresses",
    "lookup_srv",
    "net_scope",
    "normalise_host",
    "normalise_pin",
    "parse_connect_to",
    "parse_connect_to_list",
    "parse_nameserver",
    "proxy_for",
    "redact_proxy",
    "resolve_addresses",
    "set_route_table_source",
]
