"""Retention: the local data of a profile disabled for too long is purged, with notice first.

A disabled profile keeps its mail, calendars and sync state for ``retention_days``
after ``disabled_at``; ``profiles list`` and the dashboard say when that ends. The
next run after that (``exsync sync``) deletes them. The password stays: it goes
only when the profile itself is removed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from exsync_tui.core.profiles.model import Profile
from exsync_tui.core.profiles.purge import PurgeReport, data_paths, purge_local_data


def purge_due_at(profile: Profile) -> datetime | None:
    """When the profile's local data will be purged; None while it is enabled."""
    if profile.enabled or profile.disabled_at is None:
        return None
    return profile.disabled_at + timedelta(days=profile.retention_days)


def has_local_data(profile: Profile) -> bool:
    """True when any of the profile's mail, calendars or state is still on disk."""
    return any(path.exists() or path.is_symlink() for path in data_paths(profile))


@dataclass(frozen=True)
class RetentionNotice:
    """What to tell the user about a disabled profile's data: kept until, or purged."""

    due_at: datetime
    days_left: int
    data_present: bool

    def text(self) -> str:
        """One line for ``profiles list`` and the dashboard."""
        if not self.data_present:
            return "disabled; no local data"
        if self.days_left <= 0:
            return "disabled; local data is purged at the next sync"
        day = "day" if self.days_left == 1 else "days"
        return f"disabled; local data purged in {self.days_left} {day} ({self.due_at:%Y-%m-%d})"


def retention_notice(profile: Profile, now: datetime) -> RetentionNotice | None:
    """The notice for ``profile`` at ``now`` (None while it is enabled)."""
    due = purge_due_at(profile)
    if due is None:
        return None
    seconds_left = (due - now).total_seconds()
    days_left = max(0, int(-(-seconds_left // 86400)))  # a part of a day counts as a day
    return RetentionNotice(due, days_left, has_local_data(profile))


def purge_expired(profiles: list[Profile], now: datetime) -> dict[str, PurgeReport]:
    """Purge the local data of every profile past its retention; reports by profile name."""
    reports: dict[str, PurgeReport] = {}
    for profile in profiles:
        due = purge_due_at(profile)
        if due is not None and due <= now and has_local_data(profile):
            reports[profile.name] = purge_local_data(profile)
    return reports
