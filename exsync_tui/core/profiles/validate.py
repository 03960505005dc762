"""Checks of single profile values, with hints for the mistakes people really make.

Each check takes the raw value and returns it normalised, or raises
:class:`InvalidValue`; the caller adds where the value came from (the key
path or the command-line flag).
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from urllib.parse import urlsplit


class InvalidValue(ValueError):
    """A value that cannot be used, with an optional hint on what to write instead."""

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint


PROFILE_NAME_MAX = 64
_PROFILE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
# Pragmatic RFC 5321 shape: dot-atom local part, a domain with at least one dot.
_EMAIL = re.compile(
    r"^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
    r"@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+"
    r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$"
)
_HOST_LABEL = re.compile(r"^(?!-)[A-Za-z0-9-]{1,63}(?<!-)$")
# Characters Windows forbids in NetBIOS and user names, plus whitespace.
_BAD_ACCOUNT_CHARS = set('\\/:*?"<>|[]=;,+') | {" ", "\t"}
_HEX64 = re.compile(r"^[0-9a-f]{64}$")
_UUID_HEX = re.compile(r"^[0-9a-f]{32}$")
_CONNECT_TO = re.compile(
    r"^(?P<host>\[[^\]]+\]|[^:\[\]]+):(?P<port>\d{1,5}):"
    r"(?P<addr>\[[^\]]+\]|[^:\[\]]+):(?P<addr_port>\d{1,5})$"
)
# TOML turns these backslash escapes into control characters: `"CORP\nancy"`.
_TOML_ESCAPES = {"\n": "n", "\t": "t", "\r": "r", "\b": "b", "\f": "f"}


def profile_name(value: str) -> str:
    """A profile name: used on the command line and as a directory name."""
    if not value:
        raise InvalidValue("profile name is empty")
    if len(value) > PROFILE_NAME_MAX:
        raise InvalidValue(f"profile name is longer than {PROFILE_NAME_MAX} characters")
    if not _PROFILE_NAME.match(value):
        raise InvalidValue(
            f"profile name {value!r} may only hold letters, digits, '.', '_' and '-' "
            "and must start with a letter or digit"
        )
    return value


def profile_id(value: str) -> str:
    """A profile id: a uuid as 32 lowercase hex digits (hyphens are dropped)."""
    normalised = value.replace("-", "").lower()
    if not _UUID_HEX.match(normalised):
        raise InvalidValue(f"{value!r} is not a profile id (32 hex digits)")
    return normalised


def email(value: str) -> str:
    """An email address such as ``jane@example.com``."""
    candidate = value.strip()
    if candidate.lower().startswith("mailto:"):
        raise InvalidValue(
            f"not an email address: {value!r}", hint=f"drop 'mailto:': {candidate[7:]!r}"
        )
    if "<" in candidate and ">" in candidate:
        inner = candidate[candidate.index("<") + 1 : candidate.rindex(">")]
        raise InvalidValue(f"not an email address: {value!r}", hint=f"write only {inner!r}")
    if not _EMAIL.match(candidate) or len(candidate) > 254:
        hint = None
        if "@" not in candidate:
            hint = "an email address has the form name@example.com"
        elif candidate.count("@") > 1:
            hint = "an email address holds exactly one '@'"
        raise InvalidValue(f"not an email address: {value!r}", hint=hint)
    return candidate


def _escape_hint(value: str) -> str | None:
    """Explain a username where TOML already turned ``\\n`` or ``\\t`` into a control character."""
    for char, letter in _TOML_ESCAPES.items():
        if char in value:
            written = value.replace(char, "\\" + letter)
            doubled = written.replace("\\", "\\\\")
            return (
                f"it looks like {written} written with a single backslash, which TOML reads "
                f"as an escape; write \"{doubled}\" or the literal string '{written}'"
            )
    return None


def username(value: str) -> str:
    """A sign-in name: ``user@domain.com`` (UPN) or ``DOMAIN\\user`` (down-level logon name)."""
    hint = _escape_hint(value)
    if hint:
        raise InvalidValue("the username holds a control character", hint=hint)
    if "\\" in value:
        domain, _, user = value.partition("\\")
        if not domain or not user:
            raise InvalidValue(
                f"{value!r} is not DOMAIN\\user: both the domain and the user are needed"
            )
        bad = sorted({c for c in domain + user if c in _BAD_ACCOUNT_CHARS or not c.isprintable()})
        if bad:
            raise InvalidValue(f"{value!r} holds characters a Windows account cannot: {bad}")
        return value
    if "@" in value:
        try:
            return email(value)
        except InvalidValue as error:
            raise InvalidValue(f"{value!r} is not a user@domain.com sign-in name") from error
    raise InvalidValue(
        f"{value!r} is neither user@domain.com nor DOMAIN\\user",
        hint="most Exchange servers want DOMAIN\\user (your Windows login) or your "
        "user@domain.com sign-in name",
    )


def _host(value: str) -> str:
    """A DNS name or an IP address (IPv6 with or without brackets)."""
    bare = value[1:-1] if value.startswith("[") and value.endswith("]") else value
    try:
        ipaddress.ip_address(bare)
        return value
    except ValueError:
        pass
    labels = bare.rstrip(".").split(".")
    if len(bare) > 253 or not all(_HOST_LABEL.match(label) for label in labels):
        raise InvalidValue(f"{value!r} is not a host name")
    return value


def _port(text: str, what: str) -> int:
    port = int(text)
    if not 1 <= port <= 65535:
        raise InvalidValue(f"{what} {port} is not between 1 and 65535")
    return port


def server(value: str) -> str:
    """The Exchange server's host name, optionally with ``:port``; never a URL."""
    candidate = value.strip()
    if "://" in candidate or "/" in candidate:
        parts = urlsplit(candidate if "://" in candidate else "https://" + candidate)
        host = parts.hostname or "the host name"
        raise InvalidValue(
            f"{value!r} is a URL, not a host name",
            hint=f"the server is just the host name ({host!r}); a full EWS address "
            "(https://.../EWS/Exchange.asmx) goes in ews_url instead",
        )
    host, sep, port = candidate.rpartition(":") if candidate.count(":") == 1 else ("", "", "")
    if sep:
        if not port.isdigit():
            raise InvalidValue(f"{value!r}: the port after ':' is not a number")
        _port(port, "port")
        _host(host)
    else:
        _host(candidate)
    return candidate


