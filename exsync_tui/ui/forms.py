"""The connect form's values and how they become a validated profile.

The form only collects what the user typed; :func:`build_profile` hands it to
the core's :func:`~exsync_tui.core.profiles.new_profile` /
:func:`~exsync_tui.core.profiles.validate_profile`, which own every rule.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from pathlib import Path

from exsync_tui.core.profiles import (
    AuthType,
    ConnectionMode,
    Office365Settings,
    Profile,
    TlsTrust,
    new_profile,
    validate_profile,
)
from exsync_tui.core.profiles import validate as checks
from exsync_tui.core.profiles.office365 import DEFAULT_TENANT
from exsync_tui.ui.context import NewProfileDefaults

_NOT_NAME_CHARS = re.compile(r"[^A-Za-z0-9._-]+")


@dataclass(frozen=True)
class AdvancedSettings:
    """What the advanced-settings dialog edits, as the user typed it (empty = not set)."""

    username: str = ""
    server: str = ""
    auth: AuthType = AuthType.AUTO
    ca_file: str = ""
    pin_sha256: str = ""
    connect_to: tuple[str, ...] = ()
    tenant: str = ""
    client_id: str = ""
    authority: str = ""
    graph_url: str = ""

    @classmethod
    def from_profile(cls, profile: Profile) -> AdvancedSettings:
        """The settings a saved profile holds."""
        m365 = profile.office365
        return cls(
            username=profile.username or "",
            server=profile.ews_url or profile.server or "",
            auth=profile.auth,
            ca_file=str(profile.tls.ca_file) if profile.tls.ca_file else "",
            pin_sha256=profile.tls.pin_sha256 or "",
            connect_to=profile.connect_to,
            tenant=m365.tenant if m365.tenant != DEFAULT_TENANT else "",
            client_id=m365.client_id or "",
            authority=m365.authority or "",
            graph_url=m365.graph_url or "",
        )

    @classmethod
    def from_defaults(cls, defaults: NewProfileDefaults) -> AdvancedSettings:
        """The settings a new mailbox starts with."""
        return cls(
            ca_file=str(defaults.ca_file) if defaults.ca_file else "",
            connect_to=defaults.connect_to,
        )

    def summary(self, office365: bool = False) -> str:
        """One line naming what is set, for under the connect form."""
        parts = []
        if self.server:
            parts.append(f"server {self.server}")
        if self.username:
            parts.append(f"user {self.username}")
        if self.auth is not AuthType.AUTO:
            parts.append(f"auth {self.auth.value}")
        if self.ca_file:
            parts.append("own CA file")
        if self.pin_sha256:
            parts.append("pinned certificate")
        if self.connect_to:
            parts.append(f"{len(self.connect_to)} host mapping(s)")
        if self.tenant:
            parts.append(f"tenant {self.tenant}")
        if self.client_id:
            parts.append("own client id")
        if self.authority or self.graph_url:
            parts.append("own Microsoft 365 hosts")
        usual = "Microsoft's public cloud" if office365 else "autodiscover finds the server"
        return "Advanced: " + (", ".join(parts) if parts else f"none ({usual})")


def suggested_name(email: str, taken: set[str]) -> str:
    """A profile name from an address: the part before '@', made unique among ``taken``."""
    base = _NOT_NAME_CHARS.sub("-", email.partition("@")[0]).strip("-._") or "mailbox"
    base = base[: checks.PROFILE_NAME_MAX - 4]
    name, number = base, 2
    folded = {item.casefold() for item in taken}
    while name.casefold() in folded:
        name, number = f"{base}-{number}", number + 1
    return name


def server_fields(text: str) -> dict[str, str | None]:
    """``server`` (a typed host) or ``ews_url`` (a URL) for the server field's text."""
    from exsync_tui.core.connect import normalise_server

    if not text.strip():
        return {"server": None, "ews_url": None}
    spec = normalise_server(text)
    if spec.source == "host":
        host = f"[{spec.host}]" if ":" in spec.host else spec.host
        return {"server": host if spec.port == 443 else f"{host}:{spec.port}", "ews_url": None}
    return {"server": None, "ews_url": spec.ews_url}


def build_profile(
    name: str,
    email: str,
    office365: bool,
    settings: AdvancedSettings,
    existing: Profile | None,
) -> Profile:
    """A validated profile from the form. Raises ConfigError/ServerTextError on bad values."""
    fields = server_fields(settings.server) if not office365 else {"server": None, "ews_url": None}
    if office365:
        mode = ConnectionMode.OFFICE365
    elif fields["server"] or fields["ews_url"]:
        mode = ConnectionMode.MANUAL
    else:
        mode = ConnectionMode.AUTODISCOVER
    tls = TlsTrust(
        ca_file=Path(settings.ca_file).expanduser() if settings.ca_file else None,
        pin_sha256=checks.pin_sha256(settings.pin_sha256) if settings.pin_sha256 else None,
    )
    values: dict[str, object] = {
        "email": email.strip(),
        "username": settings.username.strip() or None,
        "mode": mode,
        "auth": AuthType.OAUTH if office365 else settings.auth,
        "tls": tls,
        "connect_to": tuple(settings.connect_to),
        **fields,
    }
    if office365:
        values["office365"] = Office365Settings(
            tenant=settings.tenant.strip() or DEFAULT_TENANT,
            client_id=settings.client_id.strip() or None,
            authority=settings.authority.strip() or None,
            graph_url=settings.graph_url.strip() or None,
        )
    if existing is None:
        email_value = str(values.pop("email"))
        return new_profile(name, email_value, **values)  # type: ignore[arg-type]
    return validate_profile(replace(existing, name=name, **values))  # type: ignore[arg-type]
