"""Hierarchy and item sync through exchangelib, before and after control-API changes."""

from __future__ import annotations

from collections import Counter
from typing import Any

from exchangelib.folders import Folder as ExchangelibFolder

from exsync_tui.sandbox import Sandbox
from tests.sandbox.helpers import account_for


def _drain(folder: Any, **kwargs: Any) -> list[tuple[str, Any]]:
    return list(folder.sync_items(**kwargs))


def test_sync_hierarchy_reports_every_folder_below_the_message_root(
    sandbox: Sandbox, sandbox_trust: None
) -> None:
    account = account_for(sandbox)
    changes = list(account.msg_folder_root.sync_hierarchy())
    truth = sandbox.control.truth(sandbox.info.users[0].email)
    root = next(f for f in truth["folders"] if f["distinguished"] == "msgfolderroot")
    below = {f["name"] for f in truth["folders"] if f["id"] != root["id"]} - {
        "",
        "Common Views",
        "Finder",
        "Top of Information Store",
        "Recoverable Items",
        "Deletions",
    }
    assert {kind for kind, _ in changes} == {"create"}
    assert {f.name for _, f in changes} == below
    assert all(isinstance(f, ExchangelibFolder) or f.id for _, f in changes)


def test_sync_items_to_completion_matches_the_truth_and_mime_bytes(
    sandbox: Sandbox, sandbox_trust: None
) -> None:
    account = account_for(sandbox)
    email = sandbox.info.users[0].email
    truth = sandbox.control.truth(email)
    inbox_id = next(f["id"] for f in truth["folders"] if f["distinguished"] == "inbox")
    expected = {i["id"]: i for i in truth["items"] if i["folder_id"] == inbox_id}
    changes = _drain(account.inbox, max_changes_returned=3, only_fields=["mime_content", "subject"])
    assert {kind for kind, _ in changes} == {"create"}
    assert {item.id for _, item in changes} == set(expected)
    for _, item in changes:
        assert item.mime_content == expected[item.id]["mime"]
        assert item.subject == expected[item.id]["subject"]
    # A second sync from the saved state reports nothing.
    assert _drain(account.inbox) == []


def test_sync_items_reports_creates_updates_deletes_and_read_flag_changes(
    fresh_sandbox: Any, sandbox_trust: None
) -> None:
    sandbox = fresh_sandbox(messages=12, events=0)
    email = sandbox.info.users[0].email
    account = account_for(sandbox)
    first = _drain(account.inbox)
    ids = [item.id for _, item in first]
    assert len(ids) >= 4
    control = sandbox.control
    created = control.add_message(email, "inbox", subject="Brand new")
    control.update_message(email, ids[0], subject="Changed subject")
    control.delete_message(email, ids[1])
    truth = {i["id"]: i for i in control.truth(email)["items"]}
    control.mark_read(email, ids[2], not truth[ids[2]]["is_read"])
    moved = control.move_message(email, ids[3], "sentitems")
    changes = _drain(account.inbox, max_changes_returned=2)
    kinds = Counter(kind for kind, _ in changes)
    assert kinds == Counter({"create": 1, "update": 1, "delete": 2, "read_flag_change": 1})
    by_kind = {kind: item for kind, item in changes if kind != "delete"}
    assert by_kind["create"].id == created
    assert by_kind["update"].subject == "Changed subject"
    assert by_kind["read_flag_change"][0].id == ids[2]
    assert {item.id for kind, item in changes if kind == "delete"} == {ids[1], ids[3]}
    sent = _drain(account.sent)
    assert moved in {item.id for _, item in sent}


def test_invalidated_sync_state_raises_the_exchangelib_error(
    fresh_sandbox: Any, sandbox_trust: None
) -> None:
    from exchangelib.errors import ErrorInvalidSyncStateData

    sandbox = fresh_sandbox(messages=3, events=0)
    account = account_for(sandbox)
    _drain(account.inbox)
    sandbox.control.invalidate_sync_states(sandbox.info.users[0].email)
    try:
        _drain(account.inbox)
    except ErrorInvalidSyncStateData:
        pass
    else:
        raise AssertionError("an invalidated sync state was accepted")
