"""``--connect-to HOST:PORT:ADDR:PORT``: reach a host name at another address, curl style.

The request still says ``HOST`` (Host header, TLS server name, certificate
check); only the TCP connection goes to ``ADDR:PORT``. This lets a user reach a
server whose DNS is wrong or internal-only without editing /etc/hosts, and lets
the tests reach the sandbox under its real names.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

_RULE = re.compile(
    r"^(?P<host>\[[^\]]+\]|[^:\[\]]+):(?P<port>\d*):(?P<address>\[[^\]]+\]|[^:\[\]]+):(?P<target_port>\d*)$"
)


class ConnectToError(ValueError):
    """A ``--connect-to`` value that cannot be understood; the message says why."""


@dataclass(frozen=True)
class ConnectToRule:
    """Connections to ``host`` (on ``port``, or any port when None) go to ``address:target_port``.

    ``target_port`` None keeps the original port.
    """

    host: str
    port: int | None
    address: str
    target_port: int | None

    def matches(self, host: str, port: int) -> bool:
        """True when this rule applies to a connection to ``host:port``."""
        return self.host == host.lower().rstrip(".") and self.port in (None, port)

    def target(self, port: int) -> tuple[str, int]:
        """Where a connection to this rule's host on ``port`` goes."""
        return self.address, self.target_port if self.target_port is not None else port

    def __str__(self) -> str:
        def bracket(text: str) -> str:
            return f"[{text}]" if ":" in text else text

        port = "" if self.port is None else str(self.port)
        target_port = "" if self.target_port is None else str(self.target_port)
        return f"{bracket(self.host)}:{port}:{bracket(self.address)}:{target_port}"


def _port(text: str, what: str, value: str) -> int | None:
    if not text:
        return None
    number = int(text)
    if not 0 < number < 65536:
        raise ConnectToError(f"{value!r}: the {what} must be between 1 and 65535")
    return number


def parse_connect_to(value: str) -> ConnectToRule:
    """One rule from ``HOST:PORT:ADDR:PORT`` (IPv6 in brackets; an empty port means any/same)."""
    match = _RULE.match(value.strip())
    if match is None:
        raise ConnectToError(
            f"{value!r} is not HOST:PORT:ADDRESS:PORT "
            "(for example mail.example.com:443:10.0.0.5:443)"
        )
    host = match["host"].strip("[]").lower().rstrip(".")
    address = match["address"].strip("[]")
    if not host or not address:
        raise ConnectToError(f"{value!r}: the host and the address must not be empty")
    return ConnectToRule(
        host=host,
        port=_port(match["port"], "port", value),
        address=address,
        target_port=_port(match["target_port"], "target port", value),
    )


def parse_connect_to_list(values: Iterable[str]) -> tuple[ConnectToRule, ...]:
    """All rules, in order; the first matching rule wins."""
    return tuple(parse_connect_to(value) for value in values)


def find_rule(rules: Iterable[ConnectToRule], host: str, port: int) -> ConnectToRule | None:
    """The first rule that applies to ``host:port``."""
    return next((rule for rule in rules if rule.matches(host, port)), None)
