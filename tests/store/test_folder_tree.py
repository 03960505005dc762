"""Paths for a folder hierarchy and the moves a hierarchy change needs."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from exsync_tui.core.store.folder_names import Layout, collision_key
from exsync_tui.core.store.folder_tree import FolderNode, plan_paths
from exsync_tui.core.store.maildir import MaildirStore
from exsync_tui.sandbox.generator import HOSTILE_FOLDER_NAMES

ROOT = "root-id"  # the mailbox root: not synced itself, its children are top level


def node(rid: str, parent: str | None, name: str) -> FolderNode:
    return FolderNode(rid, parent, name)


TREE = [
    node("i", ROOT, "Inbox"),
    node("p", "i", "Projects"),
    node("q", "p", "Q1"),
    node("s", ROOT, "Sent Items"),
]


def test_first_sync_assigns_every_path() -> None:
    plan = plan_paths(TREE, {}, Layout.VERBATIM)
    assert plan.paths == {
        "i": "Inbox",
        "p": "Inbox/Projects",
        "q": "Inbox/Projects/Q1",
        "s": "Sent Items",
    }
    assert plan.moves == {}
    pp = plan_paths(TREE, {}, Layout.MAILDIRPP)
    assert pp.paths["q"] == ".Inbox.Projects.Q1"


def _known(layout: Layout) -> dict[str, tuple[FolderNode, str]]:
    first = plan_paths(TREE, {}, layout)
    return {n.remote_id: (n, first.paths[n.remote_id]) for n in TREE}


def test_nothing_changed_keeps_everything() -> None:
    plan = plan_paths(TREE, _known(Layout.VERBATIM), Layout.VERBATIM)
    assert plan.moves == {}


def test_renaming_a_parent_moves_its_subtree() -> None:
    changed = [node("i", ROOT, "Mail"), *TREE[1:]]
    verbatim = plan_paths(changed, _known(Layout.VERBATIM), Layout.VERBATIM)
    assert verbatim.moves == {
        "Inbox": "Mail",
        "Inbox/Projects": "Mail/Projects",
        "Inbox/Projects/Q1": "Mail/Projects/Q1",
    }
    plus = plan_paths(changed, _known(Layout.MAILDIRPP), Layout.MAILDIRPP)
    assert plus.moves == {
        ".Inbox": ".Mail",
        ".Inbox.Projects": ".Mail.Projects",
        ".Inbox.Projects.Q1": ".Mail.Projects.Q1",
    }


def test_moving_a_folder_to_another_parent() -> None:
    changed = [TREE[0], node("p", "s", "Projects"), TREE[2], TREE[3]]
    plan = plan_paths(changed, _known(Layout.VERBATIM), Layout.VERBATIM)
    assert plan.moves == {
        "Inbox/Projects": "Sent Items/Projects",
        "Inbox/Projects/Q1": "Sent Items/Projects/Q1",
    }


def test_swapped_names_swap_paths() -> None:
    tree = [node("a", ROOT, "A"), node("b", ROOT, "B")]
    known = {n.remote_id: (n, n.display_name) for n in tree}
    plan = plan_paths([node("a", ROOT, "B"), node("b", ROOT, "A")], known, Layout.VERBATIM)
    assert plan.moves == {"A": "B", "B": "A"}


def test_a_new_case_twin_never_takes_the_existing_folders_name() -> None:
    known = _known(Layout.VERBATIM)
    plan = plan_paths([*TREE, node("new", ROOT, "inbox")], known, Layout.VERBATIM)
    assert plan.paths["i"] == "Inbox" and plan.moves == {}
    assert plan.paths["new"].startswith("inbox~")


def test_order_of_input_does_not_matter() -> None:
    one = plan_paths(TREE + [node("x", ROOT, "inbox")], {}, Layout.VERBATIM)
    two = plan_paths(list(reversed(TREE)) + [node("x", ROOT, "inbox")], {}, Layout.VERBATIM)
    assert one == two


def test_a_gone_folders_path_is_not_reused_so_moves_can_run_before_deletes() -> None:
    known = _known(Layout.VERBATIM)
    # Inbox is deleted on the server; its child Projects moved to the top, and Sent
    # Items was renamed to "Inbox" in the same change.
    changed = [node("p", ROOT, "Projects"), TREE[2], node("s", ROOT, "Inbox")]
    plan = plan_paths(changed, known, Layout.VERBATIM)
    assert plan.paths["p"] == "Projects"
    assert plan.paths["s"].startswith("Inbox~")  # "Inbox" is still on disk until deleted
    assert plan.moves == {
        "Inbox/Projects": "Projects",
        "Inbox/Projects/Q1": "Projects/Q1",
        "Sent Items": plan.paths["s"],
    }


@st.composite
def trees(draw: st.DrawFn) -> list[FolderNode]:
    count = draw(st.integers(min_value=1, max_value=12))
    names = st.sampled_from(["Inbox", "inbox", "INBOX", "a/b", "..", "cur", "Café", "x" * 300])
    nodes = []
    for index in range(count):
        parent = draw(st.sampled_from([ROOT, *[f"f{i}" for i in range(index)]]))
        nodes.append(FolderNode(f"f{index}", parent, draw(names)))
    return nodes


@given(trees(), trees(), st.sampled_from(list(Layout)))
def test_any_change_gives_unique_paths_that_avoid_gone_folders(
    before: list[FolderNode], after: list[FolderNode], layout: Layout
) -> None:
    first = plan_paths(before, {}, layout)
    assert len({collision_key(p) for p in first.paths.values()}) == len(before)
    known = {n.remote_id: (n, first.paths[n.remote_id]) for n in before}
    second = plan_paths(after, known, layout)
    keys = [collision_key(p) for p in second.paths.values()]
    assert len(set(keys)) == len(after)
    gone = {collision_key(path) for rid, (_n, path) in known.items() if rid not in second.paths}
    assert not gone & set(keys)
    assert set(second.moves) <= {path for _n, path in known.values()}
    assert plan_paths(after, known, layout) == second  # deterministic


@pytest.mark.parametrize("layout", [Layout.VERBATIM, Layout.MAILDIRPP])
def test_the_sandbox_hostile_names_become_distinct_folders_on_disk(
    tmp_path: Path, layout: Layout
) -> None:
    nodes = [node("i", ROOT, "Inbox")]
    nodes += [node(f"h{n}", "i", name) for n, name in enumerate(HOSTILE_FOLDER_NAMES)]
    plan = plan_paths(nodes, {}, layout)
    store = MaildirStore(tmp_path / "mail", layout)
    for path in plan.paths.values():
        store.create_folder(path)
    root = store.root.resolve()
    made = {(root / p).resolve() for p in plan.paths.values()}
    assert len(made) == len(nodes)
    # "Reports" and "reports" are distinct on ext4; they must be on any filesystem too.
    assert len({collision_key(p) for p in plan.paths.values()}) == len(nodes)
    assert all(p.is_relative_to(root) and p != root for p in made)
    assert sorted(store.folders()) == sorted(plan.paths.values())
