"""Maildir flags from what the server says about a message."""

from __future__ import annotations

from exsync_tui.core.sources import ItemChange


def server_flags(change: ItemChange, current: str = "") -> str:
    """The Maildir flags for ``change``; a field the server did not send keeps ``current``'s."""
    flags = set(current)
    for flag, value in (
        ("S", change.is_read),
        ("F", change.flagged),
        ("R", change.answered),
        ("P", change.forwarded),
    ):
        if value is True:
            flags.add(flag)
        elif value is False:
            flags.discard(flag)
    return "".join(sorted(flags))
