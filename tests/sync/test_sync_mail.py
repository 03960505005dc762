"""Syncing mail against the sandbox: first run, no-op run, and every kind of change between."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from exsync_tui.core.store.lock import ProfileLock
from exsync_tui.core.sync.engine import options_for
from exsync_tui.core.sync.events import (
    FolderChanged,
    FolderStarted,
    MailboxDone,
    MassDeleteHeld,
    Progress,
    SyncEvent,
)
from exsync_tui.core.sync.runner import Job, SyncRun
from exsync_tui.sandbox import Sandbox
from tests.sources.helpers import truth_items
from tests.sync.helpers import (
    all_files,
    assert_mail_matches,
    folder_named,
    operations,
    profile_for,
    run_sync,
    synced_mailbox,
)


def test_first_sync_writes_every_message_byte_identical_and_a_second_changes_nothing(
    fresh_sandbox: Callable[..., Sandbox],
) -> None:
    sb = fresh_sandbox(messages=25, events=0)
    profile = profile_for(sb)

    first, events = run_sync(sb, profile)
    assert first.ok, first
    count = assert_mail_matches(sb, profile)
    assert first.counts.new == count > 20
    # A first sync knows each folder's size, so progress can say how far along it is.
    started = {e.folder: e.total for e in events if isinstance(e, FolderStarted)}
    assert started["Inbox"] == len(truth_items(sb, "inbox")) > 0
    last = [e for e in events if isinstance(e, Progress) and e.folder == "Inbox"][-1]
    assert last.total == started["Inbox"] and last.done == last.total

    files_before = all_files(profile.effective_mail_dir())
    with_state = len(sb.control.request_log())
    sb.control.clear_request_log()
    second, _ = run_sync(sb, profile)
    assert second.ok and second.counts.new == second.counts.deleted == 0
    ops = operations(sb)
    folders = len([f for f in truth_folders(sb) if (f["folder_class"] or "").startswith("IPF.")])
    # One hierarchy sync plus one item sync per synced folder, nothing else.
    assert ops["SyncFolderHierarchy"] == 1
    assert set(ops) == {"SyncFolderHierarchy", "SyncFolderItems"}, ops
    assert ops["SyncFolderItems"] <= folders
    assert with_state > sum(ops.values())
    assert all_files(profile.effective_mail_dir()) == files_before


def truth_folders(sb: Sandbox) -> list[dict[str, Any]]:
    return list(sb.control.truth(sb.info.users[0].email)["folders"])


def test_new_read_flagged_and_deleted_messages_follow_the_server(
    fresh_sandbox: Callable[..., Sandbox],
) -> None:
    sb, email, profile = synced_mailbox(fresh_sandbox, messages=12)
    inbox = sorted(truth_items(sb, "inbox"))
    sb.control.add_message(email, "inbox", subject="brand new")
    sb.control.mark_read(email, inbox[0], True)
    sb.control.mark_read(email, inbox[1], False)
    sb.control.set_flag(email, inbox[2], 2)
    sb.control.delete_message(email, inbox[3])

    result, _ = run_sync(sb, profile)

    assert result.ok, result
    assert result.counts.new == 1 and result.counts.deleted == 1
    assert_mail_matches(sb, profile)


def test_a_message_moved_between_folders_is_renamed_on_disk_not_fetched_again(
    fresh_sandbox: Callable[..., Sandbox],
) -> None:
    sb, email, profile = synced_mailbox(fresh_sandbox, messages=12)
    inodes = set(all_files(profile.effective_mail_dir()).values())
    archive = folder_named(sb, "Archive")
    for item_id in sorted(truth_items(sb, "inbox"))[:2]:
        sb.control.move_message(email, item_id, archive)
    sb.control.clear_request_log()

    result, _ = run_sync(sb, profile)

    assert result.ok and result.counts.moved == 2 and result.counts.new == 0, result
    assert "GetItem" not in operations(sb)
    assert set(all_files(profile.effective_mail_dir()).values()) <= inodes
    assert_mail_matches(sb, profile)


def test_a_renamed_folder_is_renamed_on_disk_with_its_files(
    fresh_sandbox: Callable[..., Sandbox],
) -> None:
    sb, email, profile = synced_mailbox(fresh_sandbox, messages=12)
    archive = folder_named(sb, "Archive")
    inodes = set(all_files(profile.effective_mail_dir()).values())
    sb.control.rename_folder(email, archive, "Old stuff")
    sb.control.clear_request_log()

    result, events = run_sync(sb, profile)

    assert result.ok, result
    renamed = [e for e in events if isinstance(e, FolderChanged) and e.action == "renamed"]
    assert [(e.old_path, e.path) for e in renamed] == [("Archive", "Old stuff")]
    assert (profile.effective_mail_dir() / "Old stuff" / "cur").is_dir()
    assert not (profile.effective_mail_dir() / "Archive").exists()
    assert "GetItem" not in operations(sb)
    assert set(all_files(profile.effective_mail_dir()).values()) == inodes
    assert_mail_matches(sb, profile)


def test_a_mass_delete_is_held_until_allowed(fresh_sandbox: Callable[..., Sandbox]) -> None:
    sb, email, profile = synced_mailbox(fresh_sandbox, messages=12)
    inbox = sorted(truth_items(sb, "inbox"))
    for item_id in inbox[: len(inbox) * 3 // 4]:
        sb.control.delete_message(email, item_id)
    files_before = all_files(profile.effective_mail_dir())

    held, events = run_sync(sb, profile)

    assert held.ok and held.held == 1
    assert [e for e in events if isinstance(e, MassDeleteHeld)]
    assert all_files(profile.effective_mail_dir()) == files_before  # nothing deleted
    again, _ = run_sync(sb, profile)
    assert again.held == 1  # still held: the server's pages were not skipped
    allowed, _ = run_sync(sb, profile, allow_mass_delete=True)
    assert allowed.ok and allowed.held == 0 and allowed.counts.deleted == len(inbox) * 3 // 4
    assert_mail_matches(sb, profile)


def test_a_refused_sync_state_resyncs_without_downloading_again(
    fresh_sandbox: Callable[..., Sandbox],
) -> None:
    sb, email, profile = synced_mailbox(fresh_sandbox, messages=12)
    inbox = sorted(truth_items(sb, "inbox"))
    sb.control.mark_read(email, inbox[0], False)
    sb.control.add_message(email, "inbox", subject="arrived meanwhile")
    sb.control.invalidate_sync_states(email)
    inodes = set(all_files(profile.effective_mail_dir()).values())
    sb.control.clear_request_log()

    result, _ = run_sync(sb, profile)

    assert result.ok, result
    assert result.counts.new == 1
    assert_mail_matches(sb, profile)
    kept = set(all_files(profile.effective_mail_dir()).values()) & inodes
    assert len(kept) == len(inodes)  # every file already here was kept, none re-fetched


def test_a_second_sync_of_the_same_profile_is_refused_while_one_runs(
    fresh_sandbox: Callable[..., Sandbox],
) -> None:
    sb = fresh_sandbox(messages=1, events=0)
    profile = profile_for(sb)
    with ProfileLock(profile.state_dir()):
        result, _ = run_sync(sb, profile)
    assert result.locked and not result.ok and result.topic == "sync-locked"
    assert sb.control.request_log() == []


def test_several_mailboxes_on_one_server_sync_at_once_and_each_is_exact(
    fresh_sandbox: Callable[..., Sandbox],
) -> None:
    sb = fresh_sandbox(users=3, messages=8, events=0)
    profiles = [profile_for(sb, user) for user in range(3)]
    jobs = [
        Job(profile, sb.info.users[user].password, options_for(profile))
        for user, profile in enumerate(profiles)
    ]
    events: list[SyncEvent] = []

    results = SyncRun(jobs, events.append).start().wait()

    assert all(result.ok for result in results.values()), results
    for user, profile in enumerate(profiles):
        assert assert_mail_matches(sb, profile, user) > 0
    done = [e for e in events if isinstance(e, MailboxDone)]
    assert sorted(e.profile for e in done) == sorted(p.name for p in profiles)


def test_a_subfolder_moved_out_of_a_deleted_parent_keeps_its_messages(
    fresh_sandbox: Callable[..., Sandbox],
) -> None:
    sb, email, profile = synced_mailbox(fresh_sandbox, messages=20)
    parent = sb.control.add_folder(email, "inbox", "Old project")
    child = sb.control.add_folder(email, parent, "2024")
    for n in range(3):
        sb.control.add_message(email, child, subject=f"kept {n}")
    assert run_sync(sb, profile)[0].ok
    sb.control.move_folder(email, child, "inbox")
    sb.control.remove_folder(email, parent)

    result, _ = run_sync(sb, profile)

    assert result.ok and result.held == 0, result  # the deleted parent held no messages
    assert len(list((profile.effective_mail_dir() / "Inbox" / "2024" / "new").iterdir())) == 3
    assert not (profile.effective_mail_dir() / "Inbox" / "Old project").exists()
    assert_mail_matches(sb, profile)


def test_a_folder_deleted_on_the_server_with_messages_is_held_until_allowed(
    fresh_sandbox: Callable[..., Sandbox],
) -> None:
    sb, email, profile = synced_mailbox(fresh_sandbox, messages=20)
    doomed = sb.control.add_folder(email, "inbox", "Doomed")
    sb.control.add_message(email, doomed, subject="still here")
    assert run_sync(sb, profile)[0].ok
    sb.control.remove_folder(email, doomed)
    folder = profile.effective_mail_dir() / "Inbox" / "Doomed"

    held, events = run_sync(sb, profile)
    assert held.ok and held.held == 1
    assert [e.folder for e in events if isinstance(e, MassDeleteHeld)] == ["Inbox/Doomed"]
    assert folder.exists()

    allowed, _ = run_sync(sb, profile, allow_mass_delete=True)
    assert allowed.ok and allowed.held == 0
    assert not folder.exists()
    assert_mail_matches(sb, profile)


def test_a_held_mass_delete_stays_held_in_later_runs_whatever_the_page_size(
    fresh_sandbox: Callable[..., Sandbox],
) -> None:
    sb, email, profile = synced_mailbox(fresh_sandbox, messages=24)
    inbox = sorted(truth_items(sb, "inbox"))
    for item_id in inbox:
        sb.control.delete_message(email, item_id)
    inbox_dir = profile.effective_mail_dir() / "Inbox"

    first, _ = run_sync(sb, profile, page_size=2)  # may delete up to the threshold, no more
    assert first.held == 1
    left = {p for p in inbox_dir.rglob("*") if p.is_file()}
    assert len(left) >= len(inbox) / 2
    for _ in range(3):  # each later run could otherwise delete half of what is left
        again, _ = run_sync(sb, profile, page_size=2)
        assert again.held == 1
    assert {p for p in inbox_dir.rglob("*") if p.is_file()} == left


def test_the_folders_first_pages_are_asked_for_together_not_one_after_another(
    fresh_sandbox: Callable[..., Sandbox],
) -> None:
    import threading
    import time

    from exsync_tui.core.sync.engine import sync_profile

    sb, _email, profile = synced_mailbox(fresh_sandbox, messages=10)
    sb.control.clear_request_log()
    sb.control.inject_fault("hang*1/SyncFolderItems")  # the first folder asked for hangs
    results: list[Any] = []
    cancel = threading.Event()
    worker = threading.Thread(
        target=lambda: results.append(
            sync_profile(profile, sb.info.users[0].password, cancel=cancel)
        )
    )
    worker.start()

    def answered() -> int:
        return len([e for e in sb.control.request_log() if e["operation"] == "SyncFolderItems"])

    deadline = time.monotonic() + 30
    while answered() < 3 and time.monotonic() < deadline:
        sb.control.wait_for_request(lambda e: False, 0.05)  # a wait that wakes on each entry
    # Other folders were answered while one request hung: they were not waiting behind it.
    assert answered() >= 3 and worker.is_alive()
    cancel.set()  # pages asked for ahead and never used change nothing
    worker.join(30)
    assert results and results[0].topic == "cancelled", results
    sb.control.clear_faults()
    after, _ = run_sync(sb, profile)
    assert after.ok, after
    assert_mail_matches(sb, profile)
