"""UpdateItem through unmodified exchangelib: read flag, flags, categories, MAPI properties,
conflict resolution against change keys, and the changes syncs report."""

from __future__ import annotations

from typing import Any

import pytest
from exchangelib.errors import ErrorInvalidPropertySet, ErrorIrresolvableConflict

from exsync_tui.sandbox import Sandbox
from tests.sandbox.helpers import T, account_for, soap
from tests.sandbox.mapi_properties import PROPERTIES, registered

__all__ = ["registered"]  # the fixture, used by name


def _truth(sandbox: Sandbox) -> dict[str, dict[str, Any]]:
    items = sandbox.control.truth(sandbox.info.users[0].email)["items"]
    return {i["id"]: i for i in items}


def _setup(fresh_sandbox: Any) -> tuple[Sandbox, Any, list[Any]]:
    sandbox: Sandbox = fresh_sandbox(users=1, messages=10, events=0)
    account = account_for(sandbox)
    inbox = account.inbox
    list(inbox.sync_items())  # a sync state before the changes
    items = list(inbox.all().only("is_read", "categories", *PROPERTIES))
    return sandbox, inbox, items


def test_each_update_reaches_the_truth_and_the_next_sync(
    fresh_sandbox: Any, sandbox_trust: None, registered: None
) -> None:
    sandbox, inbox, items = _setup(fresh_sandbox)
    read, flag, tags, verb = items[0], items[1], items[2], items[3]
    read.is_read = not read.is_read
    read.save(update_fields=["is_read"])
    flag.flag_status = 2
    flag.save(update_fields=["flag_status"])
    tags.categories = ["Urgent", "Kunde Ä"]
    tags.save(update_fields=["categories"])
    verb.last_verb = 104
    verb.save(update_fields=["last_verb"])
    truth = _truth(sandbox)
    assert truth[read.id]["is_read"] is read.is_read
    assert truth[flag.id]["flagged"] is True
    assert truth[tags.id]["categories"] == ["Urgent", "Kunde Ä"]
    assert truth[verb.id]["forwarded"] is True
    assert truth[flag.id]["change_key"] == flag.changekey  # the new key came back
    changes = list(inbox.sync_items(only_fields=["is_read"]))
    kinds = {
        (change[1][0].id if change[0] == "read_flag_change" else change[1].id): change[0]
        for change in changes
    }
    assert kinds == {
        read.id: "read_flag_change",
        flag.id: "update",
        tags.id: "update",
        verb.id: "update",
    }
    refetched = inbox.get(id=tags.id)
    assert refetched.keywords == ["Urgent", "Kunde Ä"]


def test_deleting_and_appending_fields(
    fresh_sandbox: Any, sandbox_trust: None, registered: None
) -> None:
    sandbox, _, items = _setup(fresh_sandbox)
    item = items[0]
    item.flag_status, item.imap_deleted, item.keywords = 2, 1, ["a"]
    item.save(update_fields=["flag_status", "imap_deleted", "keywords"])
    assert _truth(sandbox)[item.id]["flagged"] is True
    root = soap(
        sandbox,
        "<m:GetItem><m:ItemShape><t:BaseShape>IdOnly</t:BaseShape><t:AdditionalProperties>"
        '<t:ExtendedFieldURI DistinguishedPropertySetId="Common" PropertyId="0x8570" '
        'PropertyType="Integer"/></t:AdditionalProperties></m:ItemShape>'
        f'<m:ItemIds><t:ItemId Id="{item.id}"/></m:ItemIds></m:GetItem>',
    )
    uri = root.find(f".//{T}ExtendedFieldURI")
    assert uri is not None and uri.get("PropertyId") == "34160"  # ids echoed in decimal
    assert root.findtext(f".//{T}Value") == "1"
    item.flag_status = None  # exchangelib sends DeleteItemField
    item.save(update_fields=["flag_status"])
    assert _truth(sandbox)[item.id]["flagged"] is False
    appended = soap(
        sandbox,
        '<m:UpdateItem ConflictResolution="AlwaysOverwrite" MessageDisposition="SaveOnly">'
        f'<m:ItemChanges><t:ItemChange><t:ItemId Id="{item.id}"/><t:Updates>'
        '<t:AppendToItemField><t:FieldURI FieldURI="item:Categories"/><t:Message><t:Categories>'
        "<t:String>b</t:String></t:Categories></t:Message></t:AppendToItemField>"
        "</t:Updates></t:ItemChange></m:ItemChanges></m:UpdateItem>",
    )
    assert appended.findtext(".//{*}ResponseCode") == "NoError"
    assert _truth(sandbox)[item.id]["categories"] == ["a", "b"]


def test_stale_change_keys_and_read_only_properties_are_refused(
    fresh_sandbox: Any, sandbox_trust: None, registered: None
) -> None:
    sandbox, _, items = _setup(fresh_sandbox)
    item = items[0]
    email = sandbox.info.users[0].email
    sandbox.control.mark_read(email, item.id, not item.is_read)  # someone else changed it
    item.flag_status = 2
    with pytest.raises(ErrorIrresolvableConflict):
        item.save(update_fields=["flag_status"], conflict_resolution="NeverOverwrite")
    assert _truth(sandbox)[item.id]["flagged"] is False
    item.save(update_fields=["flag_status"], conflict_resolution="AlwaysOverwrite")
    assert _truth(sandbox)[item.id]["flagged"] is True
    before = _truth(sandbox)[items[1].id]
    items[1].imap_uid = 999
    items[1].flag_status = 2
    with pytest.raises(ErrorInvalidPropertySet):
        items[1].save(update_fields=["flag_status", "imap_uid"])
    assert _truth(sandbox)[items[1].id] == before  # nothing of a refused change applied