def ews_url(value: str) -> str:
    """The EWS endpoint, e.g. ``https://mail.example.com/EWS/Exchange.asmx``; https only."""
    candidate = value.strip()
    parts = urlsplit(candidate)
    if parts.scheme.lower() == "http":
        raise InvalidValue(
            f"{value!r} is not https",
            hint="exsync sends your password to this address, so it must start with https://",
        )
    if parts.scheme.lower() != "https" or not parts.hostname:
        raise InvalidValue(
            f"{value!r} is not an https URL",
            hint="it usually looks like https://mail.example.com/EWS/Exchange.asmx",
        )
    if parts.username or parts.password:
        raise InvalidValue("the EWS URL must not hold a user name or password")
    try:
        _ = parts.port
    except ValueError as error:
        raise InvalidValue(f"{value!r} has an invalid port") from error
    _host(parts.hostname)
    return candidate


def pin_sha256(value: str) -> str:
    """A certificate's SHA-256 fingerprint: 64 hex digits, colons and case ignored."""
    normalised = value.strip().replace(":", "").lower()
    if not _HEX64.match(normalised):
        raise InvalidValue(
            f"{value!r} is not a SHA-256 fingerprint",
            hint="64 hex digits, with or without colons (AB:CD:...), as `openssl x509 "
            "-noout -fingerprint -sha256` prints it",
        )
    return normalised


@dataclass(frozen=True)
class ConnectTo:
    """One ``HOST:PORT:ADDR:PORT`` rule: connect to ADDR:PORT when asked for HOST:PORT."""

    host: str
    port: int
    address: str
    address_port: int

    @property
    def address_unbracketed(self) -> str:
        """The address without the brackets an IPv6 literal needs in the rule."""
        return self.address.strip("[]")


def parse_connect_to(value: str) -> ConnectTo:
    """Split and check one ``HOST:PORT:ADDR:PORT`` rule (IPv6 addresses in brackets)."""
    match = _CONNECT_TO.match(value.strip())
    if not match:
        raise InvalidValue(
            f"{value!r} is not HOST:PORT:ADDR:PORT",
            hint="e.g. mail.example.com:443:127.0.0.1:8443 (IPv6 in brackets: [::1])",
        )
    host = _host(match["host"])
    address = _host(match["addr"])
    return ConnectTo(
        host=host,
        port=_port(match["port"], "port"),
        address=address,
        address_port=_port(match["addr_port"], "port"),
    )


def connect_to(value: str) -> str:
    """A ``HOST:PORT:ADDR:PORT`` rule, checked and returned as written (trimmed)."""
    parse_connect_to(value)
    return value.strip()


def password_command(value: object) -> tuple[str, ...]:
    """An argv list run without a shell; a single string is refused with a hint."""
    if isinstance(value, str):
        raise InvalidValue(
            "password_command must be a list of arguments, not a string",
            hint='write e.g. ["pass", "show", "work/exchange"]; it runs without a shell',
        )
    if not isinstance(value, list | tuple) or not value:
        raise InvalidValue("password_command must be a non-empty list of strings")
    if not all(isinstance(arg, str) for arg in value):
        raise InvalidValue("every item of password_command must be a string")
    argv = tuple(str(arg) for arg in value)
    if not argv[0]:
        raise InvalidValue("the program of password_command (its first item) is empty")
    return argv
