"""One EWS request per call for the two-way sync: UpdateItem, MoveItem, DeleteItem, GetItem.

Like the read side (:mod:`.ews_services`), these are exchangelib's services with
their transport, SOAP envelope, errors and retries; only the payload of
UpdateItem is built here (exchangelib builds it from full item models, which
cannot say "this flag, this extended property" without registering properties
on its global classes). Errors that concern one item (a conflict, an item gone)
come back as that item's :class:`PushResult`, never as a failure of the batch.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from exchangelib import Account
from exchangelib.errors import (
    ErrorAccessDenied,
    ErrorInvalidIdMalformed,
    ErrorIrresolvableConflict,
    ErrorItemNotFound,
    ErrorMoveCopyFailed,
)
from exchangelib.properties import FolderId, ItemId
from exchangelib.services import DeleteItem, MoveItem, UpdateItem
from exchangelib.services.common import EWSService
from exchangelib.util import TNS, add_xml_child, create_element
from exchangelib.version import EXCHANGE_2013, EXCHANGE_2013_SP1
from lxml import etree

from exsync_tui.core.sources.base import FlagPush, ItemChange, PushResult, PushStatus
from exsync_tui.core.sources.ews_parse import ITEM_FIELDS, parse_item
from exsync_tui.core.sources.ews_services import (
    _RawElements,
    _well_formed,
    get_items,
    one_per_id,
)

LAST_VERB_TAG = "0x1081"  # PR_LAST_VERB_EXECUTED
ICON_INDEX_TAG = "0x1080"  # PR_ICON_INDEX
FLAG_STATUS_TAG = "0x1090"  # PR_FLAG_STATUS, for servers older than Exchange 2013
FLAG_FLAGGED = 2
VERB_REPLY = 102  # EXCHIVERB_REPLYTOSENDER, what Outlook writes when a message is answered
ICON_REPLIED = 261  # the "replied" envelope in Outlook's message list

_PER_ITEM = (
    *EWSService.ERRORS_TO_CATCH_IN_RESPONSE,
    ErrorIrresolvableConflict,
    ErrorMoveCopyFailed,
    ErrorAccessDenied,
)


class _FlagUpdate(_RawElements, UpdateItem):  # type: ignore[misc]
    """UpdateItem whose ItemChanges come from :class:`FlagPush` and whose answers stay XML."""

    ERRORS_TO_CATCH_IN_RESPONSE = _PER_ITEM

    def get_payload(self, items: list[FlagPush], **_ignored: Any) -> etree._Element:
        attrs = {
            # Never overwrite what changed on the server since the change key we send.
            "ConflictResolution": "NeverOverwrite",
            "MessageDisposition": "SaveOnly",
        }
        if self.account.version.build >= EXCHANGE_2013_SP1:
            attrs["SuppressReadReceipts"] = "true"  # marking read here must not mail the sender
        payload = create_element("m:UpdateItem", attrs=attrs)
        changes = create_element("m:ItemChanges")
        # item:Flag is Exchange 2013 schema; older servers take PR_FLAG_STATUS itself.
        modern = self.account.version.build >= EXCHANGE_2013
        for push in items:
            changes.append(_item_change(push, modern_flag=modern))
        payload.append(changes)
        return payload


class _Move(_RawElements, MoveItem):  # type: ignore[misc]
    """MoveItem whose answers (the moved items' new ids) stay XML."""

    ERRORS_TO_CATCH_IN_RESPONSE = _PER_ITEM


class _Delete(DeleteItem):  # type: ignore[misc]
    """DeleteItem answering per item."""

    ERRORS_TO_CATCH_IN_RESPONSE = _PER_ITEM


def _item_id(item_id: str, change_key: str | None) -> etree._Element:
    attrs = {"Id": item_id}
    if change_key:
        attrs["ChangeKey"] = change_key
    return create_element("t:ItemId", attrs=attrs)


def _set_field(uri: str, element: str, value: str) -> etree._Element:
    update = create_element("t:SetItemField")
    update.append(create_element("t:FieldURI", attrs={"FieldURI": uri}))
    message = create_element("t:Message")
    add_xml_child(message, f"t:{element}", value)
    update.append(message)
    return update


def _set_flag(flagged: bool) -> etree._Element:
    update = create_element("t:SetItemField")
    update.append(create_element("t:FieldURI", attrs={"FieldURI": "item:Flag"}))
    message = create_element("t:Message")
    flag = create_element("t:Flag")
    add_xml_child(flag, "t:FlagStatus", "Flagged" if flagged else "NotFlagged")
    message.append(flag)
    update.append(message)
    return update


def _extended_uri(tag: str) -> etree._Element:
    attrs = {"PropertyTag": tag, "PropertyType": "Integer"}
    return create_element("t:ExtendedFieldURI", attrs=attrs)


def _set_extended(tag: str, value: int) -> etree._Element:
    update = create_element("t:SetItemField")
    update.append(_extended_uri(tag))
    message = create_element("t:Message")
    prop = create_element("t:ExtendedProperty")
    prop.append(_extended_uri(tag))
    add_xml_child(prop, "t:Value", str(value))
    message.append(prop)
    update.append(message)
    return update


def _delete_extended(tag: str) -> etree._Element:
    update = create_element("t:DeleteItemField")
    update.append(_extended_uri(tag))
    return update


def _item_change(push: FlagPush, *, modern_flag: bool = True) -> etree._Element:
    change = create_element("t:ItemChange")
    change.append(_item_id(push.item_id, push.change_key))
    updates = create_element("t:Updates")
    if push.is_read is not None:
        updates.append(_set_field("message:IsRead", "IsRead", "true" if push.is_read else "false"))
    if push.flagged is not None and modern_flag:
        updates.append(_set_flag(push.flagged))
    elif push.flagged is True:
        updates.append(_set_extended(FLAG_STATUS_TAG, FLAG_FLAGGED))
    elif push.flagged is False:
        updates.append(_delete_extended(FLAG_STATUS_TAG))
    if push.answered is True:
        updates.append(_set_extended(LAST_VERB_TAG, VERB_REPLY))
        updates.append(_set_extended(ICON_INDEX_TAG, ICON_REPLIED))
    elif push.answered is False:
        updates.append(_delete_extended(LAST_VERB_TAG))
        updates.append(_delete_extended(ICON_INDEX_TAG))
    change.append(updates)
    return change


def _status(error: BaseException) -> PushStatus:
    if isinstance(error, ErrorIrresolvableConflict):
        return PushStatus.CONFLICT
    if isinstance(error, ErrorItemNotFound | ErrorInvalidIdMalformed):
        return PushStatus.NOT_FOUND
    return PushStatus.FAILED


def _results(item_ids: Sequence[str], answers: list[Any], operation: str) -> list[PushResult]:
    results = []
    with _well_formed(operation):
        for item_id, answer in zip(item_ids, one_per_id(answers, item_ids, operation), strict=True):
            if isinstance(answer, BaseException):
                detail = f"{type(answer).__name__}: {answer}"
                results.append(PushResult(item_id, _status(answer), detail=detail))
            elif isinstance(answer, etree._Element):
                found = answer.find(f"{{{TNS}}}ItemId")
                new_id = found.get("Id") if found is not None else None
                change_key = found.get("ChangeKey") if found is not None else None
                results.append(PushResult(item_id, PushStatus.DONE, new_id, change_key))
            else:
                results.append(PushResult(item_id, PushStatus.DONE))
    return results


def update_flags(account: Account, pushes: Sequence[FlagPush]) -> list[PushResult]:
    """One UpdateItem request for every push (each with its change key, NeverOverwrite)."""
    service = _FlagUpdate(account=account, chunk_size=max(1, len(pushes)))
    answers = list(
        service._chunked_get_elements(service.get_payload, items=list(pushes))  # noqa: SLF001
    )
    return _results([p.item_id for p in pushes], answers, "UpdateItem")


def move_items(account: Account, item_ids: Sequence[str], folder_id: str) -> list[PushResult]:
    """One MoveItem request; each result carries the item's id in the target folder."""
    service = _Move(account=account, chunk_size=max(1, len(item_ids)))
    answers = list(
        service.call(items=[ItemId(id=i) for i in item_ids], to_folder=FolderId(id=folder_id))
    )
    return _results(item_ids, answers, "MoveItem")


def delete_items(account: Account, item_ids: Sequence[str]) -> list[PushResult]:
    """One DeleteItem request moving the items to Deleted Items (never a hard delete)."""
    service = _Delete(account=account, chunk_size=max(1, len(item_ids)))
    answers = list(
        service.call(
            items=[ItemId(id=i) for i in item_ids],
            delete_type="MoveToDeletedItems",
            send_meeting_cancellations="SendToNone",
            affected_task_occurrences="AllOccurrences",
            suppress_read_receipts=True,
        )
    )
    return _results(item_ids, answers, "DeleteItem")


def refresh_items(account: Account, item_ids: Sequence[str]) -> dict[str, ItemChange]:
    """One GetItem request for the sync fields of ``item_ids``; items gone are left out."""
    answers = get_items(account, item_ids, ITEM_FIELDS)
    found: dict[str, ItemChange] = {}
    with _well_formed("GetItem"):
        for item_id, answer in zip(item_ids, answers, strict=True):
            if isinstance(answer, ErrorItemNotFound | ErrorInvalidIdMalformed):
                continue
            if isinstance(answer, BaseException):
                raise answer
            found[item_id] = parse_item(answer)
    return found
