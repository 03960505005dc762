"""Network errors exsync raises itself, so the doctor can name them precisely.

They subclass urllib3's connection errors so that requests and exchangelib
treat them like any other failed connection (no retries, clean session
handling), while :mod:`exsync_tui.core.diagnose` can still find them in the
exception chain.
"""

from __future__ import annotations

from typing import Any

from requests.exceptions import InvalidURL
from urllib3.exceptions import NewConnectionError


class UnroutableAddressError(NewConnectionError):
    """The host resolves only to internal addresses this machine has no route to.

    Raised before any packet is sent: without a VPN or the office network, such
    traffic would only leave through the default route.
    """

    def __init__(self, conn: Any, host: str, addresses: tuple[str, ...]) -> None:
        self.host = host
        self.addresses = addresses
        super().__init__(
            conn,
            f"{host} resolves only to internal addresses ({', '.join(addresses)}) "
            "that are not reachable from this network",
        )

    def __reduce__(self) -> tuple[Any, ...]:
        return self.__class__, (None, self.host, self.addresses)


class NameNotFoundError(OSError):
    """A host name that does not resolve (through DNS, or the configured nameserver)."""

    def __init__(self, host: str, reason: str, nameserver: str | None = None) -> None:
        self.host = host
        self.reason = reason
        self.nameserver = nameserver
        where = f" (asked {nameserver})" if nameserver else ""
        super().__init__(f"{host} could not be resolved{where}: {reason}")

    def __reduce__(self) -> tuple[Any, ...]:
        return self.__class__, (self.host, self.reason, self.nameserver)


class CancelledByUserError(NewConnectionError):
    """The user cancelled; raised instead of opening a connection."""

    def __init__(self, conn: Any = None) -> None:
        super().__init__(conn, "cancelled")

    def __reduce__(self) -> tuple[Any, ...]:
        return self.__class__, (None,)


class CredentialsRefusedError(InvalidURL):
    """exsync refused to send credentials with a request, so nothing was sent.

    An ``InvalidURL``, not a connection error: exchangelib retries connection
    errors, and this one must end the attempt at once.
    """

    def __init__(self, host: str, reason: str) -> None:
        self.host = host
        self.reason = reason
        shown = host or "an unreadable address"
        super().__init__(f"exsync refused to send the password to {shown}: {reason}")

    def __reduce__(self) -> tuple[Any, ...]:
        return self.__class__, (self.host, self.reason)
