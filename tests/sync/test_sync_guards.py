"""The mass-delete guard's blind spots: calendars, moves out of a folder, Message-ID twins."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from exsync_tui.core.profiles import Profile
from exsync_tui.core.sync.events import MassDeleteHeld, SyncEvent
from exsync_tui.sandbox import Sandbox
from tests.graph.helpers import graph_operations, graph_profile, run_graph_sync
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


def _wide(profile: Profile) -> Profile:
    """A calendar window of ten years, so every sandbox event is written."""
    return replace(profile, sync=replace(profile.sync, calendar_past_days=3650))


def _ics(profile: Profile) -> dict[Path, int]:
    """Every event file with its inode (kept files keep theirs)."""
    return {
        p: n for p, n in all_files(profile.effective_calendar_dir()).items() if p.suffix == ".ics"
    }


def _held(events: list[SyncEvent]) -> list[MassDeleteHeld]:
    return [e for e in events if isinstance(e, MassDeleteHeld)]


def test_a_calendar_mass_delete_is_held_until_allowed(
    fresh_sandbox: Callable[..., Sandbox],
) -> None:
    sb = fresh_sandbox(messages=1, events=10)
    email = sb.info.users[0].email
    profile = _wide(profile_for(sb))
    assert run_sync(sb, profile)[0].ok
    events = sorted(truth_items(sb, "calendar"))
    doomed = events[: len(events) * 4 // 5]
    for item_id in doomed:
        sb.control.delete_event(email, item_id)
    files = _ics(profile)
    assert len(files) == len(events)

    held, seen = run_sync(sb, profile)

    assert held.ok and held.held == 1, held
    assert [(e.folder, e.would_delete) for e in _held(seen)] == [("Calendar", len(doomed))]
    assert _ics(profile) == files  # nothing deleted
    again, _ = run_sync(sb, profile)
    assert again.held == 1 and _ics(profile) == files
    allowed, _ = run_sync(sb, profile, allow_mass_delete=True)
    assert allowed.ok and allowed.held == 0 and allowed.counts.deleted == len(doomed)
    assert len(_ics(profile)) == len(events) - len(doomed)


def test_a_calendar_listed_empty_after_a_refused_state_keeps_every_event(
    fresh_sandbox: Callable[..., Sandbox],
) -> None:
    sb = fresh_sandbox(messages=1, events=6)
    email = sb.info.users[0].email
    profile = _wide(profile_for(sb))
    assert run_sync(sb, profile)[0].ok
    for item_id in truth_items(sb, "calendar"):
        sb.control.delete_event(email, item_id)
    sb.control.invalidate_sync_states(email)
    files = _ics(profile)

    held, seen = run_sync(sb, profile)

    assert held.ok and held.held == 1, held
    assert [e.reason for e in _held(seen)] == ["would delete all 6 local events"]
    assert _ics(profile) == files


def test_a_graph_calendar_mass_delete_is_held(fresh_sandbox: Callable[..., Sandbox]) -> None:
    sb = fresh_sandbox(messages=0, events=10)
    email = sb.info.users[0].email
    profile = _wide(graph_profile(sb))
    assert run_graph_sync(sb, profile)[0].ok
    events = sorted(truth_items(sb, "calendar"))
    for item_id in events[: len(events) * 4 // 5]:
        sb.control.delete_event(email, item_id)
    files = _ics(profile)

    held, seen = run_graph_sync(sb, profile)

    assert held.ok and held.held == 1, held
    assert [e.folder for e in _held(seen)] == ["Calendar"]
    assert _ics(profile) == files


def _move_most_of_the_inbox(sb: Sandbox, profile: Profile) -> tuple[int, set[int]]:
    """Move 80 % of the inbox: half to a folder synced before it, half to one after."""
    email = sb.info.users[0].email
    later = sb.control.add_folder(email, "msgfolderroot", "Zeta")
    assert run_sync(sb, profile)[0].ok
    inodes = set(all_files(profile.effective_mail_dir()).values())
    inbox = sorted(truth_items(sb, "inbox"))
    moving = inbox[: len(inbox) * 4 // 5]
    for n, item_id in enumerate(moving):
        sb.control.move_message(email, item_id, folder_named(sb, "Archive") if n % 2 else later)
    return len(moving), inodes


def test_moving_most_of_a_folder_elsewhere_is_not_a_mass_delete(
    fresh_sandbox: Callable[..., Sandbox],
) -> None:
    sb, _email, profile = synced_mailbox(fresh_sandbox, messages=30)
    moved, inodes = _move_most_of_the_inbox(sb, profile)
    sb.control.clear_request_log()

    result, seen = run_sync(sb, profile)

    assert result.ok and result.held == 0 and not _held(seen), result
    assert result.counts.moved == moved and result.counts.new == 0, result.counts
    assert "GetItem" not in operations(sb)  # every file moved, none fetched again
    assert set(all_files(profile.effective_mail_dir()).values()) <= inodes
    assert_mail_matches(sb, profile)


def test_deleting_most_of_a_folder_is_still_held_when_others_moved(
    fresh_sandbox: Callable[..., Sandbox],
) -> None:
    sb, email, profile = synced_mailbox(fresh_sandbox, messages=30)
    inbox = sorted(truth_items(sb, "inbox"))
    # One real move among the deletes.
    sb.control.move_message(email, inbox[0], folder_named(sb, "Archive"))
    for item_id in inbox[1 : len(inbox) * 4 // 5]:
        sb.control.delete_message(email, item_id)
    files = {p for p in all_files(profile.effective_mail_dir()) if "Inbox" in p.parts}

    result, seen = run_sync(sb, profile)

    assert result.ok and result.held == 1, result
    assert [e.folder for e in _held(seen)] == ["Inbox"]
    assert {p for p in all_files(profile.effective_mail_dir()) if "Inbox" in p.parts} == files


def test_twins_sharing_message_id_and_size_each_keep_their_own_content(
    fresh_sandbox: Callable[..., Sandbox],
) -> None:
    sb, email, profile = synced_mailbox(fresh_sandbox, messages=2)
    twin = (
        b"From: a@example.com\r\nTo: b@example.com\r\nSubject: twin\r\n"
        b"Message-ID: <twin@example.com>\r\n\r\nbody %s\r\n"
    )
    first = sb.control.add_message(email, "inbox", mime=twin % b"A")
    second = sb.control.add_message(email, "inbox", mime=twin % b"B")
    assert run_sync(sb, profile)[0].ok
    assert_mail_matches(sb, profile)
    # Whichever twin a lookup by Message-ID and size finds first, the other one moves.
    for moving in (max(first, second), min(first, second)):
        sb.control.move_message(email, moving, folder_named(sb, "Archive"))

        result, _ = run_sync(sb, profile)

        assert result.ok, result
        assert_mail_matches(sb, profile)


def test_a_dry_run_of_a_large_move_neither_holds_nor_writes(
    fresh_sandbox: Callable[..., Sandbox],
) -> None:
    sb, _email, profile = synced_mailbox(fresh_sandbox, messages=30)
    moved, _inodes = _move_most_of_the_inbox(sb, profile)
    files = all_files(profile.effective_mail_dir())

    dry, seen = run_sync(sb, profile, dry_run=True)

    assert dry.ok and dry.held == 0 and not _held(seen), dry
    assert dry.counts.moved == moved and dry.counts.new == 0, dry.counts
    assert all_files(profile.effective_mail_dir()) == files


def test_moving_most_of_a_folder_through_graph_is_not_a_mass_delete(
    fresh_sandbox: Callable[..., Sandbox],
) -> None:
    sb = fresh_sandbox(messages=30, events=0)
    email = sb.info.users[0].email
    profile = graph_profile(sb)
    assert run_graph_sync(sb, profile)[0].ok
    inbox = sorted(truth_items(sb, "inbox"))
    for item_id in inbox[: len(inbox) * 4 // 5]:
        sb.control.move_message(email, item_id, folder_named(sb, "Archive"))
    sb.control.clear_request_log()

    result, seen = run_graph_sync(sb, profile)

    assert result.ok and result.held == 0 and not _held(seen), result
    assert result.counts.new == 0, result.counts
    assert "GraphValue 200" not in graph_operations(sb)  # nothing downloaded again
    assert_mail_matches(sb, profile)
