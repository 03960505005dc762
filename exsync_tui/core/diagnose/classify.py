"""Mapping an exception to a help topic.

Failures reach exsync wrapped several times over (exchangelib re-raises
requests errors, which wrap urllib3 errors, which wrap ssl and socket errors),
so classification walks the whole chain and picks the most telling link.
Errors exsync raises itself carry their topic (:class:`TopicError`).
"""

from __future__ import annotations

import http.client
import re
import socket
import ssl
import struct
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import PurePath

import requests.exceptions
import urllib3.exceptions
from defusedxml import DefusedXmlException
from exchangelib import errors as ews_errors
from spnego.exceptions import SpnegoError

from exsync_tui.core.diagnose.technical import plain_unexpected
from exsync_tui.core.net.errors import (
    CancelledByUserError,
    CredentialsRefusedError,
    DeadlineExceededError,
    NameNotFoundError,
    ResponseRejectedError,
    UnroutableAddressError,
)


class TopicError(Exception):
    """An error that already knows its help topic (and facts to offer the user)."""

    def __init__(self, topic_id: str, detail: str, facts: Mapping[str, str] | None = None) -> None:
        self.topic_id = topic_id
        self.detail = detail
        self.facts = dict(facts or {})
        super().__init__(detail)


@dataclass(frozen=True)
class Classified:
    """The help topic for a failure, a one-line detail and any facts worth offering."""

    topic_id: str
    detail: str
    facts: dict[str, str] = field(default_factory=dict)


def exception_chain(error: BaseException, limit: int = 30) -> Iterator[BaseException]:
    """``error`` and everything it wraps (cause, context, ``reason``, exception args)."""
    seen: set[int] = set()
    queue: list[BaseException] = [error]
    while queue and len(seen) < limit:
        current = queue.pop(0)
        if id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        linked = [current.__cause__, current.__context__, getattr(current, "reason", None)]
        linked.extend(arg for arg in current.args if isinstance(arg, BaseException))
        queue.extend(item for item in linked if isinstance(item, BaseException))


# OpenSSL verify codes (X509_V_ERR_*).
_VERIFY_EXPIRED = 10
_VERIFY_NOT_YET_VALID = 9
_VERIFY_HOSTNAME_MISMATCH = 62
_FINGERPRINT = re.compile(
    r'Fingerprints did not match\. Expected "([0-9a-f:]+)", got "([0-9a-f:]+)"'
)
_NOT_TLS_MARKERS = (
    "wrong version number",
    "http request",
    "record layer failure",
    "unknown protocol",
)

DEADLINE_TOPIC = "server-timeout"
"""The topic of an attempt that ran out of time (a server answering too slowly, or not at
all): like a read timeout, which is classified the same way."""

_SERVER_BUSY = (
    ews_errors.ErrorServerBusy,
    ews_errors.RateLimitError,
    ews_errors.ErrorTooManyObjectsOpened,
    ews_errors.ErrorInternalServerTransientError,
    ews_errors.ErrorMailboxStoreUnavailable,
    ews_errors.ErrorMailboxMoveInProgress,
    ews_errors.ErrorTimeoutExpired,
)


def _tls(error: BaseException) -> Classified | None:
    text = str(error)
    if isinstance(error, TimeoutError) and "handshake" in text.lower():
        return Classified(
            "tls-silent", "the server accepted the connection but never answered the TLS handshake"
        )
    match = _FINGERPRINT.search(text)
    if match:
        return Classified(
            "tls-pin-mismatch",
            "the server's certificate is not the pinned one",
            {"certificate_sha256": match.group(2).replace(":", "").lower()},
        )
    if isinstance(error, ssl.SSLCertVerificationError):
        code = error.verify_code
        message = error.verify_message or text
        if code == _VERIFY_HOSTNAME_MISMATCH:
            return Classified("tls-name-mismatch", f"certificate check failed: {message}")
        if code in (_VERIFY_EXPIRED, _VERIFY_NOT_YET_VALID):
            return Classified("tls-expired", f"certificate check failed: {message}")
        return Classified("tls-untrusted", f"certificate check failed: {message}")
    if isinstance(error, ssl.SSLError):
        lowered = text.lower()
        if any(marker in lowered for marker in _NOT_TLS_MARKERS):
            return Classified("tls-intercepted", f"the answer was not TLS: {text}")
        if "certificate verify failed" in lowered:
            return Classified("tls-untrusted", text)
    return None


