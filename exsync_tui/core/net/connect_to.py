"""``--connect-to HOST:PORT:ADDR:PORT``: reach a host name at another address, curl style.

The request still says ``HOST`` (Host header, TLS server name, certificate
check); only the TCP connection goes to ``ADDR:PORT``. This lets a user reach a
server whose DNS is wrong or internal-only without editing /etc/hosts, and lets
the tests reach the sandbox under its real names. The syntax check is the
profile validator's, so the config file and the network agree on what a rule is.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from exsync_tui.core.profiles.validate import InvalidValue
from exsync_tui.core.profiles.validate import parse_connect_to as _validate_connect_to


class ConnectToError(ValueError):
    """A ``--connect-to`` value that cannot be understood; the message says why."""


@dataclass(frozen=True)
class ConnectToRule:
    """Connections to ``host:port`` go to ``address:target_port``."""

    host: str
    port: int
    address: str
    target_port: int

    def matches(self, host: str, port: int) -> bool:
        """True when this rule applies to a connection to ``host:port``."""
        return self.host == host.strip("[]").lower().rstrip(".") and self.port == port

    def __str__(self) -> str:
        def bracket(text: str) -> str:
            return f"[{text}]" if ":" in text else text

        return f"{bracket(self.host)}:{self.port}:{bracket(self.address)}:{self.target_port}"


def parse_connect_to(value: str) -> ConnectToRule:
    """One rule from ``HOST:PORT:ADDR:PORT`` (IPv6 in brackets)."""
    try:
        checked = _validate_connect_to(value)
    except InvalidValue as error:
        message = f"{error.message} ({error.hint})" if error.hint else error.message
        raise ConnectToError(message) from error
    return ConnectToRule(
        host=checked.host.strip("[]").lower().rstrip("."),
        port=checked.port,
        address=checked.address_unbracketed,
        target_port=checked.address_port,
    )


def parse_connect_to_list(values: Iterable[str]) -> tuple[ConnectToRule, ...]:
    """All rules, in order; the first matching rule wins."""
    return tuple(parse_connect_to(value) for value in values)


def find_rule(rules: Iterable[ConnectToRule], host: str, port: int) -> ConnectToRule | None:
    """The first rule that applies to ``host:port``."""
    return next((rule for rule in rules if rule.matches(host, port)), None)
