"""The EWS source's folder hierarchy against the sandbox: a first sync, then what changes."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from exsync_tui.core.sources import FolderKind, HierarchyPage, folder_kind
from exsync_tui.sandbox import Sandbox
from tests.sources.helpers import open_source

# Folders at or above the message root, which a hierarchy sync below that root never reports.
_ABOVE = {"root", "msgfolderroot"}


def _truth_folders(sb: Sandbox) -> dict[str, dict[str, Any]]:
    truth = sb.control.truth(sb.info.users[0].email)
    return {f["id"]: f for f in truth["folders"]}


def _below_root(folders: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    root = next(f["id"] for f in folders.values() if f["distinguished"] == "msgfolderroot")

    def under(folder: dict[str, Any]) -> bool:
        parent = folder["parent_id"]
        while parent is not None:
            if parent == root:
                return True
            parent = folders[parent]["parent_id"]
        return False

    return {fid: f for fid, f in folders.items() if under(f)}


def _first_page(sb: Sandbox) -> HierarchyPage:
    with open_source(sb) as source:
        return source.sync_hierarchy(None)


def test_a_first_hierarchy_sync_reports_every_folder_below_the_root_with_its_kind(
    sandbox: Sandbox,
) -> None:
    page = _first_page(sandbox)
    expected = _below_root(_truth_folders(sandbox))

    assert page.includes_last and page.sync_state
    assert page.updated == () and page.deleted == ()
    assert {f.folder_id for f in page.created} == set(expected)
    for folder in page.created:
        truth = expected[folder.folder_id]
        assert folder.name == truth["name"]
        assert folder.parent_id == truth["parent_id"]
        assert folder.kind is folder_kind(truth["folder_class"])
    kinds = {f.name: f.kind for f in page.created}
    assert kinds["Inbox"] is FolderKind.MAIL
    assert kinds["Calendar"] is FolderKind.CALENDAR
    assert kinds["Contacts"] is FolderKind.OTHER


def test_folder_kinds_follow_the_folder_class() -> None:
    assert folder_kind("IPF.Note") is FolderKind.MAIL
    assert folder_kind("IPF.Note.OutlookHomepage") is FolderKind.MAIL
    assert folder_kind("IPF.Notes") is FolderKind.OTHER
    assert folder_kind("IPF.Appointment") is FolderKind.CALENDAR
    assert folder_kind("IPF.Appointment.Birthday") is FolderKind.CALENDAR
    assert folder_kind("IPF.StickyNote") is FolderKind.OTHER
    assert folder_kind(None) is FolderKind.OTHER


def test_creates_renames_moves_and_deletes_of_folders_come_as_changes_with_stable_ids(
    fresh_sandbox: Callable[..., Sandbox],
) -> None:
    sb = fresh_sandbox(messages=3, events=0)
    email = sb.info.users[0].email
    control = sb.control
    with open_source(sb) as source:
        first = source.sync_hierarchy(None)
        by_name = {f.name: f for f in first.created}
        assert source.sync_hierarchy(first.sync_state).created == ()

        added = control.add_folder(email, "inbox", "Brand new folder")
        control.rename_folder(email, by_name["Projects"].folder_id, "Projects (renamed)")
        control.move_folder(email, by_name["2026"].folder_id, by_name["Archive"].folder_id)
        control.remove_folder(email, by_name["Q1 & Q2 <draft>"].folder_id)
        second = source.sync_hierarchy(first.sync_state)

        assert second.includes_last and second.sync_state != first.sync_state
        assert [f.folder_id for f in second.created] == [added]
        assert second.created[0].parent_id == by_name["Inbox"].folder_id
        updated = {f.folder_id: f for f in second.updated}
        renamed = updated[by_name["Projects"].folder_id]
        assert renamed.name == "Projects (renamed)"
        assert renamed.parent_id == by_name["Projects"].parent_id
        moved = updated[by_name["2026"].folder_id]
        assert (moved.name, moved.parent_id) == ("2026", by_name["Archive"].folder_id)
        assert second.deleted == (by_name["Q1 & Q2 <draft>"].folder_id,)

        # From the new state nothing more; from the old one the same changes again.
        third = source.sync_hierarchy(second.sync_state)
        assert (third.created, third.updated, third.deleted) == ((), (), ())
        again = source.sync_hierarchy(first.sync_state)
        assert again.deleted == second.deleted
        assert {f.folder_id for f in again.updated} == set(updated)
