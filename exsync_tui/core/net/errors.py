"""Network errors exsync raises itself, so the doctor can name them precisely.

They subclass urllib3's connection errors so that requests and exchangelib
treat them like any other failed connection (no retries, clean session
handling), while :mod:`exsync_tui.core.diagnose` can still find them in the
exception chain.
"""

from __future__ import annotations

from typing import Any

from requests.exceptions import InvalidURL, RequestException
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


class DeadlineExceededError(Exception):
    """The attempt's overall deadline passed before the answer was complete.

    Deliberately not a requests or socket error: exchangelib retries those as
    "server busy", and autodiscover moves on to its next URL; a spent deadline
    must end the attempt instead.
    """

    def __init__(self, budget_s: float | None = None) -> None:
        self.budget_s = budget_s
        allowed = f"the {budget_s:g} s allowed" if budget_s is not None else "the time allowed"
        super().__init__(f"the server did not finish answering within {allowed}")

    def __reduce__(self) -> tuple[Any, ...]:
        return self.__class__, (self.budget_s,)


class ResponseRejectedError(RequestException):
    """An answer exsync refuses to read on: larger than the cap, or XML with a DTD.

    A requests error (so autodiscover records it and tries its next URL) but not a
    connection error (so exchangelib does not retry it as "server busy").
    """

    def __init__(self, reason: str, url: str | None = None) -> None:
        self.reason = reason
        self.url = url
        super().__init__(f"{url}: {reason}" if url else reason)

    def __reduce__(self) -> tuple[Any, ...]:
        return self.__class__, (self.reason, self.url)


class ResponseTooLargeError(ResponseRejectedError):
    """The answer is larger than the cap for this kind of request."""

    def __init__(self, limit: int, url: str | None = None) -> None:
        self.limit = limit
        super().__init__(f"the answer is larger than {format_size(limit)}; reading stopped", url)

    def __reduce__(self) -> tuple[Any, ...]:
        return self.__class__, (self.limit, self.url)


class UnsafeXmlError(ResponseRejectedError):
    """The answer is XML with a document type declaration (entities), which no Exchange sends."""


def format_size(size: int) -> str:
    """``4 MiB``, ``200 MiB``, ``512 KiB``: a byte count as people read it."""
    for unit, factor in (("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)):
        if size >= factor:
            return f"{size / factor:g} {unit}"
    return f"{size} bytes"
