"""Folder hierarchy: the server's folder changes become local folders, renamed, never refetched.

Each hierarchy page is applied in the order recovery relies on
(:mod:`exsync_tui.core.store.recovery`): one transaction saves the folders' new
paths, the directory moves still to do, the folders still to delete and the
page's sync state; then the directories are moved (a subfolder moved out of a
deleted parent is safe first), then the deleted folders' directories go; each
step is marked done, so a run that dies anywhere finishes the rest next time.
A folder deleted on the server with messages in it is a mass delete: held, like
messages, until ``--allow-mass-delete``. Mail folders live under the Maildir
root in the profile's layout; calendars are flat vdir collections.
"""

from __future__ import annotations

import json
from collections.abc import Iterable

from exsync_tui.core.sources import FolderKind, HierarchyPage, RemoteFolder, SyncStateInvalid
from exsync_tui.core.store.folder_names import Layout
from exsync_tui.core.store.folder_tree import FolderNode, plan_paths
from exsync_tui.core.store.maildir import MaildirStore
from exsync_tui.core.store.state import FolderRecord
from exsync_tui.core.store.vdir import VdirStore
from exsync_tui.core.sync import crashpoints
from exsync_tui.core.sync.context import SyncContext
from exsync_tui.core.sync.events import FolderChanged, MassDeleteHeld, SyncWarning

_KINDS = {FolderKind.MAIL: "mail", FolderKind.CALENDAR: "calendar"}
_FOLDER_DELETES = "folder-deletes"
"""State key of the folders whose directories are still to delete (JSON [kind, path] pairs)."""


def sync_hierarchy(ctx: SyncContext) -> None:
    """Bring the local folders in line with the server's, page by page."""
    if not ctx.options.dry_run:
        finish_folder_deletes(ctx)  # left over by a run that died after its commit
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
        if not apply_page(ctx, page):
            return  # held back: the folders keep their local data, nothing more applies
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


def _deletes_allowed(ctx: SyncContext, removed: list[FolderRecord]) -> bool:
    """A folder deleted on the server with messages in it is a mass delete: held unless allowed."""
    counts = {r.local_path: ctx.state.item_count(r.remote_id) for r in removed if r.kind == "mail"}
    held = {path: count for path, count in counts.items() if count}
    if not held or ctx.options.allow_mass_delete:
        return True
    for path, count in held.items():
        reason = "the folder was deleted on the server"
        ctx.emit(MassDeleteHeld(ctx.profile, path, count, count, reason))
        ctx.held += 1
    return False


def _pending_deletes(ctx: SyncContext) -> list[list[str]]:
    """Folders (kind, path) whose deletion is committed but not yet done on disk."""
    return list(json.loads(ctx.state.hierarchy_state(_FOLDER_DELETES) or "[]"))


def finish_folder_deletes(ctx: SyncContext) -> None:
    """Delete the directories of folders gone from the server (after every move is done)."""
    pending = _pending_deletes(ctx)
    for kind, path in sorted(pending, key=lambda entry: entry[1], reverse=True):
        if kind == "mail":
            ctx.maildir.delete_folder(path)
        else:
            ctx.vdir.delete_calendar(path)
        ctx.emit(FolderChanged(ctx.profile, "deleted", path, kind=kind))
    if pending:
        with ctx.state.transaction():
            ctx.state.set_hierarchy_state(None, _FOLDER_DELETES)


def apply_page(ctx: SyncContext, page: HierarchyPage) -> bool:
    """Apply one page of folder changes (see the module docstring for the order);
    False when a deleted folder's messages are held back (nothing applied)."""
    known = {record.remote_id: record for record in ctx.state.folders()}
    changed = {f.folder_id: f for f in (*page.created, *page.updated) if f.kind in _KINDS}
    gone = set(page.deleted) | {
        f.folder_id for f in (*page.created, *page.updated) if f.kind not in _KINDS
    }
    removed = [known[folder_id] for folder_id in gone if folder_id in known]
    ctx.totals.update(
        {f.folder_id: f.total_count for f in changed.values() if f.total_count is not None}
    )
    if not _deletes_allowed(ctx, removed):
        return False
    disk = not ctx.options.dry_run  # a dry run plans into a throwaway copy of the state
    records: list[FolderRecord] = []
    moves: dict[str, dict[str, str]] = {}
    for kind in ("mail", "calendar"):
        # Gone folders stay in the plan's "before" so nobody takes their paths until
        # their directories are deleted, after the moves.
        before = [r for r in known.values() if r.kind == kind]
        mine = [f for f in changed.values() if _KINDS[f.kind] == kind]
        new_records, kind_moves = _plan(ctx, kind, before, mine, gone)
        records += new_records
        moves[kind] = kind_moves
    crashpoints.reached("hierarchy-before-commit")
    with ctx.state.transaction():
        for record in removed:
            ctx.state.delete_folder(record.remote_id)
        if removed:
            deletes = _pending_deletes(ctx) + [[r.kind, r.local_path] for r in removed]
            ctx.state.set_hierarchy_state(json.dumps(deletes), _FOLDER_DELETES)
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
        finish_folder_deletes(ctx)
        _create_new(ctx, records, known)
    return True


def _plan(
    ctx: SyncContext,
    kind: str,
    known: list[FolderRecord],
    changed: list[RemoteFolder],
    gone: set[str],
) -> tuple[list[FolderRecord], dict[str, str]]:
    """The records whose path or details change, and the directory moves for one kind."""
    kept = [r for r in known if r.remote_id not in gone]
    nodes = {r.remote_id: FolderNode(r.remote_id, r.parent_id, r.display_name) for r in kept}
    for folder in changed:
        nodes[folder.folder_id] = FolderNode(folder.folder_id, folder.parent_id, folder.name)
    before = {
        r.remote_id: (FolderNode(r.remote_id, r.parent_id, r.display_name), r.local_path)
        for r in known
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
