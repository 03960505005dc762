"""Two-way sync through Graph: the push rules of tests/sync/test_push.py, for Microsoft 365."""

from __future__ import annotations

from collections.abc import Callable

from exsync_tui.core.sources import FlagPush
from exsync_tui.core.sync.events import Pushed, SyncEvent, SyncWarning
from exsync_tui.sandbox import Sandbox
from tests.graph.helpers import graph_operations, run_graph_sync
from tests.graph.push_helpers import by_graph_id, flags_of, graph_synced, inbox_mail
from tests.sources.helpers import folder_id, open_source, truth_items
from tests.sync.helpers import assert_mail_matches, folder_named
from tests.sync.push_helpers import local_file, move_file, set_flags


def _warnings(events: list[SyncEvent]) -> list[str]:
    return [e.message for e in events if isinstance(e, SyncWarning)]


def test_each_flag_goes_both_ways_in_one_batch(fresh_sandbox: Callable[..., Sandbox]) -> None:
    sb, profile = graph_synced(fresh_sandbox)
    inbox_id, items, mail = inbox_mail(sb)
    a, b = mail[:2]
    email = sb.info.users[0].email
    # Server to local first (written over EWS, so the two paths check each other).
    sb.control.mark_read(email, items[a]["id"], False)
    sb.control.set_flag(email, items[a]["id"], 0)
    with open_source(sb) as source:
        ews_b = items[b]["id"]
        key = truth_items(sb, "inbox")[ews_b]["change_key"]
        source.update_flags([FlagPush(ews_b, key, is_read=True, flagged=True, answered=True)])
    assert run_graph_sync(sb, profile)[0].ok
    assert {"F", "R", "S"} <= set(flags_of(profile, inbox_id, b))
    # Local to server: a gets all three, b loses all three.
    set_flags(local_file(profile, inbox_id, a), "FRS")
    set_flags(local_file(profile, inbox_id, b), "")
    sb.control.clear_request_log()
    result, events = run_graph_sync(sb, profile)
    assert result.ok, result
    server = by_graph_id(sb, "inbox")
    assert (server[a]["is_read"], server[a]["flagged"], server[a]["answered"]) == (True,) * 3
    assert (server[b]["is_read"], server[b]["flagged"], server[b]["answered"]) == (False,) * 3
    ops = graph_operations(sb)
    assert ops.get("GraphBatch 200") == 1 and "GraphPatch 200" not in ops
    assert [(e.folder, e.flags) for e in events if isinstance(e, Pushed)] == [("Inbox", 2)]
    assert _warnings(events) == []
    assert set(flags_of(profile, inbox_id, a)) == {"F", "R", "S"}
    assert flags_of(profile, inbox_id, b) == ""
    assert_mail_matches(sb, profile)
    sb.control.clear_request_log()
    assert run_graph_sync(sb, profile)[0].ok
    assert "GraphBatch 200" not in graph_operations(sb)  # nothing pushed twice


