"""Two-way sync against the sandbox: local flags, deletes and moves reach the server's truth."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from exsync_tui.core.profiles import Profile, SyncDirection
from exsync_tui.core.sources import FlagPush, MailboxSource
from exsync_tui.core.sources.ews import EwsSource
from exsync_tui.core.store.maildir_names import parse_name
from exsync_tui.core.sync.engine import sync_profile
from exsync_tui.core.sync.events import (
    MassDeleteHeld,
    Progress,
    Pushed,
    SyncEvent,
    SyncWarning,
)
from exsync_tui.sandbox import Sandbox
from tests.sources.helpers import folder_id, open_source, truth_items
from tests.sync.cli_helpers import run_cli, save_sandbox_profile
from tests.sync.helpers import assert_mail_matches, folder_named, operations, run_sync
from tests.sync.helpers import synced_mailbox as _synced
from tests.sync.push_helpers import inbox, local_file, messages_in, move_file, set_flags


def _mail(sb: Sandbox, folder: str) -> list[str]:
    """Ids of the plain (not draft) messages of a folder, sorted."""
    return sorted(i for i, m in truth_items(sb, folder).items() if not m["is_draft"])


def _warnings(events: list[SyncEvent]) -> list[str]:
    return [e.message for e in events if isinstance(e, SyncWarning)]


def _flags_of(profile: Profile, folder: str, item_id: str) -> str:
    return parse_name(local_file(profile, folder, item_id).name).flags


def synced(fresh_sandbox: Callable[..., Sandbox], messages: int = 30) -> tuple[Sandbox, Profile]:
    sb, _email, profile = _synced(fresh_sandbox, messages=messages)
    return sb, profile


def test_each_flag_goes_both_ways(fresh_sandbox: Callable[..., Sandbox]) -> None:
    sb, profile = synced(fresh_sandbox)
    inbox_id, _ = inbox(sb)
    a, b = _mail(sb, "inbox")[:2]
    email = sb.info.users[0].email
    # Server to local first: b read, flagged and answered there.
    sb.control.mark_read(email, a, False)
    sb.control.set_flag(email, a, 0)
    with open_source(sb) as source:
        key = truth_items(sb, "inbox")[b]["change_key"]
        source.update_flags([FlagPush(b, key, is_read=True, flagged=True, answered=True)])
    assert run_sync(sb, profile)[0].ok
    assert "R" not in _flags_of(profile, inbox_id, a)
    assert {"F", "R", "S"} <= set(_flags_of(profile, inbox_id, b))
    # Local to server: a gets all three, b loses all three.
    set_flags(local_file(profile, inbox_id, a), "FRS")
    set_flags(local_file(profile, inbox_id, b), "")
    sb.control.clear_request_log()
    result, events = run_sync(sb, profile)
    assert result.ok, result
    server = truth_items(sb, "inbox")
    assert (server[a]["is_read"], server[a]["flagged"], server[a]["answered"]) == (True,) * 3
    assert (server[b]["is_read"], server[b]["flagged"], server[b]["answered"]) == (False,) * 3
    assert operations(sb)["UpdateItem"] == 1
    assert [(e.folder, e.flags) for e in events if isinstance(e, Pushed)] == [("Inbox", 2)]
    assert _warnings(events) == []
    assert set(_flags_of(profile, inbox_id, a)) == {"F", "R", "S"}
    assert _flags_of(profile, inbox_id, b) == ""
    assert_mail_matches(sb, profile)
    sb.control.clear_request_log()
    assert run_sync(sb, profile)[0].ok
    assert operations(sb)["UpdateItem"] == 0  # nothing pushed twice


def test_many_flag_changes_go_in_one_request_and_nothing_is_downloaded(
    fresh_sandbox: Callable[..., Sandbox],
) -> None:
    sb, profile = synced(fresh_sandbox, messages=60)
    inbox_id, before = inbox(sb)
    ids = _mail(sb, "inbox")
    assert len(ids) >= 10
    for item_id in ids:
        path = local_file(profile, inbox_id, item_id)
        flags = set(parse_name(path.name).flags) ^ {"S"}
        set_flags(path, "".join(flags))
    sb.control.clear_request_log()
    result, events = run_sync(sb, profile)
    assert result.ok
    after = truth_items(sb, "inbox")
    assert all(after[i]["is_read"] is not before[i]["is_read"] for i in ids)
    pushing = [e for e in events if isinstance(e, Progress) and e.total == len(ids)]
    assert pushing and pushing[-1].done == len(ids)  # the push's progress, as the pull's
    ops = operations(sb)
    assert ops["UpdateItem"] == 1 and ops["GetItem"] == 0
    assert_mail_matches(sb, profile)


def test_local_deletes_go_to_deleted_items(fresh_sandbox: Callable[..., Sandbox]) -> None:
    sb, profile = synced(fresh_sandbox)
    inbox_id, items = inbox(sb)
    gone, trashed = _mail(sb, "inbox")[:2]
    local_file(profile, inbox_id, gone).unlink()
    trashed_path = set_flags(local_file(profile, inbox_id, trashed), "ST")
    inode = trashed_path.stat().st_ino
    sb.control.clear_request_log()
    result, events = run_sync(sb, profile)
    assert result.ok, result
    left = truth_items(sb, "inbox")
    assert gone not in left and trashed not in left
    trash = messages_in(sb, "deleteditems")
    assert {items[gone]["message_id"], items[trashed]["message_id"]} <= set(trash)
    assert not trashed_path.exists()
    # The trashed file went to Deleted Items here as it is (no download); the gone one came back.
    moved_here = local_file(profile, folder_id(sb, "deleteditems"),
                            str(trash[str(items[trashed]["message_id"])]["id"]))  # fmt: skip
    assert moved_here.stat().st_ino == inode and "T" not in parse_name(moved_here.name).flags
    assert operations(sb)["GetItem"] == 2  # the refresh before deleting, and the gone one's MIME
    assert [(e.folder, e.deleted) for e in events if isinstance(e, Pushed)] == [("Inbox", 2)]
    assert_mail_matches(sb, profile)  # Deleted Items here holds them too, as on the server


def test_a_local_move_is_a_server_move_without_download(
    fresh_sandbox: Callable[..., Sandbox],
) -> None:
    sb, profile = synced(fresh_sandbox)
    inbox_id, items = inbox(sb)
    archive = folder_named(sb, "Archive")
    item_id = _mail(sb, "inbox")[0]
    moved = move_file(local_file(profile, inbox_id, item_id), profile, archive)
    inode = moved.stat().st_ino
    sb.control.clear_request_log()
    result, _ = run_sync(sb, profile)
    assert result.ok, result
    assert item_id not in truth_items(sb, "inbox")
    assert items[item_id]["message_id"] in messages_in(sb, archive)
    ops = operations(sb)
    assert ops["MoveItem"] == 1 and ops["GetItem"] == 0 and ops["DeleteItem"] == 0
    assert moved.exists() and moved.stat().st_ino == inode
    assert_mail_matches(sb, profile)


def test_a_move_with_a_flag_change_moves_then_flags(fresh_sandbox: Callable[..., Sandbox]) -> None:
    sb, profile = synced(fresh_sandbox)
    inbox_id, items = inbox(sb)
    archive = folder_named(sb, "Archive")
    item_id = next(i for i in _mail(sb, "inbox") if not items[i]["flagged"])
    path = move_file(local_file(profile, inbox_id, item_id), profile, archive)
    set_flags(path, parse_name(path.name).flags + "F")
    assert run_sync(sb, profile)[0].ok
    assert messages_in(sb, archive)[items[item_id]["message_id"]]["flagged"] is True
    assert_mail_matches(sb, profile)


def test_flag_changed_on_the_server_and_read_here_both_stay(
    fresh_sandbox: Callable[..., Sandbox],
) -> None:
    sb, profile = synced(fresh_sandbox)
    inbox_id, items = inbox(sb)
    item_id = next(
        i for i in _mail(sb, "inbox") if not items[i]["is_read"] and not items[i]["flagged"]
    )
    sb.control.set_flag(sb.info.users[0].email, item_id, 2)  # the item's change key moves on
    set_flags(local_file(profile, inbox_id, item_id), "S")
    sb.control.clear_request_log()
    result, events = run_sync(sb, profile)
    assert result.ok, result
    server = truth_items(sb, "inbox")[item_id]
    assert server["is_read"] is True and server["flagged"] is True
    assert operations(sb)["UpdateItem"] == 2  # the conflict, then the retry
    assert _warnings(events) == []
    assert set(_flags_of(profile, inbox_id, item_id)) == {"F", "S"}


def test_read_on_both_sides_is_agreement_not_a_conflict(
    fresh_sandbox: Callable[..., Sandbox],
) -> None:
    # Also what a rerun meets after a crash between UpdateItem and the state's commit.
    sb, profile = synced(fresh_sandbox)
    inbox_id, items = inbox(sb)
    item_id = next(i for i in _mail(sb, "inbox") if not items[i]["is_read"])
    sb.control.mark_read(sb.info.users[0].email, item_id)
    set_flags(local_file(profile, inbox_id, item_id), "S")
    result, events = run_sync(sb, profile)
    assert result.ok, result
    assert truth_items(sb, "inbox")[item_id]["is_read"] is True
    assert _warnings(events) == []
    assert "S" in _flags_of(profile, inbox_id, item_id)


def test_a_flag_changed_on_both_sides_keeps_the_servers_value(
    fresh_sandbox: Callable[..., Sandbox],
) -> None:
    sb, profile = synced(fresh_sandbox)
    inbox_id, items = inbox(sb)
    email = sb.info.users[0].email
    flagged = next(i for i in _mail(sb, "inbox") if items[i]["flagged"] is False)
    sb.control.set_flag(email, flagged, 2)
    assert run_sync(sb, profile)[0].ok  # now flagged on both sides
    # On the server the flag is completed; here it is cleared (NotFlagged) at the same time.
    sb.control.set_flag(email, flagged, 1)
    path = local_file(profile, inbox_id, flagged)
    set_flags(path, parse_name(path.name).flags.replace("F", ""))
    result, events = run_sync(sb, profile)
    assert result.ok, result
    assert truth_items(sb, "inbox")[flagged]["flag_status"] == 1  # not overwritten with 0
    assert any("F changed here and on the server" in w for w in _warnings(events))
    assert "F" not in _flags_of(profile, inbox_id, flagged)


def test_a_message_changed_on_the_server_and_deleted_here_is_kept_and_fetched_again(
    fresh_sandbox: Callable[..., Sandbox],
) -> None:
    sb, profile = synced(fresh_sandbox)
    inbox_id, items = inbox(sb)
    email = sb.info.users[0].email
    gone, trashed = _mail(sb, "inbox")[:2]
    for item_id in (gone, trashed):
        sb.control.set_flag(email, item_id, 0 if items[item_id]["flagged"] else 2)
    local_file(profile, inbox_id, gone).unlink()
    set_flags(local_file(profile, inbox_id, trashed), "T")
    result, events = run_sync(sb, profile)
    assert result.ok, result
    assert {gone, trashed} <= set(truth_items(sb, "inbox"))
    assert sum("kept, fetched again" in w for w in _warnings(events)) == 2
    assert "T" not in _flags_of(profile, inbox_id, trashed)
    assert local_file(profile, inbox_id, gone).read_bytes() == bytes(items[gone]["mime"])
    assert_mail_matches(sb, profile)


def test_local_mass_delete_is_held_until_allowed(fresh_sandbox: Callable[..., Sandbox]) -> None:
    sb, profile = synced(fresh_sandbox)
    inbox_id, _ = inbox(sb)
    ids = sorted(truth_items(sb, "inbox"))
    for item_id in ids:
        local_file(profile, inbox_id, item_id).unlink()
    result, events = run_sync(sb, profile)
    assert result.ok and result.held == 1
    held = [e for e in events if isinstance(e, MassDeleteHeld)]
    assert [(e.direction, e.would_delete) for e in held] == [("push", len(ids))]
    assert set(truth_items(sb, "inbox")) == set(ids)
    again, _ = run_sync(sb, profile)
    assert again.held == 1 and set(truth_items(sb, "inbox")) == set(ids)
    allowed, _ = run_sync(sb, profile, allow_mass_delete=True)
    assert allowed.ok and allowed.held == 0
    assert truth_items(sb, "inbox") == {}
    assert_mail_matches(sb, profile)


def test_dry_run_says_what_would_be_pushed_and_pushes_nothing(
    fresh_sandbox: Callable[..., Sandbox],
) -> None:
    sb, profile = synced(fresh_sandbox)
    inbox_id, before = inbox(sb)
    read, gone = _mail(sb, "inbox")[:2]
    path = local_file(profile, inbox_id, read)
    set_flags(path, "".join(set(parse_name(path.name).flags) ^ {"S"}))
    local_file(profile, inbox_id, gone).unlink()
    sb.control.clear_request_log()
    result, events = run_sync(sb, profile, dry_run=True)
    assert result.ok
    pushed = [e for e in events if isinstance(e, Pushed)]
    assert [(e.folder, e.flags, e.deleted, e.dry_run) for e in pushed] == [("Inbox", 1, 1, True)]
    assert pushed[0].to_json()["event"] == "pushed"
    assert truth_items(sb, "inbox") == before
    ops = operations(sb)
    assert ops["UpdateItem"] == ops["DeleteItem"] == ops["GetItem"] == 0
    assert run_sync(sb, profile)[0].ok
    after = truth_items(sb, "inbox")
    assert gone not in after and after[read]["is_read"] is not before[read]["is_read"]


def test_pull_direction_leaves_the_server_alone(fresh_sandbox: Callable[..., Sandbox]) -> None:
    sb, profile = synced(fresh_sandbox)
    profile = replace(profile, sync=replace(profile.sync, sync_direction=SyncDirection.PULL))
    inbox_id, before = inbox(sb)
    item_id = _mail(sb, "inbox")[0]
    local_file(profile, inbox_id, item_id).unlink()
    result, events = run_sync(sb, profile)
    assert result.ok
    assert truth_items(sb, "inbox") == before
    assert not [e for e in events if isinstance(e, Pushed)]


class _PullOnly(EwsSource):
    """The EWS source as a source without writes would be (the Graph source, for now)."""

    supports_push = False


def test_a_source_that_cannot_push_says_so_once(fresh_sandbox: Callable[..., Sandbox]) -> None:
    sb, profile = synced(fresh_sandbox)
    inbox_id, before = inbox(sb)
    for item_id in _mail(sb, "inbox")[:3]:
        path = local_file(profile, inbox_id, item_id)
        set_flags(path, "".join(set(parse_name(path.name).flags) ^ {"S"}))

    def factory(p: Profile, password: str, cancel: threading.Event) -> MailboxSource:
        return _PullOnly.from_profile(p, password, cancel=cancel)

    events: list[SyncEvent] = []
    result = sync_profile(profile, sb.info.users[0].password, emit=events.append,
                          source_factory=factory)  # fmt: skip
    assert result.ok
    warnings = [w for w in _warnings(events) if "cannot push" in w]
    assert len(warnings) == 1 and "3 local change(s)" in warnings[0]
    assert truth_items(sb, "inbox") == before
    assert folder_id(sb, "inbox") == inbox_id


def test_a_message_deleted_on_the_server_stays_deleted_when_flagged_here(
    fresh_sandbox: Callable[..., Sandbox],
) -> None:
    sb, profile = synced(fresh_sandbox)
    inbox_id, items = inbox(sb)
    email = sb.info.users[0].email
    deleted, moved = [i for i in _mail(sb, "inbox") if not items[i]["flagged"]][:2]
    archive = folder_named(sb, "Archive")
    for item_id in (deleted, moved):
        path = local_file(profile, inbox_id, item_id)
        set_flags(path, parse_name(path.name).flags + "F")
    sb.control.delete_message(email, deleted)
    new_id = sb.control.move_message(email, moved, archive)
    result, _events = run_sync(sb, profile)
    assert result.ok, result
    everywhere = sb.control.truth(email)["items"]
    assert all(i["message_id"] != items[deleted]["message_id"] for i in everywhere)
    assert truth_items(sb, archive)[new_id]["message_id"] == items[moved]["message_id"]
    assert_mail_matches(sb, profile)  # the deletion and the move stand here too


def test_exsync_sync_dry_run_prints_what_would_be_pushed(
    fresh_sandbox: Callable[..., Sandbox], tmp_path: Path
) -> None:
    sb = fresh_sandbox(messages=30, events=0)
    profile = save_sandbox_profile(sb, tmp_path)
    assert run_cli("sync", profile.name).returncode == 0
    inbox_id, before = inbox(sb)
    path = local_file(profile, inbox_id, _mail(sb, "inbox")[0])
    set_flags(path, "".join(set(parse_name(path.name).flags) ^ {"S"}))
    shown = run_cli("sync", profile.name, "--dry-run")
    assert shown.returncode == 0, shown.stderr
    assert f"{profile.name}: Inbox: would push: 1 flag change(s)" in shown.stdout
    assert truth_items(sb, "inbox") == before
