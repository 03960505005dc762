"""The MAPI properties behind EWS extended properties: read from and written to the model.

Keys are canonical (see `exsync_tui.sandbox.ews.extended`): "tag:e23", "id:Common:34160",
"name:PublicStrings:Keywords", "name:InternetHeaders:<lower-case header>". A property that is
unset reads as None, which EWS renders by omitting it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from email.parser import BytesHeaderParser
from email.policy import compat32

from exsync_tui.sandbox.model import CalendarEvent, Folder, MessageItem, StoredItem

MSGFLAG_READ = 0x1
MSGFLAG_UNSENT = 0x8
MSGFLAG_HASATTACH = 0x10
FLAG_FLAGGED = 2
VERB_REPLY, VERB_REPLY_ALL, VERB_FORWARD = 102, 103, 104
ICON_REPLIED, ICON_FORWARDED = 261, 262

KEYWORDS = "name:PublicStrings:Keywords"
IMAP_DELETED = "id:Common:34160"
_HEADER_PREFIX = "name:InternetHeaders:"


def message_flags(message: MessageItem) -> int:
    """PR_MESSAGE_FLAGS: read, unsent (a draft) and has-attachments bits."""
    flags = MSGFLAG_READ if message.is_read else 0
    flags |= MSGFLAG_UNSENT if message.is_draft else 0
    return flags | (MSGFLAG_HASATTACH if message.has_attachments else 0)


def _unset_zero(value: int) -> int | None:
    return value or None


def _record_key(item: StoredItem) -> bytes:
    # PR_RECORD_KEY: 16 bytes unique to this item in the store.
    return hashlib.md5(item.id.encode(), usedforsecurity=False).digest()


_COMMON_ITEM: dict[str, Callable[[StoredItem], object]] = {
    "tag:e23": lambda i: i.article,
    "tag:3008": lambda i: i.modified,
    "tag:ff9": _record_key,
    "tag:37": lambda i: i.subject,
    "tag:3001": lambda i: i.subject,
}
_MESSAGE: dict[str, Callable[[MessageItem], object]] = {
    "tag:e08": lambda m: m.size,
    "tag:e07": message_flags,
    "tag:1090": lambda m: _unset_zero(m.flag_status),
    "tag:1081": lambda m: _unset_zero(m.last_verb),
    "tag:1080": lambda m: _unset_zero(m.icon_index),
    "tag:e06": lambda m: m.received,
    "tag:39": lambda m: m.sent,
    "tag:1a": lambda m: "IPM.Note",
    "tag:1035": lambda m: m.message_id,
    IMAP_DELETED: lambda m: 1 if m.imap_deleted else None,
    KEYWORDS: lambda m: list(m.categories) or None,
}


def item_property(item: StoredItem, key: str) -> object:
    """The value of an item's MAPI property, or None when it is unset."""
    if isinstance(item, MessageItem):
        getter = _MESSAGE.get(key)
        if getter is not None:
            return getter(item)
        if key.startswith(_HEADER_PREFIX):
            return _header(item.mime, key.removeprefix(_HEADER_PREFIX))
        if key in item.extra:
            return item.extra[key]
    elif isinstance(item, CalendarEvent) and key == "tag:1a":
        return "IPM.Appointment"
    common = _COMMON_ITEM.get(key)
    return common(item) if common is not None else None


def _header(mime: bytes, name: str) -> str | None:
    headers = BytesHeaderParser(policy=compat32).parsebytes(mime)
    value = headers.get(name)
    return None if value is None else str(value)


def _int(value: object) -> int:
    return int(value) if isinstance(value, int | str) else 0


def set_item_property(message: MessageItem, key: str, value: object) -> None:
    """Write a MAPI property of a message (None deletes it); read-only ones are refused."""
    if key == "tag:1090":
        message.flag_status = _int(value)
    elif key == "tag:1081":
        message.last_verb = _int(value)
    elif key == "tag:1080":
        message.icon_index = _int(value)
    elif key == "tag:e07":
        # Only the unsent bit is writable (and only while creating, on Exchange); the read bit
        # is the IsRead property.
        flags = _int(value)
        message.is_draft = bool(flags & MSGFLAG_UNSENT)
        message.is_read = bool(flags & MSGFLAG_READ) or message.is_read
    elif key == IMAP_DELETED:
        message.imap_deleted = str(value) == "1"
    elif key == KEYWORDS:
        message.categories = [str(v) for v in value] if isinstance(value, list) else []
    elif key == "tag:e06" and isinstance(value, dt.datetime):
        message.received = value
    elif key in _MESSAGE or key in _COMMON_ITEM or key.startswith(_HEADER_PREFIX):
        raise PermissionError(key)
    elif value is None:
        message.extra.pop(key, None)
    else:
        message.extra[key] = value


@dataclass
class FolderStats:
    """What folder properties are computed from: its items and subfolders."""

    count: int
    unread: int
    children: int


_FOLDER: dict[str, Callable[[Folder, FolderStats], object]] = {
    "tag:360a": lambda f, s: s.children > 0,
    "tag:3602": lambda f, s: s.count,
    "tag:3603": lambda f, s: s.unread,
    "tag:3613": lambda f, s: f.folder_class,
    "tag:6751": lambda f, s: f.next_article,
    "tag:670a": lambda f, s: f.commit_time,
    "tag:3008": lambda f, s: f.commit_time,
    "tag:3001": lambda f, s: f.name,
}


def folder_property(folder: Folder, stats: FolderStats, key: str) -> object:
    """The value of a folder's MAPI property, or None when it is unset."""
    getter = _FOLDER.get(key)
    return getter(folder, stats) if getter is not None else None
