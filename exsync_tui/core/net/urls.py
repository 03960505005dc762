"""Reading a URL that may receive a password: once, strictly, and the way the wire reads it.

Python's ``urlsplit`` and urllib3 disagree about odd URLs: for
``https://attacker.test\\@autodiscover.example.com/`` ``urlsplit`` says the host
is ``autodiscover.example.com`` while urllib3 treats the backslash as the end of
the host and connects to ``attacker.test``. A trust decision made on one
parser's answer and a connection made on the other's is how a password reaches a
host nobody confirmed. So every URL exsync may send credentials to is checked
here: no user name, no backslash, no control, space or non-ASCII character,
valid host labels, a numeric port, and both parsers must name the same host and
port. :func:`wire_host` is the host the request really goes to.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from urllib3.util import parse_url

# Underscores are not valid in DNS host names but do occur on Active Directory intranets.
_LABEL = re.compile(r"^(?!-)[a-z0-9_-]{1,63}(?<!-)$")
_DEFAULT_PORTS = {"https": 443, "http": 80}
_AUTHORITY_END = re.compile(r"[/?#]")


class UnsafeAddressError(ValueError):
    """A URL or host that exsync will not send credentials to; ``reason`` says why."""

    def __init__(self, text: str, reason: str) -> None:
        self.text = text
        self.reason = reason
        super().__init__(f"{text!r}: {reason}")


@dataclass(frozen=True)
class CheckedURL:
    """A URL that passed :func:`check_url`: lower-case scheme and host, a numeric port."""

    scheme: str
    host: str
    port: int
    path_and_query: str

    @property
    def netloc(self) -> str:
        """``host[:port]`` with the port only when it is not the scheme's default."""
        name = f"[{self.host}]" if ":" in self.host else self.host
        if self.port != _DEFAULT_PORTS[self.scheme]:
            return f"{name}:{self.port}"
        return name

    @property
    def url(self) -> str:
        """The URL rebuilt from its checked parts (no fragment)."""
        return f"{self.scheme}://{self.netloc}{self.path_and_query}"


def check_host(text: str) -> str:
    """``text`` as a host name (lower case, no trailing dot) or IP address; else UnsafeAddressError.

    Host names are ASCII letters, digits and hyphens in dot-separated labels, as
    DNS and TLS certificates know them; international names are written in their
    ``xn--`` form.
    """
    if not text:
        raise UnsafeAddressError(text, "the host name is missing")
    bare = text[1:-1] if text.startswith("[") and text.endswith("]") else text
    if "%" not in bare:
        try:
            return str(ipaddress.ip_address(bare))
        except ValueError:
            pass
    name = text.lower().removesuffix(".")
    if not name.isascii():
        raise UnsafeAddressError(text, "write international names in their xn-- form")
    if len(name) > 253 or not all(_LABEL.match(label) for label in name.split(".")):
        raise UnsafeAddressError(text, "not a valid host name")
    return name


def _split_authority(authority: str, text: str) -> tuple[str, str]:
    if authority.startswith("["):
        host, bracket, rest = authority[1:].partition("]")
        if not bracket or (rest and not rest.startswith(":")):
            raise UnsafeAddressError(text, "a malformed IPv6 address")
        return host, rest[1:] if rest else ""
    host, _, port = authority.partition(":")
    return host, port


def _port(port_text: str, scheme: str, text: str) -> int:
    if port_text == "":
        return _DEFAULT_PORTS[scheme]
    if not port_text.isdigit() or not 0 < int(port_text) < 65536:
        raise UnsafeAddressError(text, f"{port_text!r} is not a port number")
    return int(port_text)


def ip_address_of(host: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """``host`` (brackets allowed) as an IP address, or None for a name."""
    try:
        return ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return None


def is_loopback_host(host: str) -> bool:
    """True for ``localhost`` and loopback addresses: plain http stays on this machine there."""
    address = ip_address_of(host)
    return host == "localhost" or (address is not None and address.is_loopback)


def check_url(text: str) -> CheckedURL:
    """``text`` as an http(s) URL safe to trust by its host; else UnsafeAddressError."""
    if "\\" in text:
        raise UnsafeAddressError(text, "a backslash in an address")
    if any(ord(char) < 33 or ord(char) == 127 or char.isspace() for char in text):
        raise UnsafeAddressError(text, "a control or space character in an address")
    if not text.isascii():
        raise UnsafeAddressError(text, "a character outside ASCII in an address")
    scheme, separator, rest = text.partition("://")
    scheme = scheme.lower()
    if not separator or scheme not in _DEFAULT_PORTS:
        raise UnsafeAddressError(text, "not an https:// or http:// address")
    end = _AUTHORITY_END.search(rest)
    authority = rest[: end.start()] if end else rest
    path_and_query = (rest[end.start() :] if end else "").partition("#")[0] or "/"
    if "@" in authority:
        raise UnsafeAddressError(text, "a user name in an address")
    host_text, port_text = _split_authority(authority, text)
    checked = CheckedURL(
        scheme, check_host(host_text), _port(port_text, scheme, text), path_and_query
    )
    _agree(text, checked)
    return checked


def _agree(text: str, checked: CheckedURL) -> None:
    """Both parsers that touch the URL later must read the same host and port as we did."""
    try:
        wire = parse_url(text)
        split = urlsplit(text)
        readings = {
            (_bare(wire.host), wire.port or _DEFAULT_PORTS[checked.scheme]),
            (_bare(split.hostname), split.port or _DEFAULT_PORTS[checked.scheme]),
        }
    except ValueError as error:
        raise UnsafeAddressError(text, f"cannot be read: {error}") from error
    if readings != {(checked.host, checked.port)}:
        raise UnsafeAddressError(text, "the address reads differently to different parsers")


def _bare(host: str | None) -> str:
    if not host:
        return ""
    try:
        return check_host(host)
    except UnsafeAddressError:
        return host


def wire_host(url: str | None) -> str:
    """The host a request to ``url`` really connects to (urllib3's reading), normalised."""
    try:
        host = parse_url(url or "").host
    except ValueError:
        return ""
    return _bare(host).lower().rstrip(".")
