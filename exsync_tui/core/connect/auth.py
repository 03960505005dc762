"""Sign-in schemes: what the server offers, which one to use, and why a sign-in failed.

The server's offer comes from the ``WWW-Authenticate`` headers of an
unauthenticated request; it tells the doctor which schemes exist, and tells
"auto" which one to use (NTLM before Basic, like Outlook). A 401 after sending
credentials is read for the reasons Exchange gives (lockout, expired password,
basic auth disabled in favour of modern auth).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from exchangelib import transport
from exchangelib.credentials import Credentials

from exsync_tui.core.connect.request import AuthChoice

NTLM: str = str(transport.NTLM)
BASIC: str = str(transport.BASIC)
NTLM_SCHEMES = frozenset({"ntlm", "negotiate"})
MODERN_SCHEMES = frozenset({"bearer"})


def offered_schemes(headers: Mapping[str, str]) -> tuple[str, ...]:
    """Scheme names from ``WWW-Authenticate`` (requests joins repeated headers with ', ')."""
    value = headers.get("WWW-Authenticate", "")
    schemes: list[str] = []
    for part in value.split(","):
        token = part.strip().split(" ", 1)[0]
        # Parameters (realm="x", error=...) follow their scheme; they hold '='.
        if token and "=" not in token and token not in schemes:
            schemes.append(token)
    return tuple(schemes)


class NoUsableScheme(Exception):
    """The server offers nothing exsync can sign in with; ``topic_id`` says which case."""

    def __init__(self, topic_id: str, offered: tuple[str, ...]) -> None:
        self.topic_id = topic_id
        self.offered = offered
        super().__init__(f"offered: {', '.join(offered) or 'nothing'}")


def choose_scheme(offered: Iterable[str], wanted: AuthChoice) -> str:
    """exchangelib's auth type (``NTLM`` or ``basic``) for the server's offer and the setting."""
    names = {scheme.lower() for scheme in offered}
    has_ntlm = bool(names & NTLM_SCHEMES)
    has_basic = "basic" in names
    if wanted == "ntlm" and has_ntlm:
        return NTLM
    if wanted == "basic" and has_basic:
        return BASIC
    if wanted == "auto":
        if has_ntlm:
            return NTLM
        if has_basic:
            return BASIC
    ordered = tuple(offered)
    if names and names <= MODERN_SCHEMES:
        raise NoUsableScheme("modern-auth-required", ordered)
    raise NoUsableScheme("auth-unsupported", ordered)


def scheme_label(auth_type: str) -> str:
    """``ntlm`` or ``basic``: the profile's spelling of exchangelib's auth type."""
    return "ntlm" if auth_type == NTLM else "basic"


def sign_in_name(username: str, auth_type: str) -> str:
    """The name exchangelib would send: NTLM with an email-style name gets an empty domain."""
    if auth_type == NTLM and Credentials(username, "").type == Credentials.EMAIL:
        return "\\" + username
    return username


def requests_auth(auth_type: str, username: str, password: str) -> Any:
    """A requests auth object for the scheme, exactly as exchangelib builds it."""
    return transport.get_auth_instance(
        auth_type=auth_type, username=sign_in_name(username, auth_type), password=password
    )


@dataclass(frozen=True)
class Rejection:
    """Why a request with credentials was refused: a help topic id and what the server said."""

    topic_id: str
    detail: str


_LOCKED_MARKERS = ("locked out", "account is locked", "accountlocked")
_EXPIRED = re.compile(r"password\b.{0,40}\bexpired|passwordexpired|must change (your|the) password")
_MODERN_MARKERS = ("basic authentication is disabled", "modern auth", "oauth", "invalid_token")


def read_rejection(
    status: int, headers: Mapping[str, str], body: bytes, username: str, email: str
) -> Rejection:
    """The help topic for a refused sign-in (status 401/403 after sending credentials)."""
    text = " ".join(
        [body[:4096].decode("utf-8", "replace"), headers.get("X-MS-Diagnostics", "")]
    ).lower()
    schemes = {scheme.lower() for scheme in offered_schemes(headers)}
    if any(marker in text for marker in _LOCKED_MARKERS):
        return Rejection("account-locked", "the server says the account is locked")
    if _EXPIRED.search(text):
        return Rejection("password-expired", "the server says the password has expired")
    if schemes and schemes <= MODERN_SCHEMES or any(m in text for m in _MODERN_MARKERS):
        return Rejection(
            "modern-auth-required", "the server refused the password and asks for OAuth (Bearer)"
        )
    hint = username_format_hint(username, email)
    if hint is not None:
        return Rejection("username-format", f"the server refused the sign-in; {hint}")
    return Rejection("credentials-rejected", "the server refused the user name or password")


def username_format_hint(username: str, email: str) -> str | None:
    """A hint when the user name has a shape Exchange rarely accepts, else None.

    Exchange takes ``DOMAIN\\user`` (Windows logon) and ``user@domain.com`` (UPN);
    the usual slips are a forward slash, a short domain after ``@``, a name
    without any domain, and both forms mixed.
    """
    email_domain = email.rpartition("@")[2] or "example.com"
    short_domain = email_domain.split(".")[0].upper() or "DOMAIN"
    if not username:
        return f"the user name is empty; try {email}"
    if "/" in username and "\\" not in username:
        domain, _, user = username.partition("/")
        return f"{username!r} uses '/'; a Windows logon is written {domain}\\{user}"
    if "\\" in username:
        domain, _, user = username.partition("\\")
        if "@" in user:
            return (
                f"{username!r} mixes both forms; use {domain}\\{user.partition('@')[0]} or {user}"
            )
        return None
    if "@" in username:
        user, _, domain = username.partition("@")
        if "." not in domain:
            return (
                f"{username!r} has a short domain after '@'; use {user}@{email_domain} "
                f"or {domain.upper()}\\{user}"
            )
        return None
    return (
        f"{username!r} has no domain; try {short_domain}\\{username} or {username}@{email_domain}"
    )
