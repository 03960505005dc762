"""The EWS source's writes against the sandbox: flags, moves, deletes, conflicts, batching."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from lxml import etree

from exsync_tui.core.sources import FlagPush, MailboxSource, PushNotSupported, PushStatus
from exsync_tui.core.sources.ews import EwsSource
from exsync_tui.core.sources.ews_writes import _item_change
from exsync_tui.sandbox import Sandbox
from tests.sources.helpers import folder_id, open_source, sandbox_profile, truth_items
from tests.sync.helpers import operations


def _inbox(sb: Sandbox) -> dict[str, dict[str, object]]:
    return truth_items(sb, "inbox")


def test_flags_are_written_in_one_request_per_batch(fresh_sandbox: Callable[..., Sandbox]) -> None:
    sb = fresh_sandbox(messages=30, events=0)
    items = _inbox(sb)
    pushes = [
        FlagPush(
            i, str(item["change_key"]), is_read=not item["is_read"], flagged=True, answered=True
        )  # fmt: skip
        for i, item in sorted(items.items())
    ]
    sb.control.clear_request_log()
    with open_source(sb) as source:
        results = source.update_flags(pushes)
    assert [r.status for r in results] == [PushStatus.DONE] * len(pushes)
    assert operations(sb)["UpdateItem"] == 1
    after = _inbox(sb)
    for push, result in zip(pushes, results, strict=True):
        state = after[push.item_id]
        assert state["is_read"] is push.is_read
        assert state["flagged"] is True and state["answered"] is True
        assert result.change_key == state["change_key"] != items[push.item_id]["change_key"]


def test_flags_cleared_and_replied_removed(fresh_sandbox: Callable[..., Sandbox]) -> None:
    sb = fresh_sandbox(messages=4, events=0)
    item_id = sorted(_inbox(sb))[0]
    with open_source(sb) as source:
        first = source.update_flags([FlagPush(item_id, None, flagged=True, answered=True)])
        key = first[0].change_key
        second = source.update_flags([FlagPush(item_id, key, flagged=False, answered=False)])
    assert second[0].status is PushStatus.DONE
    state = _inbox(sb)[item_id]
    assert state["flagged"] is False and state["answered"] is False


def test_a_stale_change_key_is_a_conflict_and_nothing_is_written(
    fresh_sandbox: Callable[..., Sandbox],
) -> None:
    sb = fresh_sandbox(messages=4, events=0)
    item_id, item = sorted(_inbox(sb).items())[0]
    stale = str(item["change_key"])
    sb.control.set_flag(sb.info.users[0].email, item_id, 2)  # changed on the server
    with open_source(sb) as source:
        results = source.update_flags([FlagPush(item_id, stale, is_read=not item["is_read"])])
        assert results[0].status is PushStatus.CONFLICT
        assert _inbox(sb)[item_id]["is_read"] is item["is_read"]
        fresh = source.refresh_items([item_id, "AAMkAGone"])
    assert set(fresh) == {item_id}
    assert fresh[item_id].flagged is True
    assert fresh[item_id].change_key == _inbox(sb)[item_id]["change_key"]


def test_moves_return_new_ids_and_deletes_go_to_deleted_items(
    fresh_sandbox: Callable[..., Sandbox],
) -> None:
    sb = fresh_sandbox(messages=6, events=0)
    before = _inbox(sb)
    ids = sorted(before)
    archive = folder_id(sb, "archive") if _has(sb, "archive") else folder_id(sb, "drafts")
    sb.control.clear_request_log()
    with open_source(sb) as source:
        moved = source.move_items(ids[:2], archive)
        deleted = source.delete_items([*ids[2:4], "AAMkAGone"])
    assert [r.status for r in moved] == [PushStatus.DONE] * 2
    target = truth_items(sb, archive)
    assert {r.new_id for r in moved} <= set(target)
    assert [r.status for r in deleted] == [PushStatus.DONE, PushStatus.DONE, PushStatus.NOT_FOUND]
    trash = truth_items(sb, "deleteditems")
    subjects = {str(before[i]["subject"]) for i in ids[2:4]}
    assert subjects <= {str(t["subject"]) for t in trash.values()}
    assert set(_inbox(sb)) == set(ids[4:])
    assert operations(sb)["MoveItem"] == 1 and operations(sb)["DeleteItem"] == 1


def _has(sb: Sandbox, distinguished: str) -> bool:
    truth = sb.control.truth(sb.info.users[0].email)
    return any(f["distinguished"] == distinguished for f in truth["folders"])


def test_a_source_without_writes_says_so() -> None:
    class ReadOnly(MailboxSource):
        def sync_hierarchy(self, state):  # type: ignore[no-untyped-def]
            raise NotImplementedError

        def sync_items(self, folder_id, state, max_changes=100):  # type: ignore[no-untyped-def]
            raise NotImplementedError

        def fetch_mime(self, item_ids, *, max_bytes=None, sizes=None):  # type: ignore[no-untyped-def]
            raise NotImplementedError

        def fetch_calendar(self, item_ids):  # type: ignore[no-untyped-def]
            raise NotImplementedError

        def close(self) -> None:
            pass

    source = ReadOnly()
    assert source.supports_push is False
    try:
        source.update_flags([FlagPush("x", None, is_read=True)])
    except PushNotSupported as error:
        assert "cannot push" in str(error)
    else:
        raise AssertionError("a read-only source accepted a push")


def test_an_exchange_2010_server_gets_the_flag_as_its_mapi_property(
    fresh_sandbox: Callable[..., Sandbox],
) -> None:
    sb = fresh_sandbox(messages=6, events=0)
    profile = sandbox_profile(sb)
    old = "Microsoft Exchange Server 2010 (14.3.123.4)"
    profile = replace(profile, metadata=replace(profile.metadata, server_version=old))
    items = _inbox(sb)
    item_id = next(i for i, m in sorted(items.items()) if not m["flagged"])
    sb.control.clear_request_log()
    with EwsSource.from_profile(profile, sb.info.users[0].password) as source:
        first = source.update_flags(
            [FlagPush(item_id, str(items[item_id]["change_key"]), flagged=True)]
        )
        assert first[0].status is PushStatus.DONE
        assert _inbox(sb)[item_id]["flag_status"] == 2
        again = source.update_flags([FlagPush(item_id, first[0].change_key, flagged=False)])
    assert again[0].status is PushStatus.DONE
    assert _inbox(sb)[item_id]["flag_status"] == 0


def test_the_flag_is_item_flag_from_exchange_2013_and_the_mapi_property_before() -> None:
    push = FlagPush("AAMk1", "CK1", flagged=True)
    modern = etree.tostring(_item_change(push, modern_flag=True)).decode()
    older = etree.tostring(_item_change(push, modern_flag=False)).decode()
    assert 'FieldURI="item:Flag"' in modern and "0x1090" not in modern
    assert 'PropertyTag="0x1090"' in older and "item:Flag" not in older
    cleared = etree.tostring(_item_change(replace(push, flagged=False), modern_flag=False))
    assert b"DeleteItemField" in cleared and b"0x1090" in cleared
