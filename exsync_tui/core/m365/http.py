"""msal's HTTP through exsync's own adapter: TLS trust, pins, host mapping, proxies, route guard.

msal takes any ``requests.Session``-like ``http_client``. Giving it one with
:class:`~exsync_tui.core.net.ExsyncHTTPAdapter` mounted for every URL means the
profile's trust and connect-to rules apply (looked up per host in the policy
registry, so ``REQUESTS_CA_BUNDLE``, which overrides a session's ``verify=``,
cannot undo a profile's CA), proxies come from the environment as for all of
exsync, and each round runs in a :class:`~exsync_tui.core.net.NetScope` whose
cancel event aborts a request in flight.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator

import requests

from exsync_tui.core.m365.settings import M365Settings
from exsync_tui.core.net import ExsyncHTTPAdapter, NetScope, applied, net_scope

ROUND_BUDGET_S = 60.0
"""The most one exchange with the authority (discovery, one poll, one refresh) may take."""


def msal_session() -> requests.Session:
    """A session whose every request goes through exsync's adapter."""
    session = requests.Session()
    adapter = ExsyncHTTPAdapter()
    session.mount("https://", adapter)
    session.mount("http://", adapter)
    return session


@contextlib.contextmanager
def authority_round(
    settings: M365Settings, cancel: threading.Event, budget_s: float = ROUND_BUDGET_S
) -> Iterator[None]:
    """The profile's network policy for the authority and Graph, and a cancellable scope."""
    hosts = [settings.authority_host, settings.graph_host]
    with applied(settings.policy, hosts), net_scope(NetScope(cancel=cancel, budget_s=budget_s)):
        yield
