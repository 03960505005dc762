"""Profiles as plain, JSON-ready data for `--json` output and status displays."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from exsync_tui.core.profiles.model import Profile
from exsync_tui.core.profiles.retention import retention_notice


def json_ready(value: Any) -> Any:
    """``value`` with datetimes as ISO 8601 strings and tuples as lists, for ``json.dumps``."""
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, dict):
        return {key: json_ready(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [json_ready(item) for item in value]
    return value


def profile_summary(profile: Profile, now: datetime) -> dict[str, Any]:
    """The one-line facts about a profile at ``now``: what `exsync profiles list` shows.

    ``retention`` is the notice about a disabled profile's data (None while enabled);
    ``purge_due_at`` when that data is purged.
    """
    notice = retention_notice(profile, now)
    return {
        "name": profile.name,
        "id": profile.id,
        "email": profile.email,
        "mode": profile.mode.value,
        "server": profile.server or profile.ews_url or profile.metadata.ews_url,
        "enabled": profile.enabled,
        "last_verified": json_ready(profile.metadata.last_verified),
        "last_error_topic": profile.metadata.last_error_topic,
        "retention": notice.text() if notice else None,
        "purge_due_at": json_ready(notice.due_at) if notice else None,
    }
