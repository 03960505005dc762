"""What a connect attempt needs (:class:`ConnectRequest`) and what it returns."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from exsync_tui.core.profiles import AuthType, ConnectionMode, MailboxMetadata, Profile
from exsync_tui.core.steps import Diagnosis

AuthChoice = Literal["auto", "ntlm", "basic"]


@dataclass(frozen=True)
class ConnectRequest:
    """Everything needed to connect one mailbox; the password never shows in ``repr``.

    ``server`` is free text (host, EWS URL or a pasted Outlook-on-the-web URL);
    None means autodiscover. ``connect_to`` holds ``HOST:PORT:ADDR:PORT`` rules;
    ``dns_server`` (``ADDR[:PORT]``) replaces the system resolver.
    """

    email: str
    password: str = field(repr=False)
    username: str | None = None
    server: str | None = None
    auth: AuthChoice = "auto"
    office365: bool = False
    ca_file: str | Path | None = None
    pin_sha256: str | None = None
    connect_to: tuple[str, ...] = ()
    dns_server: str | None = None

    @property
    def sign_in_name(self) -> str:
        """The user name to sign in with (the email when none is given)."""
        return self.username or self.email

    @property
    def domain(self) -> str:
        """The email address's domain, lower case."""
        return self.email.rpartition("@")[2].lower().rstrip(".")


@dataclass(frozen=True)
class ConnectOutcome:
    """The end of :func:`~exsync_tui.core.connect.connect`.

    ``metadata`` is set on success: primary SMTP address, EWS URL, server
    version, auth type and the time it was verified.
    """

    diagnosis: Diagnosis
    metadata: MailboxMetadata | None = None

    @property
    def ok(self) -> bool:
        """True when the mailbox was reached."""
        return self.diagnosis.ok


def request_from_profile(
    profile: Profile, password: str, *, dns_server: str | None = None
) -> ConnectRequest:
    """The connect request a saved profile describes."""
    server: str | None = None
    if profile.mode is ConnectionMode.MANUAL:
        server = profile.ews_url or profile.server
    auth: AuthChoice = "auto"
    if profile.auth is AuthType.NTLM:
        auth = "ntlm"
    elif profile.auth is AuthType.BASIC:
        auth = "basic"
    return ConnectRequest(
        email=profile.email,
        password=password,
        username=profile.username,
        server=server,
        auth=auth,
        office365=profile.mode is ConnectionMode.OFFICE365 or profile.auth is AuthType.OAUTH,
        ca_file=str(profile.tls.ca_file) if profile.tls.ca_file else None,
        pin_sha256=profile.tls.pin_sha256,
        connect_to=tuple(profile.connect_to),
        dns_server=dns_server,
    )
