"""How syncs are shown as text: statuses, bars, counts, rates and time left.

Pure functions of a :class:`~exsync_tui.ui.sync_board.MailboxRow` (or a
profile) and the time, so the dashboard, the live sync screen and the tests
agree on the words. Every state has a symbol and a word, never colour alone.
"""

from __future__ import annotations

from datetime import datetime

from exsync_tui.core.profiles import Profile
from exsync_tui.core.profiles.retention import retention_notice
from exsync_tui.core.sync.describe import describe_counts, human_bytes
from exsync_tui.ui.presenters import mailbox_status
from exsync_tui.ui.sync_board import FolderRow, MailboxRow, RunState, kept_text, rate


def disabled_status(profile: Profile, now: datetime) -> str:
    """``– disabled (purge in N days)`` while local data waits for its purge."""
    notice = retention_notice(profile, now)
    if notice is None or not notice.data_present:
        return "– disabled"
    if notice.days_left <= 0:
        return "– disabled (purge at next sync)"
    day = "day" if notice.days_left == 1 else "days"
    return f"– disabled (purge in {notice.days_left} {day})"


def items_text(done: int, total: int | None) -> str:
    """``37%`` when the total is known, else ``1,234 items``."""
    if total:
        return f"{min(100, done * 100 // total)}%"
    return f"{done:,} item{'' if done == 1 else 's'}"


def dashboard_status(profile: Profile, row: MailboxRow | None, now: datetime) -> str:
    """The dashboard's status: syncing now, how the last sync ended, or the saved state."""
    if row is not None and row.active:
        return f"⟳ syncing {items_text(row.items_done, row.total)}"
    if not profile.enabled:
        return disabled_status(profile, now)
    if row is not None and row.state is RunState.CANCELLED:
        return "– sync cancelled"
    if row is not None and row.state is RunState.FAILED and row.topic:
        return f"✗ error: {row.topic}"
    meta = profile.metadata
    if meta.last_error_topic:
        return f"✗ error: {meta.last_error_topic}"
    if meta.last_synced is not None:
        return "✓ synced"
    return mailbox_status(profile)


def bar(done: int, total: int | None, width: int = 12) -> str:
    """``███████░░░░░`` for a known total; nothing while it is unknown."""
    if not total:
        return ""
    filled = min(width, done * width // total)
    return "█" * filled + "░" * (width - filled)


def duration(seconds: float) -> str:
    """``42 s``, ``3 min 05 s``, ``1 h 02 min``."""
    whole = int(seconds)
    if whole < 60:
        return f"{whole} s"
    if whole < 3600:
        return f"{whole // 60} min {whole % 60:02d} s"
    return f"{whole // 3600} h {whole % 3600 // 60:02d} min"


def speed_text(items: int, byte_count: int, elapsed: float) -> str:
    """``120 items/s, 2.4 MB/s`` once measurable, else empty."""
    per_item = rate(items, elapsed)
    if per_item is None:
        return ""
    return f"{per_item:.0f} items/s, {human_bytes(int(byte_count / elapsed))}/s"


def time_left(done: int, total: int | None, elapsed: float) -> str:
    """``2 min 10 s left`` when the total is known and the rate measurable, else empty."""
    per_item = rate(done, elapsed)
    if not total or not per_item or done >= total:
        return ""
    return f"{duration((total - done) / per_item)} left"


def state_text(row: MailboxRow) -> str:
    """A mailbox run's state in words (the first column of the live sync screen)."""
    if row.state is RunState.STARTING:
        return "… starting"
    if row.state is RunState.RUNNING:
        return "⟳ syncing"
    if row.state is RunState.DONE:
        return "✓ done" + (" (held)" if row.held else "")
    if row.state is RunState.CANCELLED:
        return "– cancelled"
    return f"✗ {row.topic}"


def mailbox_line(row: MailboxRow, now: float) -> str:
    """Items and bytes done, rate and time left, or the outcome when over."""
    elapsed = row.elapsed(now)
    if row.state is RunState.FAILED:
        return f"{row.detail or row.topic} — enter: help"
    if row.state is RunState.CANCELLED:
        return kept_text(row)
    if row.state is RunState.DONE:
        return f"{describe_counts(row.kept)} in {duration(elapsed)}"
    parts = [
        f"{row.items_done:,}" + (f"/{row.total:,}" if row.total else "") + " items",
        human_bytes(row.bytes_done),
        speed_text(row.items_done, row.bytes_done, elapsed),
        time_left(row.items_done, row.total, elapsed),
        f"{len(row.warnings)} warning(s)" if row.warnings else "",
    ]
    return ", ".join(part for part in parts if part)


def folder_line(folder: FolderRow, now: float) -> str:
    """One folder: what it did, or what it is doing."""
    warn = f" ! {folder.warnings[-1]}" if folder.warnings else ""
    if folder.finished is not None:
        stopped = f" — stopped: {folder.stopped}" if folder.stopped else ""
        counts = describe_counts(folder.counts) if folder.counts else "done"
        return f"✓ {counts}{stopped}{warn}"
    elapsed = now - folder.started
    parts = [
        f"{folder.done:,}" + (f"/{folder.total:,}" if folder.total else "") + " items",
        human_bytes(folder.bytes_done),
        speed_text(folder.done, folder.bytes_done, elapsed),
        time_left(folder.done, folder.total, elapsed),
    ]
    return ", ".join(part for part in parts if part) + warn


def summary_lines(rows: list[MailboxRow], now: float) -> list[str]:
    """The closing summary: per mailbox new, changed, deleted, moved and the time."""
    lines = []
    for row in rows:
        counts = row.kept
        figures = (
            f"{counts.new} new, {counts.changed} changed, {counts.deleted} deleted, "
            f"{counts.moved} moved"
        )
        outcome = {
            RunState.DONE: "synced",
            RunState.CANCELLED: "cancelled",
            RunState.FAILED: f"failed ({row.topic})",
        }.get(row.state, "running")
        held = f"; {len(row.held)} folder(s) held back" if row.held else ""
        lines.append(f"{row.profile}: {outcome}: {figures} in {duration(row.elapsed(now))}{held}")
    return lines
