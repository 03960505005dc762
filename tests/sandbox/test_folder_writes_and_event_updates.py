"""MoveFolder, CopyFolder, hierarchy updates on content changes, UpdateItem on calendar items."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from exchangelib import EWSDateTime, EWSTimeZone
from exchangelib.errors import ErrorMoveCopyFailed, ErrorMoveDistinguishedFolder
from exchangelib.services import MoveFolder

from exsync_tui.sandbox import Sandbox
from tests.sandbox.helpers import account_for


class CopyFolder(MoveFolder):  # type: ignore[misc]
    """exchangelib has no CopyFolder; the request is MoveFolder's with another name."""

    SERVICE_NAME = "CopyFolder"


def _folders(sandbox: Sandbox) -> dict[str, dict[str, Any]]:
    truth = sandbox.control.truth(sandbox.info.users[0].email)
    return {f["id"]: f for f in truth["folders"]}


def _messages_in(sandbox: Sandbox, folder_id: str) -> list[bytes]:
    truth = sandbox.control.truth(sandbox.info.users[0].email)
    return sorted(i["mime"] for i in truth["items"] if i["folder_id"] == folder_id)


def test_move_folder_keeps_the_id_and_syncs_as_an_update(
    fresh_sandbox: Any, sandbox_trust: None
) -> None:
    sandbox: Sandbox = fresh_sandbox(users=1, messages=40, events=0)
    account = account_for(sandbox)
    list(account.root.sync_hierarchy())
    state = account.root.folder_sync_state
    projects = account.inbox / "Projects"
    archive = account.root / "Top of Information Store" / "Archive"
    projects.move(archive)
    after = _folders(sandbox)
    assert after[projects.id]["parent_id"] == archive.id  # the same id, a new parent
    account.root.folder_sync_state = state
    updates = [f for kind, f in account.root.sync_hierarchy() if kind == "update"]
    assert projects.id in {f.id for f in updates}
    with pytest.raises(ErrorMoveCopyFailed):
        archive.move(account.root / "Top of Information Store" / "Archive" / "Projects" / "2026")
    with pytest.raises(ErrorMoveDistinguishedFolder):
        account.sent.move(archive)
    assert _folders(sandbox)[archive.id]["parent_id"] == after[archive.id]["parent_id"]


def test_copy_folder_copies_the_subtree_and_its_items_with_new_ids(
    fresh_sandbox: Any, sandbox_trust: None
) -> None:
    sandbox: Sandbox = fresh_sandbox(users=1, messages=60, events=0)
    account = account_for(sandbox)
    projects = account.inbox / "Projects"
    archive = account.root / "Top of Information Store" / "Archive"
    before = _folders(sandbox)
    copy_id = CopyFolder(account=account).get(folders=[projects], to_folder=archive)
    after = _folders(sandbox)
    copied = after[copy_id.id]
    assert copy_id.id not in before and copied["name"] == "Projects"
    assert copied["parent_id"] == archive.id
    assert after[projects.id] == before[projects.id]  # the original stays where it was
    (year,) = [f for f in after.values() if f["parent_id"] == copy_id.id]
    assert year["name"] == "2026"
    (quarter,) = [f for f in after.values() if f["parent_id"] == year["id"]]
    assert quarter["name"] == "Q1 & Q2 <draft>"
    original_year = next(f for f in before.values() if f["parent_id"] == projects.id)
    assert _messages_in(sandbox, copy_id.id) == _messages_in(sandbox, projects.id) != []
    assert _messages_in(sandbox, year["id"]) == _messages_in(sandbox, original_year["id"])
    with pytest.raises(ErrorMoveCopyFailed):
        CopyFolder(account=account).get(folders=[projects], to_folder=account.inbox / "Projects")


def test_content_changes_are_folder_updates_with_the_same_name_and_parent(
    fresh_sandbox: Any, sandbox_trust: None
) -> None:
    sandbox: Sandbox = fresh_sandbox(users=1, messages=5, events=0)
    email = sandbox.info.users[0].email
    account = account_for(sandbox)
    list(account.root.sync_hierarchy())
    inbox = _folders(sandbox)[account.inbox.id]
    for change in (
        lambda: sandbox.control.add_message(email, "inbox", subject="counts change"),
        lambda: sandbox.control.mark_read(email, _newest_in_inbox(sandbox), False),
    ):
        change()
        (update,) = [(k, f) for k, f in account.root.sync_hierarchy() if f.id == account.inbox.id]
        assert update[0] == "update"
        assert (update[1].name, update[1].parent_folder_id.id) == (
            inbox["name"],
            inbox["parent_id"],
        )
        assert update[1].changekey != inbox["change_key"]
        inbox = _folders(sandbox)[account.inbox.id]
    assert list(account.root.sync_hierarchy()) == []  # nothing changed since


def _newest_in_inbox(sandbox: Sandbox) -> str:
    truth = sandbox.control.truth(sandbox.info.users[0].email)
    inbox = next(f["id"] for f in truth["folders"] if f["distinguished"] == "inbox")
    return str([i for i in truth["items"] if i["folder_id"] == inbox][-1]["id"])


def test_update_item_changes_a_calendar_item(fresh_sandbox: Any, sandbox_trust: None) -> None:
    sandbox: Sandbox = fresh_sandbox(users=1, messages=0, events=3)
    email = sandbox.info.users[0].email
    account = account_for(sandbox)
    list(account.calendar.sync_items())
    event = next(e for e in account.calendar.all() if not e.is_all_day)
    zone = EWSTimeZone("Europe/Berlin")
    start = EWSDateTime(2026, 12, 24, 15, 0, tzinfo=zone)
    event.subject, event.location = "Moved and renamed", "Room 9"
    event.start, event.end = start, start + dt.timedelta(minutes=45)
    event.save(update_fields=["subject", "location", "start", "end"])
    truth = {i["id"]: i for i in sandbox.control.truth(email)["items"]}
    changed = truth[event.id]
    times = [dt.datetime.fromisoformat(changed[key]).timestamp() for key in ("start", "end")]
    assert changed["subject"] == "Moved and renamed"
    assert times == [start.timestamp(), start.timestamp() + 45 * 60]
    assert b"LOCATION:Room 9" in changed["mime"]
    (update,) = list(account.calendar.sync_items())
    assert update[0] == "update" and update[1].id == event.id
    fetched = account.calendar.get(id=event.id)
    assert (fetched.subject, fetched.location) == ("Moved and renamed", "Room 9")
    assert fetched.start == start and fetched.end == start + dt.timedelta(minutes=45)
