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


def _nonzero(*counts: tuple[int, str]) -> str:
    """``3 new, 2 deleted``: each count with its label, leaving out what is zero."""
    return ", ".join(f"{value} {label}" for value, label in counts if value)


def describe_counts(counts: FolderCounts) -> str:
    """``3 new, 1 changed, 2 deleted, 1 moved (12.0 KB)``, leaving out what is zero."""
    text = _nonzero(
        (counts.new, "new"),
        (counts.changed, "changed"),
        (counts.deleted, "deleted"),
        (counts.moved, "moved"),
    )
    text = text or "no changes"
    return f"{text} ({human_bytes(counts.bytes)})" if counts.bytes else text


def describe_push(event: Pushed) -> str:
    """``pushed: 3 flag changes, 1 moved, 2 deleted`` (``would push`` in a dry run)."""
    parts = _nonzero(
        (event.flags, "flag change(s)"),
        (event.moved, "moved"),
        (event.deleted, "deleted on the server"),
        (event.kept, "kept (changed on the server)"),
    )
    verb = "would push" if event.dry_run else "pushed"
    return f"{verb}: {parts or 'nothing'}"
