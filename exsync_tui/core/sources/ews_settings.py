"""What the EWS source needs to reach a mailbox, taken from a saved profile.

A sync does not autodiscover: it uses what connecting learned and saved on
the profile (EWS URL, auth type, server build), and the profile's network
settings through the same :func:`~exsync_tui.core.connect.runner.policy_for`
as connecting, so trust, pins, connect-to rules and the route guard are the same.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from exchangelib import BASIC, NTLM

from exsync_tui.core.connect.request import request_from_profile
from exsync_tui.core.connect.runner import policy_for
from exsync_tui.core.connect.server_text import ServerTextError, normalise_server
from exsync_tui.core.diagnose.classify import TopicError
from exsync_tui.core.net import HostPolicy
from exsync_tui.core.profiles import AuthType, Profile

DEFAULT_MAX_CONNECTIONS = 4
DEFAULT_BATCH_SIZE = 50
DEFAULT_BUDGET_S = 120.0
MAX_CONNECTIONS_LIMIT = 16
MAX_BATCH_SIZE = 500

_BUILD = re.compile(r"\((\d+(?:\.\d+){1,3})\)\s*$")
_AUTH_TYPES: dict[str, str] = {"ntlm": NTLM, "basic": BASIC}


def _invalid(field_name: str, detail: str) -> TopicError:
    return TopicError("settings-invalid", detail, {"field": field_name})


@dataclass(frozen=True)
class EwsSettings:
    """How to reach one mailbox over EWS; the password never shows in ``repr``.

    ``auth_type`` is exchangelib's spelling (``NTLM`` or ``basic``).
    ``server_build`` (``15.1.2507.6``) spares the request exchangelib would
    otherwise make to guess the version. ``max_connections`` bounds the
    connections (and concurrent requests) to the server; ``batch_size`` is the
    number of items per GetItem request; ``budget_s`` is how long one request
    may spend waiting for a busy server.
    """

    email: str
    ews_url: str
    username: str
    password: str = field(repr=False)
    auth_type: str
    policy: HostPolicy = field(default_factory=HostPolicy)
    server_build: str | None = None
    max_connections: int = DEFAULT_MAX_CONNECTIONS
    batch_size: int = DEFAULT_BATCH_SIZE
    budget_s: float = DEFAULT_BUDGET_S

    def __post_init__(self) -> None:
        if not 1 <= self.max_connections <= MAX_CONNECTIONS_LIMIT:
            raise _invalid(
                "max_connections", f"max_connections must be 1 to {MAX_CONNECTIONS_LIMIT}"
            )
        if not 1 <= self.batch_size <= MAX_BATCH_SIZE:
            raise _invalid("batch_size", f"batch_size must be 1 to {MAX_BATCH_SIZE}")
        if self.budget_s <= 0:
            raise _invalid("budget_s", "budget_s must be more than 0")
        if self.auth_type not in (NTLM, BASIC):
            raise _invalid("auth", f"unsupported auth type {self.auth_type!r}")
        if not urlsplit(self.ews_url).hostname:
            raise _invalid("ews_url", f"{self.ews_url!r} is not a URL")

    @property
    def host(self) -> str:
        """The EWS server's host name."""
        return urlsplit(self.ews_url).hostname or ""


def server_build(server_version: str | None) -> str | None:
    """The build number in a saved server version (``Exchange 2016 (15.1.2507.6)``)."""
    if not server_version:
        return None
    match = _BUILD.search(server_version)
    return match.group(1) if match else None


def _ews_url(profile: Profile) -> str:
    if profile.metadata.ews_url:
        return profile.metadata.ews_url
    if profile.ews_url:
        return profile.ews_url
    if profile.server:
        try:
            return normalise_server(profile.server).ews_url
        except ServerTextError as error:
            raise _invalid("server", error.reason) from error
    raise _invalid(
        "ews_url",
        f"profile {profile.name!r} has not connected yet, so its EWS address is unknown: "
        f"run `exsync diagnose {profile.name}` first",
    )


def _auth_type(profile: Profile) -> str:
    learned = (profile.metadata.auth_type or "").lower()
    if profile.auth in (AuthType.NTLM, AuthType.BASIC):
        return _AUTH_TYPES[profile.auth.value]
    if learned in _AUTH_TYPES:
        return _AUTH_TYPES[learned]
    raise _invalid(
        "auth",
        f"profile {profile.name!r} has no learned sign-in method: "
        f"run `exsync diagnose {profile.name}` first",
    )


def settings_from_profile(
    profile: Profile,
    password: str,
    *,
    dns_server: str | None = None,
    max_connections: int = DEFAULT_MAX_CONNECTIONS,
    batch_size: int = DEFAULT_BATCH_SIZE,
    budget_s: float = DEFAULT_BUDGET_S,
) -> EwsSettings:
    """The EWS settings a saved profile describes; raises TopicError for what is missing."""
    request = request_from_profile(profile, password, dns_server=dns_server)
    if request.office365:
        raise TopicError(
            "office365-signin-pending", "Microsoft 365 mailboxes sync through Microsoft Graph"
        )
    return EwsSettings(
        email=profile.metadata.primary_smtp_address or profile.email,
        ews_url=_ews_url(profile),
        username=request.sign_in_name,
        password=password,
        auth_type=_auth_type(profile),
        policy=policy_for(request),
        server_build=server_build(profile.metadata.server_version),
        max_connections=max_connections,
        batch_size=batch_size,
        budget_s=budget_s,
    )
