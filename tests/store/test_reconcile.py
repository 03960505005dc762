"""Full resync plans: keep what matches, rename flags, fetch only what is missing."""

from __future__ import annotations

from exsync_tui.core.store.reconcile import LocalItem, ServerItem, reconcile


def test_matching_by_id_keeps_files_and_renames_changed_flags() -> None:
    plan = reconcile(
        [ServerItem("a", flags="S"), ServerItem("b", flags="FS")],
        [LocalItem("a", "base-a", flags="S"), LocalItem("b", "base-b", flags="S")],
    )
    assert [m.local.base for m in plan.keep] == ["base-a"]
    assert [(m.local.base, m.server.flags) for m in plan.rename] == [("base-b", "FS")]
    assert plan.fetch == () and plan.delete == () and plan.forget == ()


def test_changed_ids_match_by_message_id_and_size() -> None:
    plan = reconcile(
        [ServerItem("new-id", message_id="<m@x>", size=100)],
        [LocalItem("old-id", "base", message_id="<m@x>", size=100)],
    )
    assert len(plan.matched) == 1 and plan.matched[0].rebind
    assert plan.fetch == () and plan.delete == ()


def test_same_message_id_different_size_is_a_different_message() -> None:
    plan = reconcile(
        [ServerItem("new", message_id="<m@x>", size=101)],
        [LocalItem("old", "base", message_id="<m@x>", size=100)],
    )
    assert [s.item_id for s in plan.fetch] == ["new"]
    assert [item.base for item in plan.delete] == ["base"]


def test_duplicates_pair_one_to_one() -> None:
    server = [ServerItem(f"s{i}", message_id="<dup@x>", size=5) for i in range(3)]
    local = [LocalItem(f"l{i}", f"b{i}", message_id="<dup@x>", size=5) for i in range(2)]
    plan = reconcile(server, local)
    assert sorted(m.local.base for m in plan.matched) == ["b0", "b1"]
    assert len(plan.fetch) == 1 and plan.delete == ()


def test_missing_files_are_forgotten_and_fetched() -> None:
    plan = reconcile([ServerItem("a")], [LocalItem("a", "base-a", on_disk=False)])
    assert [s.item_id for s in plan.fetch] == ["a"]
    assert [item.base for item in plan.forget] == ["base-a"]
    assert plan.delete == ()


def test_items_without_message_id_never_match_by_content() -> None:
    plan = reconcile([ServerItem("new", size=5)], [LocalItem("old", "base", size=5)])
    assert len(plan.fetch) == 1 and len(plan.delete) == 1


def test_an_invalid_state_with_everything_on_disk_downloads_nothing() -> None:
    local = [LocalItem(f"old{i}", f"b{i}", message_id=f"<{i}@x>", size=i) for i in range(50)]
    server = [ServerItem(f"new{i}", message_id=f"<{i}@x>", size=i, flags="S") for i in range(50)]
    plan = reconcile(server, local)
    assert plan.fetch == () and plan.delete == ()
    assert len(plan.rename) == 50 and all(m.rebind for m in plan.matched)


def test_plan_is_independent_of_input_order() -> None:
    local = [LocalItem(f"l{i}", f"b{i}", message_id="<d@x>", size=1) for i in range(4)]
    server = [ServerItem(f"s{i}", message_id="<d@x>", size=1) for i in range(3)]
    one = reconcile(server, local)
    two = reconcile(list(reversed(server)), list(reversed(local)))
    assert one == two
