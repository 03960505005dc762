"""Folder-level changes on disk shared by the Maildir and vdir writers: check, move, delete.

A server-side rename or move of a folder becomes a rename of its directory, never a
re-download. Several moves at once (a parent and its children, or two folders that
swap names) go through a staging directory in the root, with a small journal per
move written before the first rename, so a crash in between is finished or undone by
:func:`recover_folder_moves`. Moves are idempotent: a move whose source is gone and
whose target exists is taken as done, so the engine may replay a hierarchy change.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Mapping
from pathlib import Path, PurePosixPath

from exsync_tui.core.files import atomic_write_text, ensure_private_directory, fsync_directory
from exsync_tui.core.store.errors import StoreError

STAGING = ".%exsync-moving"
"""Staging directory in the root. No encoded folder path can have this name (see folder_names)."""


def checked_relpath(relpath: str) -> PurePosixPath:
    """``relpath`` as a path that stays inside the root, or :class:`StoreError`."""
    if not relpath or "\0" in relpath or "\\" in relpath:
        raise StoreError(f"folder path {relpath!r} is not a relative folder path")
    path = PurePosixPath(relpath)
    if path.is_absolute() or any(part in {"", ".", ".."} for part in relpath.split("/")):
        raise StoreError(f"folder path {relpath!r} would leave the store's root")
    if path.parts[0] == STAGING:
        raise StoreError(f"folder path {relpath!r} is reserved for exsync's own use")
    return path


def _depth(relpath: str) -> int:
    return relpath.count("/")


def apply_folder_moves(root: Path, moves: Mapping[str, str]) -> None:
    """Rename folder directories under ``root``: ``{old relative path: new relative path}``.

    Every folder whose path changes must be listed (in nested layouts a child of a
    renamed parent too); a listed child moves with the journal, not with its parent.
    Raises :class:`StoreError` if a target is taken by something that is not being
    moved away; moves already done are left staged for :func:`recover_folder_moves`.
    """
    pending = {}
    for old, new in moves.items():
        checked_relpath(old)
        checked_relpath(new)
        if old == new or (not (root / old).exists() and (root / new).exists()):
            continue  # nothing to do, or done by an earlier run that crashed before its commit
        if (root / old).exists():
            pending[old] = new
    if not pending:
        return
    staging = root / STAGING
    ensure_private_directory(staging)
    staged: list[tuple[str, str, str]] = []
    # Deepest first: a child leaves its parent before the parent itself moves.
    for index, old in enumerate(sorted(pending, key=_depth, reverse=True)):
        slot = f"{os.getpid()}-{index}"
        atomic_write_text(staging / f"{slot}.json", json.dumps({"from": old, "to": pending[old]}))
        os.rename(root / old, staging / slot)
        fsync_directory((root / old).parent)
        staged.append((slot, old, pending[old]))
    fsync_directory(staging)
    # Shallowest first: a parent is in place before its children go into it.
    for slot, _old, new in sorted(staged, key=lambda entry: _depth(entry[2])):
        _place(root, staging, slot, new)
    _remove_if_empty(staging)


def _place(root: Path, staging: Path, slot: str, new: str) -> None:
    target = root / new
    if target.exists():
        raise StoreError(f"cannot move a folder to {new!r}: something else is already there")
    ensure_private_directory(target.parent)
    os.rename(staging / slot, target)
    fsync_directory(target.parent)
    (staging / f"{slot}.json").unlink()
    fsync_directory(staging)


def _remove_if_empty(directory: Path) -> None:
    try:
        directory.rmdir()
    except OSError:
        return  # not empty: a conflict left something staged for recover()
    fsync_directory(directory.parent)


def recover_folder_moves(root: Path) -> list[str]:
    """Finish the folder moves a crash interrupted; returns the paths where folders ended up.

    A staged folder goes to its target if that is free, else back to where it came from;
    if both are taken it stays staged (and is reported by another call later).
    """
    staging = root / STAGING
    if not staging.is_dir():
        return []
    placed: list[str] = []
    for journal in sorted(staging.glob("*.json")):
        slot = journal.name.removesuffix(".json")
        record = json.loads(journal.read_text(encoding="utf-8"))
        if not (staging / slot).exists():
            journal.unlink()  # the rename out of staging happened; only the journal was left
            continue
        for candidate in (str(record["to"]), str(record["from"])):
            checked_relpath(candidate)
            if not (root / candidate).exists():
                _place(root, staging, slot, candidate)
                placed.append(candidate)
                break
    _remove_if_empty(staging)
    return placed


def delete_folder_tree(root: Path, relpath: str) -> bool:
    """Remove the folder directory ``relpath`` and everything in it; False if it was not there."""
    target = root / checked_relpath(relpath)
    if not target.exists():
        return False
    shutil.rmtree(target)
    fsync_directory(target.parent)
    return True
