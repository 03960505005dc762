"""Turning what a user types or pastes into the server field into an EWS URL.

Users type a host (``mail.example.com``), a full EWS URL, or paste whatever
their browser shows for Outlook on the web
(``https://mail.example.com/owa/#path=/mail``). All of them name the same
server; EWS lives at ``/EWS/Exchange.asmx`` on it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal
from urllib.parse import urlsplit

from exsync_tui.core.net.urls import UnsafeAddressError, check_host, is_loopback_host

EWS_PATH = "/EWS/Exchange.asmx"

ServerSource = Literal["host", "ews_url", "owa_url"]

# Paths that belong to the Outlook web app or the admin center on the same server.
_OWA_PREFIXES = ("/owa", "/ecp", "/mail", "/mapi", "/autodiscover", "/oab", "/microsoft-server")


class ServerTextError(ValueError):
    """The server text cannot name a server; ``reason`` says why in plain words."""

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(reason)


@dataclass(frozen=True)
class ServerSpec:
    """A server as understood from the user's text.

    ``host`` is the bare host name (or IP address), ``ews_url`` the EWS endpoint,
    ``source`` what kind of text it came from, ``port`` the TCP port.
    """

    host: str
    ews_url: str
    source: ServerSource = "host"
    port: int = 443


def _check_host(host: str) -> str:
    if not host:
        raise ServerTextError("the server name is missing")
    try:
        return check_host(host)
    except UnsafeAddressError as error:
        raise ServerTextError(f"{host!r} is not a valid server name") from error


def normalise_server(text: str) -> ServerSpec:
    """A :class:`ServerSpec` from a host, an EWS URL or an Outlook-on-the-web URL.

    Raises :class:`ServerTextError` with a reason fit to show next to the field.
    """
    value = text.strip()
    if not value:
        raise ServerTextError("enter a server name or address")
    if any(char.isspace() for char in value):
        raise ServerTextError("a server name has no spaces")
    if not value.isascii():
        raise ServerTextError("write an international server name in its xn-- form")
    if "\\" in value or any(ord(char) < 32 or ord(char) == 127 for char in value):
        raise ServerTextError("a server address has no backslashes or control characters")
    if "://" not in value and "@" in value.split("/", 1)[0]:
        raise ServerTextError("this looks like an email address; enter the server name")
    has_scheme = "://" in value
    try:
        parts = urlsplit(value if has_scheme else f"https://{value}")
        port = parts.port
    except ValueError as error:
        raise ServerTextError(f"cannot read this address: {error}") from error
    scheme = parts.scheme.lower()
    if scheme not in ("https", "http"):
        raise ServerTextError(f"{scheme}:// is not a web address; use https://")
    if parts.username or parts.password:
        raise ServerTextError("leave the user name and password out of the server address")
    host = _check_host(parts.hostname or "")
    if scheme == "http" and not is_loopback_host(host):
        raise ServerTextError("exsync only sends passwords over https://")
    port = port or (443 if scheme == "https" else 80)
    default_port = 443 if scheme == "https" else 80
    netloc = f"[{host}]" if ":" in host else host
    if port != default_port:
        netloc = f"{netloc}:{port}"
    ews_url = f"{scheme}://{netloc}{EWS_PATH}"
    path = parts.path.rstrip("/").lower()
    source: ServerSource
    if path.endswith("/exchange.asmx") or path.endswith("/ews"):
        source = "ews_url"
        if path.endswith("/exchange.asmx"):
            ews_url = f"{scheme}://{netloc}{parts.path}"
    elif path.startswith(_OWA_PREFIXES) or parts.fragment.startswith("path="):
        source = "owa_url"
    elif path:
        raise ServerTextError(
            f"{parts.path!r} is not an Exchange address; paste the Outlook on the web address "
            "or enter just the server name"
        )
    else:
        source = "host"
    return ServerSpec(host=host, ews_url=ews_url, source=source, port=port)
