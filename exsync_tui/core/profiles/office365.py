"""A Microsoft 365 profile's sign-in settings in ``config.toml``: read, checked, written.

``[profiles.NAME.office365]`` holds ``tenant``, ``client_id``, ``authority`` and
``graph_url``; the top-level ``[office365]`` table's ``client_id`` serves every
profile that sets none (an organisation registers one app for all its people).
"""

from __future__ import annotations

import re
import uuid
from typing import Any
from urllib.parse import urlsplit

from exsync_tui.core.profiles.model import Office365Settings
from exsync_tui.core.profiles.reader import TableReader
from exsync_tui.core.profiles.validate import InvalidValue

DEFAULT_TENANT = "organizations"
_TENANT_NAME = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9.-]{0,251}[A-Za-z0-9])?$")


def client_id(value: str) -> str:
    """An application (client) id: the GUID shown on the app's Overview page in Entra ID."""
    try:
        return str(uuid.UUID(value.strip()))
    except ValueError:
        raise InvalidValue(
            f"{value!r} is not an application (client) id",
            hint="it is a GUID like 00000000-0000-0000-0000-000000000000, shown on the app "
            "registration's Overview page in the Entra admin center",
        ) from None


def tenant(value: str) -> str:
    """``organizations``, ``common``, a directory (tenant) id, or a domain like contoso.com."""
    candidate = value.strip()
    if not _TENANT_NAME.match(candidate):
        raise InvalidValue(
            f"{value!r} is not a tenant",
            hint="use organizations (the default), your tenant id (a GUID) or its domain",
        )
    return candidate


def _https_url(value: str, what: str, example: str, *, needs_path: bool) -> str:
    candidate = value.strip().rstrip("/")
    parts = urlsplit(candidate)
    if parts.scheme.lower() != "https" or not parts.hostname:
        raise InvalidValue(f"{value!r} is not an https URL", hint=f"it looks like {example}")
    if parts.username or parts.password or parts.query or parts.fragment:
        raise InvalidValue(f"the {what} must be a plain https URL (no user, query or fragment)")
    if needs_path and parts.path.strip("/") == "":
        raise InvalidValue(f"{value!r} names no tenant", hint=f"it looks like {example}")
    return candidate


def authority(value: str) -> str:
    """The sign-in authority URL with its tenant, e.g. https://login.microsoftonline.us/TENANT."""
    return _https_url(
        value, "authority", "https://login.microsoftonline.com/organizations", needs_path=True
    )


def graph_url(value: str) -> str:
    """Microsoft Graph's base URL, e.g. https://graph.microsoft.us (national clouds)."""
    return _https_url(value, "Graph URL", "https://graph.microsoft.com", needs_path=False)


def parse_settings(table: TableReader) -> Office365Settings:
    """A profile's ``office365`` table (missing keys take the defaults)."""
    return Office365Settings(
        tenant=table.string("tenant", tenant) or DEFAULT_TENANT,
        client_id=table.string("client_id", client_id),
        authority=table.string("authority", authority),
        graph_url=table.string("graph_url", graph_url),
    )


def settings_to_data(settings: Office365Settings) -> dict[str, Any]:
    """The ``office365`` table for ``settings`` (defaults left out)."""
    data = {
        "tenant": settings.tenant if settings.tenant != DEFAULT_TENANT else None,
        "client_id": settings.client_id,
        "authority": settings.authority,
        "graph_url": settings.graph_url,
    }
    return {k: v for k, v in data.items() if v is not None}
