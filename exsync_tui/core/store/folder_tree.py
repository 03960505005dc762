"""Local paths for a whole folder hierarchy, and the directory moves a hierarchy change needs.

The engine gets the server's folders (id, parent, name) after each hierarchy sync and
has the paths it gave them before. :func:`plan_paths` keeps every path it can (a folder
whose name and parent are unchanged, under a parent that kept its path), gives new
paths to the rest (new, renamed or moved folders and everything below them), and
names the renames that turn the old tree into the new one. Pure and deterministic.

The paths of known folders that are gone from the server stay taken, so the engine
can apply the moves first and delete the gone folders after: in the nested layout a
child that left a deleted parent is moved out before the parent's directory goes.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from exsync_tui.core.store.folder_names import Layout, child_path


@dataclass(frozen=True)
class FolderNode:
    """A folder as the server describes it; ``parent_id`` None (or unknown) means top level."""

    remote_id: str
    parent_id: str | None
    display_name: str


@dataclass(frozen=True)
class PathPlan:
    """Every folder's local path after the change, and the moves that get there."""

    paths: dict[str, str]
    """Remote id → local path, for every folder given."""
    moves: dict[str, str]
    """Old local path → new local path, for known folders whose path changes."""


def plan_paths(
    nodes: Iterable[FolderNode], known: Mapping[str, tuple[FolderNode, str]], layout: Layout
) -> PathPlan:
    """Assign paths to ``nodes``; ``known`` maps remote id → (folder as it was, its path)."""
    by_id = {node.remote_id: node for node in nodes}
    children: dict[str | None, list[FolderNode]] = defaultdict(list)
    for node in by_id.values():
        parent = node.parent_id if node.parent_id in by_id else None
        children[parent].append(node)

    paths: dict[str, str] = {}
    kept: set[str] = set()
    gone = [path for rid, (_node, path) in known.items() if rid not in by_id]
    # Parents before children; among siblings, known folders first so that a newcomer
    # (say a case-only twin) never takes the plain name from a folder that has it.
    order: list[FolderNode] = []
    frontier: list[str | None] = [None]
    while frontier:
        parent_id = frontier.pop(0)
        siblings = sorted(
            children.get(parent_id, []),
            key=lambda n: (n.remote_id not in known, n.display_name, n.remote_id),
        )
        order.extend(siblings)
        frontier.extend(n.remote_id for n in siblings)

    def keeps_path(node: FolderNode) -> bool:
        before = known.get(node.remote_id)
        if before is None:
            return False
        old, _path = before
        old_parent = old.parent_id if old.parent_id in known else None
        new_parent = node.parent_id if node.parent_id in by_id else None
        parent_kept = new_parent is None or new_parent in kept
        return old.display_name == node.display_name and old_parent == new_parent and parent_kept

    for node in order:
        if keeps_path(node):
            paths[node.remote_id] = known[node.remote_id][1]
            kept.add(node.remote_id)
    for node in order:
        if node.remote_id in kept:
            continue
        parent = node.parent_id if node.parent_id in by_id else None
        parent_path = "" if parent is None else paths[parent]
        taken = [*paths.values(), *gone]
        paths[node.remote_id] = child_path(parent_path, node.display_name, layout, taken)

    moves = {
        known[rid][1]: path for rid, path in paths.items() if rid in known and known[rid][1] != path
    }
    return PathPlan(paths=paths, moves=moves)
