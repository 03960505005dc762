"""Folder hierarchy: the server's folder changes become local folders, renamed, never refetched.

Each hierarchy page is applied in the order recovery relies on
(:mod:`exsync_tui.core.store.recovery`): folders deleted on the server are deleted
on disk first (a crash before the commit just repeats that); then one transaction
saves the folders' new paths, the directory moves still to do and the page's
sync state; then the directories are moved, and the moves are marked done.
Mail folders live under the Maildir root in the profile's layout; calendar
folders are flat vdir collections under the calendar root.
"""

from __future__ import annotations

from collections.abc import Iterable

from exsync_tui.core.sources import FolderKind, HierarchyPage, RemoteFolder, SyncStateInvalid
from exsync_tui.core.store.folder_names import Layout
from exsync_tui.core.store.folder_tree import FolderNode, plan_paths
from exsync_tui.core.store.maildir import MaildirStore
from exsync_tui.core.store.state import FolderRecord
from exsync_tui.core.store.vdir import VdirStore
from exsync_tui.core.sync import crashpoints
from exsync_tui.core.sync.context import SyncContext
from exsync_tui.core.sync.events import FolderChanged, SyncWarning

_KINDS = {FolderKind.MAIL: "mail", FolderKind.CALENDAR: "calendar"}


def sync_hierarchy(ctx: SyncContext) -> None:
    """Bring the local folders in line with the server's, page by page."""
    state = ctx.state.hierarchy_state()
    while True:
        ctx.check_cancel()
        try:
            page = ctx.source.sync_hierarchy(state)
        except SyncStateInvalid:
            if state is None:
                raise
            ctx.emit(SyncWarning(ctx.profile, "the server refused the folder list's sync "
                                 "state: listing every folder again"))  # fmt: skip
            page = full_listing(ctx)
        apply_page(ctx, page)
        state = page.sync_state
        if page.includes_last:
            return


def full_listing(ctx: SyncContext) -> HierarchyPage:
    """Every folder from no state, as one page: folders not listed any more are deleted."""
    listed: dict[str, RemoteFolder] = {}
    state: str | None = None
    while True:
        ctx.check_cancel()
        page = ctx.source.sync_hierarchy(state)
        for folder in (*page.created, *page.updated):
            listed[folder.folder_id] = folder
        for folder_id in page.deleted:
            listed.pop(folder_id, None)
        state = page.sync_state
        if page.includes_last:
            break
    gone = tuple(r.remote_id for r in ctx.state.folders() if r.remote_id not in listed)
    return HierarchyPage(tuple(listed.values()), (), gone, state, True)


def _store_for(ctx: SyncContext, kind: str) -> MaildirStore | VdirStore:
    return ctx.maildir if kind == "mail" else ctx.vdir


def _layout(ctx: SyncContext, kind: str) -> Layout:
    return ctx.maildir.layout if kind == "mail" else Layout.FLAT


def apply_page(ctx: SyncContext, page: HierarchyPage) -> None:
    """Apply one page of folder changes (see the module docstring for the order)."""
    known = {record.remote_id: record for record in ctx.state.folders()}
    changed = {f.folder_id: f for f in (*page.created, *page.updated) if f.kind in _KINDS}
    gone = set(page.deleted) | {
        f.folder_id for f in (*page.created, *page.updated) if f.kind not in _KINDS
    }
    removed = [known[folder_id] for folder_id in gone if folder_id in known]
    disk = not ctx.options.dry_run  # a dry run plans into a throwaway copy of the state
    for record in sorted(removed, key=lambda r: r.local_path, reverse=True) if disk else ():
        if record.kind == "mail":
            ctx.maildir.delete_folder(record.local_path)
        else:
            ctx.vdir.delete_calendar(record.local_path)
        ctx.emit(FolderChanged(ctx.profile, "deleted", record.local_path, kind=record.kind))
    records: list[FolderRecord] = []
    moves: dict[str, dict[str, str]] = {}
    for kind in ("mail", "calendar"):
        kept = [r for r in known.values() if r.kind == kind and r.remote_id not in gone]
        mine = [f for f in changed.values() if _KINDS[f.kind] == kind]
        new_records, kind_moves = _plan(ctx, kind, kept, mine)
        records += new_records
        moves[kind] = kind_moves
    crashpoints.reached("hierarchy-before-commit")
    with ctx.state.transaction():
        for record in removed:
            ctx.state.delete_folder(record.remote_id)
        # Existing folders change paths all at once (a swap of two names included),
        # before their other details and the new folders are written.
        ctx.state.set_folder_paths(
            {r.remote_id: r.local_path for r in records if r.remote_id in known}
        )
        for record in records:
            ctx.state.put_folder(record)
        for kind, kind_moves in moves.items():
            if kind_moves:
                ctx.state.set_folder_moves(kind, kind_moves)  # type: ignore[arg-type]
        ctx.state.set_hierarchy_state(page.sync_state)
    crashpoints.reached("hierarchy-after-commit")
    if disk:
        _apply_moves(ctx, moves)
        _create_new(ctx, records, known)


def _plan(
    ctx: SyncContext, kind: str, kept: list[FolderRecord], changed: list[RemoteFolder]
) -> tuple[list[FolderRecord], dict[str, str]]:
    """The records whose path or details change, and the directory moves for one kind."""
    nodes = {r.remote_id: FolderNode(r.remote_id, r.parent_id, r.display_name) for r in kept}
    for folder in changed:
        nodes[folder.folder_id] = FolderNode(folder.folder_id, folder.parent_id, folder.name)
    before = {
        r.remote_id: (FolderNode(r.remote_id, r.parent_id, r.display_name), r.local_path)
        for r in kept
    }
    plan = plan_paths(nodes.values(), before, _layout(ctx, kind))
    by_id = {r.remote_id: r for r in kept}
    records: list[FolderRecord] = []
    for node in nodes.values():
        old = by_id.get(node.remote_id)
        record = FolderRecord(
            remote_id=node.remote_id,
            parent_id=node.parent_id,
            display_name=node.display_name,
            kind=kind,  # type: ignore[arg-type]
            local_path=plan.paths[node.remote_id],
            sync_state=old.sync_state if old else None,
        )
        if record != old:
            records.append(record)
    return records, plan.moves


def _apply_moves(ctx: SyncContext, moves: dict[str, dict[str, str]]) -> None:
    for kind, kind_moves in moves.items():
        if not kind_moves:
            continue
        store = _store_for(ctx, kind)
        crashpoints.reached("folder-moves-before-apply")
        store.move_folders(kind_moves)
        crashpoints.reached("folder-moves-after-apply")
        with ctx.state.transaction():
            ctx.state.clear_folder_moves(kind)  # type: ignore[arg-type]
        store.finish_folder_moves()
        for old, new in sorted(kind_moves.items()):
            ctx.emit(FolderChanged(ctx.profile, "renamed", new, old_path=old, kind=kind))


def _create_new(
    ctx: SyncContext, records: Iterable[FolderRecord], known: dict[str, FolderRecord]
) -> None:
    for record in records:
        if record.kind == "mail":
            ctx.maildir.create_folder(record.local_path)
        else:
            ctx.vdir.create_calendar(record.local_path, displayname=record.display_name)
        if record.remote_id not in known:
            ctx.emit(FolderChanged(ctx.profile, "created", record.local_path, kind=record.kind))
    ctx.maildir.sync_dirs()
    ctx.vdir.sync_dirs()
