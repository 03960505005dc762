"""Bringing the Maildir, the vdirs and the state back into agreement after a crash.

The engine's protocols make this exact.

New messages:

1. pick base names (:func:`maildir_names.new_base`) and commit them as *pending*
   (``state.add_pending``) before writing anything;
2. deliver the files with those bases, then ``MaildirStore.sync_dirs()``;
3. in one transaction, record the items, clear their pending marks and save the
   page's sync state.

A crash before 3 leaves files that no item row describes, only pending marks; the
page's sync state was not saved, so the server will report those items again.
:func:`recover` deletes such files (and ``tmp/`` leftovers), so the rerun delivers
each message exactly once.

Folder renames and moves (paths and moves from :func:`folder_tree.plan_paths`):

1. in one transaction, save the folders' new paths and ``state.set_folder_moves``;
2. ``store.move_folders(moves)``;
3. ``state.clear_folder_moves`` in a transaction, then ``store.finish_folder_moves()``;
4. only then delete the folders gone from the server (a child that left a deleted
   parent has moved out by now).

A crash anywhere leaves the moves in the state; :func:`recover` applies them again,
which resumes or confirms the half-done run (see :mod:`folder_ops`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from exsync_tui.core.store.maildir import MaildirStore
from exsync_tui.core.store.state import FolderKind, StateDB
from exsync_tui.core.store.vdir import VdirStore


@dataclass(frozen=True)
class RecoveryReport:
    """What :func:`recover` cleaned up."""

    tmp_files: list[Path] = field(default_factory=list)
    orphans: list[Path] = field(default_factory=list)
    """Complete messages of a page whose state commit never happened (deleted)."""
    folder_moves: int = 0
    """Folder moves finished for an interrupted run."""


def _finish_moves(state: StateDB, kind: FolderKind, store: MaildirStore | VdirStore) -> int:
    moves = state.folder_moves(kind)
    if moves:
        store.move_folders(moves)
        with state.transaction():
            state.clear_folder_moves(kind)
    store.finish_folder_moves()
    return len(moves)


def recover(state: StateDB, maildir: MaildirStore, vdir: VdirStore | None = None) -> RecoveryReport:
    """Undo or finish what an interrupted run left half done. Call with the profile lock held."""
    moved = _finish_moves(state, "mail", maildir)
    if vdir is not None:
        moved += _finish_moves(state, "calendar", vdir)
    tmp_files = maildir.recover()
    if vdir is not None:
        tmp_files += vdir.recover()
    orphans: list[Path] = []
    pending = state.pending()
    for folder_id, base in pending:
        folder = state.folder(folder_id)
        if folder is None or state.item_by_base(folder_id, base) is not None:
            continue  # the folder is gone, or the item was committed after all: keep its file
        found = maildir.find(folder.local_path, base)
        if found is not None and maildir.delete(folder.local_path, base):
            orphans.append(found.path)
    maildir.sync_dirs()  # the deletions are durable before the pending marks go
    if pending:
        with state.transaction():
            for folder_id, base in pending:
                state.clear_pending(folder_id, base)
    return RecoveryReport(tmp_files=tmp_files, orphans=orphans, folder_moves=moved)
