"""Property paths (`t:FieldURI`, `t:ExtendedFieldURI`) as value getters, for items and folders.

Restrictions and sort orders name a property by a path element; these resolvers turn one into a
function from an item (or a folder) to the property's value, None when the object lacks it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from lxml import etree

from exsync_tui.sandbox.ews.context import EwsError
from exsync_tui.sandbox.ews.extended import parse_extended
from exsync_tui.sandbox.ews.render_folder import folder_stats
from exsync_tui.sandbox.ews.soap import t
from exsync_tui.sandbox.mapi import FolderStats, folder_property, item_property
from exsync_tui.sandbox.model import CalendarEvent, Folder, Mailbox, MessageItem, StoredItem
from exsync_tui.sandbox.store import MailboxStore

Getter = Callable[[Any], object]
Resolver = Callable[[etree._Element], Getter]

_MESSAGE_FIELDS: dict[str, Callable[[MessageItem], object]] = {
    "item:DateTimeReceived": lambda m: m.received,
    "item:DateTimeSent": lambda m: m.sent,
    "item:DateTimeCreated": lambda m: m.received,
    "item:HasAttachments": lambda m: m.has_attachments,
    "item:Size": lambda m: m.size,
    "item:Categories": lambda m: list(m.categories) or None,
    "item:IsDraft": lambda m: m.is_draft,
    "message:IsRead": lambda m: m.is_read,
    "message:InternetMessageId": lambda m: m.message_id,
}
_EVENT_FIELDS: dict[str, Callable[[CalendarEvent], object]] = {
    "calendar:Start": lambda e: e.start,
    "calendar:End": lambda e: e.end,
    "calendar:IsAllDayEvent": lambda e: e.all_day,
    "calendar:UID": lambda e: e.uid,
    "calendar:Location": lambda e: e.location,
}
_COMMON_FIELDS: dict[str, Callable[[StoredItem], object]] = {
    "item:Subject": lambda i: i.subject,
    "item:ItemClass": lambda i: "IPM.Note" if isinstance(i, MessageItem) else "IPM.Appointment",
    "item:LastModifiedTime": lambda i: i.modified,
}
_FOLDER_FIELDS: dict[str, Callable[[Folder, FolderStats], object]] = {
    "folder:DisplayName": lambda f, s: f.name,
    "folder:FolderClass": lambda f, s: f.folder_class,
    "folder:TotalCount": lambda f, s: s.count,
    "folder:ChildFolderCount": lambda f, s: s.children,
    "folder:UnreadCount": lambda f, s: s.unread,
}


def _unsupported(uri: object) -> EwsError:
    return EwsError("ErrorUnsupportedPathForQuery", f"The property {uri} can't be used in a query.")


def item_field(path: etree._Element) -> Getter:
    """A getter on items for a path element."""
    if path.tag == t("ExtendedFieldURI"):
        key = parse_extended(path).key
        return lambda item: item_property(item, key)
    uri = path.get("FieldURI") if path.tag == t("FieldURI") else None
    common = _COMMON_FIELDS.get(uri or "")
    if common is not None:
        return common
    message, event = _MESSAGE_FIELDS.get(uri or ""), _EVENT_FIELDS.get(uri or "")
    if message is None and event is None:
        raise _unsupported(uri)

    def getter(item: StoredItem) -> object:
        if isinstance(item, MessageItem) and message is not None:
            return message(item)
        if isinstance(item, CalendarEvent) and event is not None:
            return event(item)
        return None

    return getter


def folder_field(store: MailboxStore, mailbox: Mailbox) -> Resolver:
    """A resolver of path elements to getters on folders of `mailbox`."""

    def stats(folder: Folder) -> FolderStats:
        return folder_stats(store, mailbox, folder)

    def resolve(path: etree._Element) -> Getter:
        if path.tag == t("ExtendedFieldURI"):
            key = parse_extended(path).key
            return lambda folder: folder_property(folder, stats(folder), key)
        uri = path.get("FieldURI") if path.tag == t("FieldURI") else None
        getter = _FOLDER_FIELDS.get(uri or "")
        if getter is None:
            raise _unsupported(uri)
        found = getter
        return lambda folder: found(folder, stats(folder))

    return resolve


def path_of(element: etree._Element) -> etree._Element:
    """The property path inside a restriction or sort element."""
    for child in element:
        if child.tag in (t("FieldURI"), t("ExtendedFieldURI"), t("IndexedFieldURI")):
            return child
    raise EwsError("ErrorInvalidRestriction", "A property path is missing.")
