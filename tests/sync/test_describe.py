"""The one-line summaries of a folder's pull and push (pure functions)."""

from __future__ import annotations

from exsync_tui.core.sync.describe import describe_counts, describe_push
from exsync_tui.core.sync.events import FolderCounts, Pushed


def test_counts_leave_out_zeros_and_say_the_size() -> None:
    assert describe_counts(FolderCounts(new=3, deleted=2, bytes=12_000)) == (
        "3 new, 2 deleted (12.0 KB)"
    )
    assert describe_counts(FolderCounts()) == "no changes"


def test_push_leaves_out_zeros_and_says_a_dry_run() -> None:
    assert describe_push(Pushed("work", "INBOX", flags=2, kept=1)) == (
        "pushed: 2 flag change(s), 1 kept (changed on the server)"
    )
    assert describe_push(Pushed("work", "INBOX", dry_run=True)) == "would push: nothing"