def _network(error: BaseException) -> Classified | None:
    if isinstance(error, UnroutableAddressError):
        return Classified(
            "private-address-vpn",
            str(error.args[0]).split(": ", 1)[-1] if error.args else "internal address",
            {"host": error.host, "addresses": ", ".join(error.addresses)},
        )
    if isinstance(error, NameNotFoundError):
        return Classified("dns-not-found", str(error), {"host": error.host})
    if isinstance(error, urllib3.exceptions.NameResolutionError | socket.gaierror):
        # urllib3's text names its connection class; the resolver's own words are plainer.
        reason: BaseException = getattr(error, "_reason", error)
        words = reason.strerror if isinstance(reason, OSError) and reason.strerror else error
        return Classified("dns-not-found", f"name not found: {words}")
    if isinstance(error, ConnectionRefusedError):
        return Classified("connection-refused", "the server refused the connection")
    if isinstance(error, urllib3.exceptions.ProxyError | requests.exceptions.ProxyError):
        return Classified("proxy-error", f"proxy error: {error}")
    if isinstance(
        error,
        urllib3.exceptions.ConnectTimeoutError | requests.exceptions.ConnectTimeout,
    ) and not isinstance(error, urllib3.exceptions.NewConnectionError):
        return Classified("connection-timeout", "the connection timed out")
    if isinstance(error, urllib3.exceptions.ReadTimeoutError | requests.exceptions.ReadTimeout):
        return Classified(DEADLINE_TOPIC, "the server did not answer in time")
    if isinstance(error, http.client.RemoteDisconnected | ConnectionResetError | BrokenPipeError):
        return Classified("server-silent", "the server closed the connection without answering")
    return None


def _exchange(error: BaseException) -> Classified | None:
    text = str(error)
    if isinstance(error, ews_errors.ErrorPasswordExpired | ews_errors.ErrorPasswordChangeRequired):
        return Classified("password-expired", text)
    if isinstance(error, ews_errors.ErrorAccountDisabled):
        return Classified("account-locked", f"the account is disabled: {text}")
    if isinstance(error, ews_errors.UnauthorizedError):
        if "locked" in text.lower():
            return Classified("account-locked", text)
        return Classified("credentials-rejected", text)
    if isinstance(error, ews_errors.ErrorNonExistentMailbox):
        return Classified("mailbox-not-found", text)
    if isinstance(error, ews_errors.ErrorAccessDenied) and "ews" in text.lower():
        return Classified("ews-disabled", text)
    if isinstance(
        error,
        ews_errors.ErrorAccessDenied
        | ews_errors.ErrorImpersonateUserDenied
        | ews_errors.ErrorImpersonationDenied,
    ):
        return Classified("access-denied", text)
    if isinstance(error, _SERVER_BUSY):
        return Classified("server-busy", text)
    return None


def _bounds(error: BaseException) -> Classified | None:
    """exsync's own limits: the attempt's deadline, the size cap, XML with a DTD."""
    if isinstance(error, DeadlineExceededError):
        return Classified(DEADLINE_TOPIC, str(error))
    if isinstance(error, ResponseRejectedError):
        facts = {"url": error.url} if error.url else {}
        return Classified("response-rejected", f"the answer was refused: {error.reason}", facts)
    if isinstance(error, DefusedXmlException):
        return Classified(
            "response-rejected",
            f"the answer was refused: it is XML declaring entities or a DTD ({error})",
        )
    return None


_NTLM_PACKAGES = frozenset({"requests_ntlm", "spnego"})
_CHALLENGE_ERRORS = (ValueError, struct.error, PermissionError, SpnegoError, IndexError)


def _raised_in_ntlm(error: BaseException) -> bool:
    """True when ``error`` went through the NTLM sign-in code (requests_ntlm, pyspnego)."""
    frame = error.__traceback__
    while frame is not None:
        if _NTLM_PACKAGES & set(PurePath(frame.tb_frame.f_code.co_filename).parts):
            return True
        frame = frame.tb_next
    return False


def _ntlm_challenge(error: BaseException) -> Classified | None:
    """A server NTLM challenge that could not be read (garbage after ``NTLM`` in the header)."""
    if (
        isinstance(error, _CHALLENGE_ERRORS)
        and not isinstance(error, requests.exceptions.RequestException | ConnectionError)
        and _raised_in_ntlm(error)
    ):
        return Classified(
            "auth-unsupported",
            "the server's NTLM sign-in answer is malformed (its challenge could not be read), "
            "so NTLM sign-in cannot go on",
        )
    return None


def classify(error: BaseException, *, cancelled: bool = False) -> Classified:
    """The help topic for ``error`` (``cancelled`` when the user's cancel event is set)."""
    chain = list(exception_chain(error))
    if cancelled or any(isinstance(link, CancelledByUserError) for link in chain):
        return Classified("cancelled", "cancelled")
    for link in chain:
        if isinstance(link, TopicError):
            return Classified(link.topic_id, link.detail, link.facts)
        if isinstance(link, CredentialsRefusedError):
            return Classified("redirect-declined", str(link), {"host": link.host})
    for check in (_bounds, _ntlm_challenge, _tls, _network, _exchange):
        for link in chain:
            found = check(link)
            if found is not None:
                return found
    return Classified("unexpected-error", plain_unexpected(chain))
