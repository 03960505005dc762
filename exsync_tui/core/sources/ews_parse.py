"""Reading EWS sync and GetItem responses into the source's own dataclasses.

exchangelib's services do the transport, the SOAP envelope, error responses and
retries; its item and folder models would then build a full Python object per
item with every field. The sync needs a handful of properties, so the service
subclasses in :mod:`.ews_services` hand each response element here instead.
"""

from __future__ import annotations

from exchangelib.extended_properties import ExtendedProperty, Flag
from exchangelib.fields import ExtendedPropertyField, FieldPath
from exchangelib.folders import Folder
from exchangelib.items import CalendarItem, Item, Message
from exchangelib.util import TNS
from lxml import etree

from exsync_tui.core.sources.base import (
    ChangeType,
    ItemChange,
    ItemKind,
    RemoteFolder,
    folder_kind,
)

_FLAG_STATUS_TAG = 0x1090  # PR_FLAG_STATUS: 1 complete, 2 flagged
_LAST_VERB_TAG = 0x1081  # PR_LAST_VERB_EXECUTED
_FLAGGED = 2
_ANSWERED_VERBS = frozenset({102, 103})  # reply to sender, reply to all
_FORWARDED_VERBS = frozenset({104})


class LastVerbExecuted(ExtendedProperty):  # type: ignore[misc]
    """PR_LAST_VERB_EXECUTED: the last reply/forward done on a message (answered/forwarded)."""

    property_tag = _LAST_VERB_TAG
    property_type = "Integer"


FOLDER_FIELDS = tuple(
    FieldPath(field=Folder.get_field_by_fieldname(name))
    for name in ("parent_folder_id", "folder_class", "name", "total_count")
)
"""What a hierarchy sync asks for besides the folder id."""

ITEM_FIELDS = (
    FieldPath(field=Item.get_field_by_fieldname("size")),
    FieldPath(field=Message.get_field_by_fieldname("is_read")),
    FieldPath(field=Message.get_field_by_fieldname("message_id")),
    FieldPath(field=CalendarItem.get_field_by_fieldname("uid")),
    FieldPath(field=ExtendedPropertyField("flag_status", value_cls=Flag)),
    FieldPath(field=ExtendedPropertyField("last_verb", value_cls=LastVerbExecuted)),
)
"""What an item sync asks for besides the item id and change key."""

MIME_FIELDS = (FieldPath(field=Item.get_field_by_fieldname("mime_content")),)
"""What a content fetch asks for: the MIME (iCalendar for calendar items) only."""

_MESSAGE_TAGS = frozenset(
    f"{{{TNS}}}{name}"
    for name in ("Message", "MeetingRequest", "MeetingResponse", "MeetingCancellation")
)
_CALENDAR_TAG = f"{{{TNS}}}CalendarItem"
_CHANGE_TYPES = {
    f"{{{TNS}}}Create": ChangeType.CREATE,
    f"{{{TNS}}}Update": ChangeType.UPDATE,
    f"{{{TNS}}}Delete": ChangeType.DELETE,
    f"{{{TNS}}}ReadFlagChange": ChangeType.READ_FLAG,
}


def _text(elem: etree._Element, name: str) -> str | None:
    found = elem.find(f"{{{TNS}}}{name}")
    return found.text if found is not None else None


def _bool(value: str | None) -> bool | None:
    return None if value is None else value.strip().lower() == "true"


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None


def _id(elem: etree._Element, name: str) -> tuple[str, str | None]:
    found = elem.find(f"{{{TNS}}}{name}")
    if found is None:
        raise ValueError(f"the server's answer has no {name}")
    return found.get("Id", ""), found.get("ChangeKey")


def change_type(elem: etree._Element) -> ChangeType:
    """The change type of a ``t:Create``/``Update``/``Delete``/``ReadFlagChange`` element."""
    return _CHANGE_TYPES[elem.tag]


def parse_folder(elem: etree._Element) -> RemoteFolder:
    """A ``t:Folder`` (or CalendarFolder, SearchFolder, ...) element."""
    folder_id, change_key = _id(elem, "FolderId")
    parent = elem.find(f"{{{TNS}}}ParentFolderId")
    folder_class = _text(elem, "FolderClass")
    return RemoteFolder(
        folder_id=folder_id,
        parent_id=parent.get("Id") if parent is not None else None,
        name=_text(elem, "DisplayName") or "",
        kind=folder_kind(folder_class),
        total_count=_int(_text(elem, "TotalCount")),
        change_key=change_key,
    )


def deleted_folder_id(change: etree._Element) -> str:
    """The folder id of a hierarchy ``t:Delete``."""
    return _id(change, "FolderId")[0]


def _extended(elem: etree._Element) -> dict[int, str]:
    values: dict[int, str] = {}
    for prop in elem.iterfind(f"{{{TNS}}}ExtendedProperty"):
        uri = prop.find(f"{{{TNS}}}ExtendedFieldURI")
        tag = uri.get("PropertyTag") if uri is not None else None
        value = _text(prop, "Value")
        if tag and value is not None:
            try:
                values[int(tag, 0)] = value
            except ValueError:
                continue
    return values


def _kind(tag: str) -> ItemKind:
    if tag in _MESSAGE_TAGS:
        return ItemKind.MESSAGE
    if tag == _CALENDAR_TAG:
        return ItemKind.CALENDAR
    return ItemKind.OTHER


def parse_item_change(change: etree._Element) -> ItemChange:
    """One element of a SyncFolderItems ``m:Changes``."""
    kind = change_type(change)
    if kind is ChangeType.DELETE:
        return ItemChange(kind, _id(change, "ItemId")[0])
    if kind is ChangeType.READ_FLAG:
        item_id, change_key = _id(change, "ItemId")
        return ItemChange(kind, item_id, change_key, is_read=_bool(_text(change, "IsRead")))
    return parse_item(change[0], kind)


def parse_item(item: etree._Element, kind: ChangeType = ChangeType.UPDATE) -> ItemChange:
    """A ``t:Message``/``t:CalendarItem``/... element with the fields of :data:`ITEM_FIELDS`."""
    item_id, change_key = _id(item, "ItemId")
    item_kind = _kind(item.tag)
    message = item_kind is ItemKind.MESSAGE
    extended = _extended(item)
    # An unset MAPI property is simply absent: for a message that means "not flagged".
    verb = _int(extended.get(_LAST_VERB_TAG))
    return ItemChange(
        kind,
        item_id,
        change_key,
        kind=item_kind,
        is_read=_bool(_text(item, "IsRead")),
        flagged=_int(extended.get(_FLAG_STATUS_TAG)) == _FLAGGED if message else None,
        answered=verb in _ANSWERED_VERBS if message else None,
        forwarded=verb in _FORWARDED_VERBS if message else None,
        size=_int(_text(item, "Size")),
        message_id=_text(item, "InternetMessageId"),
        uid=_text(item, "UID"),
    )
