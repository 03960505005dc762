"""What a sync leaves on the profile and what the local copy holds, for the dashboard and `list`."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime

from exsync_tui.core.profiles import MailboxMetadata, Profile, saving_fresh, update_metadata
from exsync_tui.core.store.state import DB_NAME, StateDB
from exsync_tui.core.sync.engine import SyncResult

_NOT_RECORDED = ("cancelled", "sync-locked")
"""Outcomes that say nothing about the mailbox: the last known state stays."""


def synced_metadata(current: MailboxMetadata, result: SyncResult) -> MailboxMetadata | None:
    """The metadata after ``result``: when it last synced, or why it failed."""
    if result.ok:
        return replace(current, last_synced=datetime.now(UTC), last_error_topic=None)
    if result.topic is None or result.topic in _NOT_RECORDED:
        return None
    if current.last_error_topic == result.topic:
        return None
    return replace(current, last_error_topic=result.topic)


def record_sync(profile: Profile, result: SyncResult) -> None:
    """Save the outcome of a sync on the profile (found by id) in the config file."""
    update_metadata(profile, lambda current: synced_metadata(current, result), saving_fresh())


@dataclass(frozen=True)
class LocalCounts:
    """How many messages and events the local copy of a profile holds."""

    messages: int = 0
    events: int = 0


def local_counts(profile: Profile) -> LocalCounts:
    """What the sync state says is on disk (zero before the first sync)."""
    if not (profile.state_dir() / DB_NAME).exists():
        return LocalCounts()
    with StateDB.open(profile.state_dir()) as state:
        messages = events = 0
        for folder in state.folders():
            count = state.item_count(folder.remote_id)
            if folder.kind == "mail":
                messages += count
            else:
                events += count
    return LocalCounts(messages, events)
