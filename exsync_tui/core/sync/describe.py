"""Sync counts and sizes in words, as the command line and the TUI both show them."""

from __future__ import annotations

from exsync_tui.core.sync.events import FolderCounts, Pushed


def human_bytes(count: int) -> str:
    """``1536`` as ``1.5 KB``: decimal units, as file managers show them."""
    value = float(count)
    for unit in ("B", "KB", "MB", "GB"):
        if value < 1000 or unit == "GB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1000
    return f"{count} B"


def describe_counts(counts: FolderCounts) -> str:
    """``3 new, 1 changed, 2 deleted, 1 moved (12.0 KB)``, leaving out what is zero."""
    parts = [
        f"{value} {label}"
        for value, label in (
            (counts.new, "new"),
            (counts.changed, "changed"),
            (counts.deleted, "deleted"),
            (counts.moved, "moved"),
        )
        if value
    ]
    text = ", ".join(parts) or "no changes"
    return f"{text} ({human_bytes(counts.bytes)})" if counts.bytes else text


def describe_push(event: Pushed) -> str:
    """``pushed: 3 flag changes, 1 moved, 2 deleted`` (``would push`` in a dry run)."""
    parts = [
        f"{value} {label}"
        for value, label in (
            (event.flags, "flag change(s)"),
            (event.moved, "moved"),
            (event.deleted, "deleted on the server"),
            (event.kept, "kept (changed on the server)"),
        )
        if value
    ]
    verb = "would push" if event.dry_run else "pushed"
    return f"{verb}: {', '.join(parts) or 'nothing'}"