def test_many_flag_changes_go_twenty_to_a_batch(fresh_sandbox: Callable[..., Sandbox]) -> None:
    sb, profile = graph_synced(fresh_sandbox, messages=60)
    inbox_id, before, mail = inbox_mail(sb)
    assert len(mail) > 20
    for item_id in mail:
        path = local_file(profile, inbox_id, item_id)
        set_flags(path, "".join(set(flags_of(profile, inbox_id, item_id)) ^ {"S"}))
    sb.control.clear_request_log()
    result, _ = run_graph_sync(sb, profile)
    assert result.ok, result
    after = by_graph_id(sb, "inbox")
    assert all(after[i]["is_read"] is not before[i]["is_read"] for i in mail)
    ops = graph_operations(sb)
    assert ops.get("GraphBatch 200") == -(-len(mail) // 20)  # not one request per message
    assert "GraphValue 200" not in ops
    assert_mail_matches(sb, profile)


def test_local_deletes_go_to_deleted_items(fresh_sandbox: Callable[..., Sandbox]) -> None:
    sb, profile = graph_synced(fresh_sandbox)
    inbox_id, items, mail = inbox_mail(sb)
    gone, trashed = mail[:2]
    local_file(profile, inbox_id, gone).unlink()
    trashed_path = set_flags(local_file(profile, inbox_id, trashed), "ST")
    result, events = run_graph_sync(sb, profile)
    assert result.ok, result
    assert not {gone, trashed} & set(by_graph_id(sb, "inbox"))
    assert {gone, trashed} <= set(by_graph_id(sb, "deleteditems"))  # moved, ids kept
    assert not trashed_path.exists()
    assert [(e.folder, e.deleted) for e in events if isinstance(e, Pushed)] == [("Inbox", 2)]
    assert_mail_matches(sb, profile)


def test_a_local_move_is_a_server_move_without_download(
    fresh_sandbox: Callable[..., Sandbox],
) -> None:
    sb, profile = graph_synced(fresh_sandbox)
    inbox_id, items, mail = inbox_mail(sb)
    archive = folder_named(sb, "Archive")
    item_id = next(i for i in mail if not items[i]["flagged"])
    flags = flags_of(profile, inbox_id, item_id)
    moved = set_flags(
        move_file(local_file(profile, inbox_id, item_id), profile, archive), flags + "F"
    )
    inode = moved.stat().st_ino
    sb.control.clear_request_log()
    result, _ = run_graph_sync(sb, profile)
    assert result.ok, result
    assert item_id not in by_graph_id(sb, "inbox")
    assert by_graph_id(sb, archive)[item_id]["flagged"] is True  # moved, then flagged
    ops = graph_operations(sb)
    assert ops.get("GraphBatch 200") == 2 and "GraphValue 200" not in ops
    assert moved.exists() and moved.stat().st_ino == inode
    assert_mail_matches(sb, profile)


def test_flag_changed_on_the_server_and_read_here_both_stay(
    fresh_sandbox: Callable[..., Sandbox],
) -> None:
    sb, profile = graph_synced(fresh_sandbox)
    inbox_id, items, mail = inbox_mail(sb)
    item_id = next(i for i in mail if not items[i]["is_read"] and not items[i]["flagged"])
    sb.control.set_flag(sb.info.users[0].email, items[item_id]["id"], 2)
    set_flags(local_file(profile, inbox_id, item_id), "S")
    sb.control.clear_request_log()
    result, events = run_graph_sync(sb, profile)
    assert result.ok, result
    server = by_graph_id(sb, "inbox")[item_id]
    assert server["is_read"] is True and server["flagged"] is True
    # The PATCH met 412, the refresh and the retry: three batches.
    assert graph_operations(sb).get("GraphBatch 200") == 3
    assert _warnings(events) == []
    assert set(flags_of(profile, inbox_id, item_id)) == {"F", "S"}


def test_a_flag_changed_on_both_sides_keeps_the_servers_value(
    fresh_sandbox: Callable[..., Sandbox],
) -> None:
    sb, profile = graph_synced(fresh_sandbox)
    inbox_id, items, mail = inbox_mail(sb)
    email = sb.info.users[0].email
    item_id = next(i for i in mail if not items[i]["flagged"])
    sb.control.set_flag(email, items[item_id]["id"], 2)
    assert run_graph_sync(sb, profile)[0].ok  # flagged on both sides
    sb.control.set_flag(email, items[item_id]["id"], 1)  # completed there, cleared here
    path = local_file(profile, inbox_id, item_id)
    set_flags(path, flags_of(profile, inbox_id, item_id).replace("F", ""))
    result, events = run_graph_sync(sb, profile)
    assert result.ok, result
    assert by_graph_id(sb, "inbox")[item_id]["flag_status"] == 1  # not overwritten
    assert any("F changed here and on the server" in w for w in _warnings(events))


def test_a_message_changed_on_the_server_and_deleted_here_is_kept_and_fetched_again(
    fresh_sandbox: Callable[..., Sandbox],
) -> None:
    sb, profile = graph_synced(fresh_sandbox)
    inbox_id, items, mail = inbox_mail(sb)
    email = sb.info.users[0].email
    gone, trashed = mail[:2]
    for item_id in (gone, trashed):
        sb.control.set_flag(email, items[item_id]["id"], 0 if items[item_id]["flagged"] else 2)
    local_file(profile, inbox_id, gone).unlink()
    set_flags(local_file(profile, inbox_id, trashed), "T")
    result, events = run_graph_sync(sb, profile)
    assert result.ok, result
    assert {gone, trashed} <= set(by_graph_id(sb, "inbox"))
    assert sum("kept, fetched again" in w for w in _warnings(events)) == 2
    assert "T" not in flags_of(profile, inbox_id, trashed)
    assert local_file(profile, inbox_id, gone).read_bytes() == bytes(items[gone]["mime"])
    assert_mail_matches(sb, profile)


def test_a_429_storm_during_a_push_is_waited_out(fresh_sandbox: Callable[..., Sandbox]) -> None:
    sb, profile = graph_synced(fresh_sandbox)
    inbox_id, items, mail = inbox_mail(sb)
    changed = mail[:5]
    for item_id in changed:
        set_flags(local_file(profile, inbox_id, item_id), "".join(
            set(flags_of(profile, inbox_id, item_id)) ^ {"F"}))  # fmt: skip
    sb.control.clear_request_log()
    sb.control.inject_fault("429:1*3/GraphBatch;429*2/GraphDelta")
    result, events = run_graph_sync(sb, profile)
    assert result.ok, result
    after = by_graph_id(sb, "inbox")
    assert all(after[i]["flagged"] is not items[i]["flagged"] for i in changed)
    ops = graph_operations(sb)
    assert ops.get("GraphBatch 429") == 3 and ops.get("GraphBatch 200") == 1
    assert _warnings(events) == []
    assert_mail_matches(sb, profile)


def test_deleted_from_deleted_items_goes_to_the_soft_delete_folder_and_stays_gone(
    fresh_sandbox: Callable[..., Sandbox],
) -> None:
    sb, profile = graph_synced(fresh_sandbox)
    inbox_id, _, mail = inbox_mail(sb)
    item_id = mail[0]
    local_file(profile, inbox_id, item_id).unlink()
    assert run_graph_sync(sb, profile)[0].ok  # now in Deleted Items, there and here
    trash = folder_id(sb, "deleteditems")
    local_file(profile, trash, item_id).unlink()  # emptied from the trash here
    result, _ = run_graph_sync(sb, profile, allow_mass_delete=True)  # all of its one message
    assert result.ok, result
    assert item_id not in by_graph_id(sb, "deleteditems")
    assert item_id in by_graph_id(sb, "recoverableitemsdeletions")  # soft, not hard, deleted
    assert run_graph_sync(sb, profile)[0].ok
    assert_mail_matches(sb, profile)  # and it did not come back here


def test_requests_throttled_inside_a_batch_are_sent_again(
    fresh_sandbox: Callable[..., Sandbox],
) -> None:
    sb, profile = graph_synced(fresh_sandbox)
    inbox_id, items, mail = inbox_mail(sb)
    changed = mail[:5]
    for item_id in changed:
        set_flags(local_file(profile, inbox_id, item_id), "".join(
            set(flags_of(profile, inbox_id, item_id)) ^ {"S"}))  # fmt: skip
    sb.control.clear_request_log()
    sb.control.inject_fault("429:1*3/GraphPatch")  # three of the five PATCHes of the batch
    result, events = run_graph_sync(sb, profile)
    assert result.ok, result
    after = by_graph_id(sb, "inbox")
    assert all(after[i]["is_read"] is not items[i]["is_read"] for i in changed)
    assert graph_operations(sb).get("GraphBatch 200") == 2  # the batch, then the three again
    assert sb.control.active_faults() == []
    assert _warnings(events) == []
