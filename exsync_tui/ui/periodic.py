"""Periodic sync while the TUI is open: which mailboxes are due, and when each runs next.

A mailbox with ``sync_interval_minutes`` runs that long after its last
completed sync or, if later, after the last attempt in this session (so a
failing mailbox is retried once per interval, not on every check).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from exsync_tui.core.profiles import Profile


def next_run(profile: Profile, last_attempt: datetime | None) -> datetime | None:
    """When ``profile`` syncs next by itself; None when it has no interval or is disabled."""
    if not profile.enabled or profile.sync_interval_minutes <= 0:
        return None
    moments = [m for m in (profile.metadata.last_synced, last_attempt) if m is not None]
    if not moments:
        return datetime.min.replace(tzinfo=UTC)  # never synced: due at once
    latest = max(m if m.tzinfo else m.replace(tzinfo=UTC) for m in moments)
    return latest + timedelta(minutes=profile.sync_interval_minutes)


def due(
    profiles: list[Profile], last_attempts: dict[str, datetime], now: datetime
) -> list[Profile]:
    """The profiles whose next run is now or past."""
    chosen = []
    for profile in profiles:
        when = next_run(profile, last_attempts.get(profile.id))
        if when is not None and when <= now:
            chosen.append(profile)
    return chosen
