"""HTTP(S) proxies from the environment, as requests applies them.

requests already honours ``HTTPS_PROXY``/``HTTP_PROXY``/``NO_PROXY`` for every
session (exchangelib's too); the doctor only needs to know whether a given URL
goes through a proxy, because then the proxy, not this machine, resolves names
and opens the connection.
"""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit

from requests.utils import get_environ_proxies, select_proxy


def proxy_for(url: str) -> str | None:
    """The proxy URL requests would use for ``url`` (from the environment), or None."""
    proxy: str | None = select_proxy(url, get_environ_proxies(url))
    return proxy


def redact_proxy(proxy: str) -> str:
    """A proxy URL without its user name and password, for reports."""
    parts = urlsplit(proxy if "://" in proxy else f"http://{proxy}")
    host = parts.hostname or ""
    netloc = f"{host}:{parts.port}" if parts.port else host
    return urlunsplit((parts.scheme, netloc, parts.path, "", ""))
