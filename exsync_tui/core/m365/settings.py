"""Where and as whom a Microsoft 365 profile signs in, taken from the saved profile.

exsync borrows no other product's client id: with none in the profile and none
in the config's ``[office365] client_id``, signing in stops with the
``m365-client-id-missing`` topic, which explains how an organisation registers
its own public client.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from msal.authority import WELL_KNOWN_AUTHORITY_HOSTS

from exsync_tui.core.diagnose.classify import TopicError
from exsync_tui.core.net import HostPolicy
from exsync_tui.core.profiles import ConnectionMode, Profile

MICROSOFT_AUTHORITY_HOST = "login.microsoftonline.com"
MICROSOFT_GRAPH_URL = "https://graph.microsoft.com"
SCOPES = ("Mail.ReadWrite", "Calendars.Read", "User.Read")
"""Delegated Graph permissions, short form: msal adds ``openid profile offline_access``."""

README_CLIENT_SECTION = "README.md, section 'Registering exsync in your organisation'"


@dataclass(frozen=True)
class M365Settings:
    """One profile's sign-in: client, authority, Graph base URL and network policy."""

    profile_id: str
    email: str
    client_id: str
    authority: str
    graph_url: str
    policy: HostPolicy

    @property
    def authority_host(self) -> str:
        """The authority's host name (lower case)."""
        return (urlsplit(self.authority).hostname or "").lower()

    @property
    def graph_host(self) -> str:
        """Graph's host name (lower case)."""
        return (urlsplit(self.graph_url).hostname or "").lower()

    @property
    def instance_discovery(self) -> bool:
        """msal's instance discovery asks Microsoft about the authority: only for Microsoft's."""
        return self.authority_host in WELL_KNOWN_AUTHORITY_HOSTS


def missing_client_id(profile_name: str) -> TopicError:
    """The error for a profile without a client id (nothing is borrowed)."""
    return TopicError(
        "m365-client-id-missing",
        f"profile {profile_name!r} has no application (client) id: set one with "
        f"`exsync profiles edit {profile_name} --client-id ID`, or for every profile as "
        f"client_id under [office365] in config.toml (see {README_CLIENT_SECTION})",
        {"field": "client_id"},
    )


def settings_from_profile(profile: Profile, default_client_id: str | None) -> M365Settings:
    """The sign-in settings of a Microsoft 365 profile; TopicError when one cannot be made."""
    from exsync_tui.core.connect.request import request_from_profile
    from exsync_tui.core.connect.runner import policy_for

    if profile.mode is not ConnectionMode.OFFICE365:
        raise TopicError(
            "settings-invalid", f"profile {profile.name!r} is not a Microsoft 365 profile"
        )
    m365 = profile.office365
    client_id = m365.client_id or default_client_id
    if not client_id:
        raise missing_client_id(profile.name)
    authority = m365.authority or f"https://{MICROSOFT_AUTHORITY_HOST}/{m365.tenant}"
    return M365Settings(
        profile_id=profile.id,
        email=profile.email,
        client_id=client_id,
        authority=authority,
        graph_url=m365.graph_url or MICROSOFT_GRAPH_URL,
        policy=policy_for(request_from_profile(profile, "")),
    )
