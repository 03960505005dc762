"""A folder "update" from SyncFolderHierarchy with the same name and parent changes nothing on
disk: Exchange reports one whenever a folder's counts or commit time change."""

from __future__ import annotations

from collections.abc import Callable

from exsync_tui.core.sync.events import FolderChanged
from exsync_tui.sandbox import Sandbox
from tests.sources.helpers import truth_items
from tests.sync.helpers import (
    all_files,
    assert_mail_matches,
    folder_named,
    run_sync,
    synced_mailbox,
)


def test_content_changes_reported_as_folder_updates_move_no_folder(
    fresh_sandbox: Callable[..., Sandbox],
) -> None:
    sb, email, profile = synced_mailbox(fresh_sandbox, messages=30)
    root = profile.effective_mail_dir()
    folders_before = sorted(p for p in root.rglob("*") if p.is_dir())
    inodes_before = set(all_files(root).values())
    sb.control.add_message(email, folder_named(sb, "Archive"), subject="new in Archive")
    read = next(i for i in truth_items(sb, "inbox").values() if not i["is_read"])
    sb.control.mark_read(email, str(read["id"]))

    result, events = run_sync(sb, profile)

    assert result.ok, result
    assert (result.counts.new, result.counts.moved, result.counts.deleted) == (1, 0, 0)
    assert [e for e in events if isinstance(e, FolderChanged)] == []
    assert sorted(p for p in root.rglob("*") if p.is_dir()) == folders_before
    inodes_after = set(all_files(root).values())
    assert inodes_before < inodes_after and len(inodes_after - inodes_before) == 1
    assert_mail_matches(sb, profile)
