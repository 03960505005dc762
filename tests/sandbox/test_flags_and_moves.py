"""Follow-up flags (MAPI PR_FLAG_STATUS, asked for by tag) and folder moves, seen by exchangelib."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from exchangelib import Message
from exchangelib.extended_properties import Flag

from exsync_tui.sandbox import Sandbox
from exsync_tui.sandbox.store_ops import StoreError
from tests.sandbox.helpers import account_for


@pytest.fixture
def flag_property() -> Iterator[str]:
    """exchangelib's Message with the flag status property registered (as a client would)."""
    Message.register("flag_status", Flag)
    yield "flag_status"
    Message.deregister("flag_status")


def test_a_flag_set_through_the_control_api_syncs_as_an_update_with_the_property(
    fresh_sandbox: Callable[..., Sandbox], sandbox_trust: None, flag_property: str
) -> None:
    sb = fresh_sandbox(messages=4, events=0)
    email = sb.info.users[0].email
    inbox = account_for(sb).inbox
    first = list(inbox.sync_items(only_fields=["is_read", flag_property]))
    assert {getattr(item, flag_property) for _, item in first} == {None}
    target = first[0][1].id

    sb.control.set_flag(email, target)
    changes = list(inbox.sync_items(only_fields=[flag_property]))
    assert [(kind, item.id, getattr(item, flag_property)) for kind, item in changes] == [
        ("update", target, 2)
    ]
    flags = {i["id"]: i["flag_status"] for i in sb.control.truth(email)["items"]}
    assert flags[target] == 2

    sb.control.set_flag(email, target, 0)
    cleared = list(inbox.sync_items(only_fields=[flag_property]))
    assert [(kind, getattr(item, flag_property)) for kind, item in cleared] == [("update", None)]


def test_a_flag_is_not_returned_unless_asked_for(
    fresh_sandbox: Callable[..., Sandbox], sandbox_trust: None, flag_property: str
) -> None:
    sb = fresh_sandbox(messages=2, events=0)
    email = sb.info.users[0].email
    inbox = account_for(sb).inbox
    for item in inbox.all().only("id"):
        sb.control.set_flag(email, item.id)
    items = list(inbox.all().only("subject"))
    assert items and {getattr(item, flag_property) for item in items} == {None}
    asked = list(inbox.all().only("subject", flag_property))
    assert {getattr(item, flag_property) for item in asked} == {2}


def test_a_moved_folder_keeps_its_id_and_reports_its_new_parent(
    fresh_sandbox: Callable[..., Sandbox], sandbox_trust: None
) -> None:
    sb = fresh_sandbox(messages=1, events=0)
    email = sb.info.users[0].email
    root = account_for(sb).msg_folder_root
    list(root.sync_hierarchy())
    folders = {f["name"]: f for f in sb.control.truth(email)["folders"]}
    sb.control.move_folder(email, folders["Projects"]["id"], folders["Archive"]["id"])
    ((kind, moved),) = list(root.sync_hierarchy())
    assert (kind, moved.id, moved.name) == ("update", folders["Projects"]["id"], "Projects")
    assert moved.parent_folder_id.id == folders["Archive"]["id"]
    with pytest.raises(StoreError, match="cannot move"):
        sb.control.move_folder(email, folders["Archive"]["id"], folders["2026"]["id"])
