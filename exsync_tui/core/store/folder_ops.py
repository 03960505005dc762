"""Folder-level changes on disk shared by the Maildir and vdir writers: check, move, delete.

A server-side rename or move of a folder becomes a rename of its directory, never a
re-download. Several moves at once (a parent and its children, or two folders that
swap names) go in two phases through a staging directory in the root: every source
is renamed into a numbered slot, then every slot to its target. A plan file written
before the first rename records the moves and the phase, so calling
:func:`apply_folder_moves` again with the same moves after a crash finishes the job
from where it stopped, and a finished plan stays (marked done) until
:func:`finish_folder_moves` removes it. Paths alone cannot tell a half-done swap from
a done one; the plan can. The engine's protocol (see ``recovery``): commit the new
paths and the moves to the state, apply, clear the moves in the state, finish.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Mapping
from pathlib import Path, PurePosixPath
from typing import Any

from exsync_tui.core.files import atomic_write_text, ensure_private_directory, fsync_directory
from exsync_tui.core.store.errors import StoreError

STAGING = ".%exsync-moving"
"""Staging directory in the root. No encoded folder path can have this name (see folder_names)."""
_PLAN = "plan.json"


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


def _ordered(moves: Mapping[str, str]) -> list[list[str]]:
    """The moves in staging order: deepest source first, so children leave before parents."""
    pairs = [[old, new] for old, new in moves.items() if old != new]
    for old, new in pairs:
        checked_relpath(old)
        checked_relpath(new)
    return sorted(pairs, key=lambda pair: (-_depth(pair[0]), pair[0]))


def _read_plan(staging: Path) -> dict[str, Any] | None:
    try:
        plan: dict[str, Any] = json.loads((staging / _PLAN).read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    return plan


def _write_plan(staging: Path, moves: list[list[str]], phase: str) -> None:
    atomic_write_text(staging / _PLAN, json.dumps({"moves": moves, "phase": phase}))


def _inside(path: str, ancestor: str) -> bool:
    return path == ancestor or path.startswith(ancestor + "/")


def apply_folder_moves(root: Path, moves: Mapping[str, str]) -> None:
    """Rename folder directories under ``root``: ``{old relative path: new relative path}``.

    Every folder whose path changes must be listed (in a nested layout, a child of a
    moved parent too). Idempotent for the same ``moves``: resumes an interrupted run,
    does nothing after a finished one. A target taken by something that is not moving
    away is refused before anything is renamed.
    """
    staging = root / STAGING
    ordered = _ordered(moves)
    plan = _read_plan(staging)
    if plan is not None and plan["moves"] != ordered:
        if plan["phase"] != "done":
            raise StoreError("an earlier folder move is unfinished; recover the store first")
        finish_folder_moves(root)
        plan = None
    if plan is None:
        if not ordered:
            return
        olds = [old for old, _new in ordered]
        for _old, new in ordered:
            if (root / new).exists() and not any(_inside(new, old) for old in olds):
                raise StoreError(f"cannot move a folder to {new!r}: something else is there")
        ensure_private_directory(staging)
        _write_plan(staging, ordered, "staging")
        plan = {"moves": ordered, "phase": "staging"}
    if plan["phase"] == "staging":
        # Nothing has been placed yet, so every source still present is the original.
        for slot, (old, _new) in enumerate(ordered):
            if not (staging / str(slot)).exists() and (root / old).exists():
                os.rename(root / old, staging / str(slot))
                fsync_directory((root / old).parent)
        fsync_directory(staging)
        _write_plan(staging, ordered, "placing")
        plan["phase"] = "placing"
    if plan["phase"] == "placing":
        # Shallowest target first: a parent is in place before its children go into it.
        for slot in sorted(range(len(ordered)), key=lambda i: _depth(ordered[i][1])):
            source, target = staging / str(slot), root / ordered[slot][1]
            if source.exists():
                ensure_private_directory(target.parent)
                os.rename(source, target)
                fsync_directory(target.parent)
        _write_plan(staging, ordered, "done")


def finish_folder_moves(root: Path) -> None:
    """Remove a finished move plan (after the state has recorded the moves as done)."""
    staging = root / STAGING
    plan = _read_plan(staging)
    if plan is None and not staging.exists():
        return
    if plan is not None and plan["phase"] != "done":
        raise StoreError("a folder move is unfinished; it must be applied before it is removed")
    shutil.rmtree(staging)
    fsync_directory(root)


def fsync_touched(directories: set[Path]) -> None:
    """fsync each directory in ``directories`` that still exists, then empty the set."""
    for directory in sorted(directories):
        if directory.is_dir():
            fsync_directory(directory)
    directories.clear()


def delete_folder_tree(root: Path, relpath: str) -> bool:
    """Remove the folder directory ``relpath`` and everything in it; False if it was not there."""
    target = root / checked_relpath(relpath)
    if not target.exists():
        return False
    shutil.rmtree(target)
    fsync_directory(target.parent)
    return True
