"""Primitive mailbox mutations that keep ids, change keys and change sequence numbers right.

These run under the store's lock (or during generation, before anything serves); every client-
visible change goes through here so sync deltas can never miss one.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

from exsync_tui.sandbox.ids import IdParts, encode_id
from exsync_tui.sandbox.mime import summarize
from exsync_tui.sandbox.model import (
    CalendarEvent,
    Folder,
    Mailbox,
    MessageItem,
    StoredItem,
    Tombstone,
)


class StoreError(Exception):
    """A mutation that cannot be applied (unknown id, bad parent)."""


def create_folder(
    mailbox: Mailbox,
    parent_id: str | None,
    name: str,
    folder_class: str | None,
    distinguished: str | None,
) -> Folder:
    """Add a folder under `parent_id` (None only for the root)."""
    if parent_id is not None and parent_id not in mailbox.folders:
        raise StoreError(f"no folder {parent_id!r}")
    serial = mailbox.allocate_serial()
    seq = mailbox.next_seq()
    folder = Folder(
        id=encode_id(IdParts(mailbox.index, "folder", serial)),
        serial=serial,
        parent_id=parent_id,
        name=name,
        folder_class=folder_class,
        distinguished=distinguished,
        created_seq=seq,
        changed_seq=seq,
    )
    mailbox.folders[folder.id] = folder
    return folder


def descendants(mailbox: Mailbox, folder_id: str) -> list[Folder]:
    """All folders below `folder_id`, parents before children."""
    children: dict[str, list[Folder]] = {}
    for folder in mailbox.folders.values():
        if folder.parent_id is not None:
            children.setdefault(folder.parent_id, []).append(folder)
    found: list[Folder] = []
    pending = list(children.get(folder_id, []))
    while pending:
        folder = pending.pop(0)
        found.append(folder)
        pending.extend(children.get(folder.id, []))
    return found


def remove_folder(mailbox: Mailbox, folder_id: str) -> None:
    """Delete a folder with its subfolders and items (each one reported deleted to syncs)."""
    folder = mailbox.folders.get(folder_id)
    if folder is None or folder.distinguished is not None:
        raise StoreError(f"cannot remove folder {folder_id!r}")
    doomed = [*descendants(mailbox, folder_id), folder]
    doomed_ids = {f.id for f in doomed}
    for item in [i for i in mailbox.items.values() if i.folder_id in doomed_ids]:
        delete_item(mailbox, item.id)
    for gone in doomed:
        seq = mailbox.next_seq()
        mailbox.folder_tombstones.append(
            Tombstone(gone.id, gone.parent_id or "", gone.created_seq, seq)
        )
        del mailbox.folders[gone.id]


def rename_folder(mailbox: Mailbox, folder_id: str, name: str) -> None:
    """Rename a folder (a hierarchy Update)."""
    folder = _folder(mailbox, folder_id)
    folder.name = name
    folder.version += 1
    folder.changed_seq = mailbox.next_seq()


def set_folder_hidden(mailbox: Mailbox, folder_id: str, hidden: bool) -> None:
    """Hide a folder from clients that do not ask for hidden ones (a hierarchy Update)."""
    folder = _folder(mailbox, folder_id)
    folder.hidden = hidden
    folder.version += 1
    folder.changed_seq = mailbox.next_seq()


def move_folder(mailbox: Mailbox, folder_id: str, parent_id: str) -> None:
    """Move a folder under another (a hierarchy Update; like Exchange, the id stays)."""
    folder = _folder(mailbox, folder_id)
    _folder(mailbox, parent_id)
    below = {f.id for f in descendants(mailbox, folder_id)}
    if folder.distinguished is not None or parent_id == folder_id or parent_id in below:
        raise StoreError(f"cannot move folder {folder_id!r} under {parent_id!r}")
    folder.parent_id = parent_id
    folder.version += 1
    folder.changed_seq = mailbox.next_seq()


def _folder(mailbox: Mailbox, folder_id: str) -> Folder:
    folder = mailbox.folders.get(folder_id)
    if folder is None:
        raise StoreError(f"no folder {folder_id!r}")
    return folder


def new_item_identity(mailbox: Mailbox) -> tuple[str, int, int]:
    serial = mailbox.allocate_serial()
    return encode_id(IdParts(mailbox.index, "item", serial)), serial, mailbox.next_seq()


def _touch_parent(mailbox: Mailbox, folder_id: str, moment: dt.datetime | None = None) -> None:
    commit(mailbox, mailbox.folders[folder_id], moment or mailbox.now())


def commit(mailbox: Mailbox, folder: Folder, moment: dt.datetime) -> None:
    """Record a change to a folder's contents or their flags (PR_LOCAL_COMMIT_TIME_MAX).

    Counts and the commit time are folder properties, so, as on Exchange, the folder gets a new
    change key and SyncFolderHierarchy reports it as an Update.
    """
    folder.commit_time = max(moment, folder.commit_time + dt.timedelta(milliseconds=1))
    folder.version += 1
    folder.changed_seq = mailbox.next_seq()


def place(mailbox: Mailbox, stored: StoredItem, moment: dt.datetime | None = None) -> None:
    """Put an item into its folder with the folder's next IMAP UID (new after every move)."""
    folder = mailbox.folders[stored.folder_id]
    stored.article = folder.next_article
    folder.next_article += 1
    mailbox.items[stored.id] = stored
    _touch_parent(mailbox, stored.folder_id, moment)


def create_message(
    mailbox: Mailbox,
    folder_id: str,
    mime: bytes,
    is_read: bool = False,
    received: dt.datetime | None = None,
) -> MessageItem:
    """Store a message given as MIME bytes; EWS fields are read back from the MIME."""
    summary = summarize(mime)
    message = MessageItem(
        id="",
        serial=0,
        folder_id=folder_id,
        subject=summary.subject,
        created_seq=0,
        changed_seq=0,
        read_seq=0,
        own_mime=mime,
        sender_name=summary.sender[0],
        sender_email=summary.sender[1],
        to=summary.to,
        cc=summary.cc,
        message_id=summary.message_id,
        sent=summary.sent,
        received=received or summary.sent,
        is_read=is_read,
        has_attachments=summary.has_attachments,
    )
    return add_message(mailbox, message, received)


def add_message(
    mailbox: Mailbox, message: MessageItem, received: dt.datetime | None = None
) -> MessageItem:
    """Store `message` (with its content set) in its folder, giving it an id and a history."""
    _folder(mailbox, message.folder_id)
    message.id, message.serial, seq = new_item_identity(mailbox)
    message.created_seq = message.changed_seq = message.read_seq = seq
    message.modified = received or mailbox.now()
    place(mailbox, message, received)
    return message


def create_event(mailbox: Mailbox, event: CalendarEvent) -> CalendarEvent:
    """Store a calendar event (its id and bookkeeping fields are assigned here)."""
    _folder(mailbox, event.folder_id)
    item_id, serial, seq = new_item_identity(mailbox)
    stored = dataclasses.replace(
        event, id=item_id, serial=serial, created_seq=seq, changed_seq=seq, read_seq=seq
    )
    stored.modified = mailbox.now()
    place(mailbox, stored)
    return stored


def item(mailbox: Mailbox, item_id: str) -> StoredItem:
    """The item with `item_id`, or StoreError."""
    found = mailbox.items.get(item_id)
    if found is None:
        raise StoreError(f"no item {item_id!r}")
    return found


def mark_changed(mailbox: Mailbox, stored: StoredItem) -> None:
    """Record a content change (an Update in sync)."""
    stored.version += 1
    stored.changed_seq = mailbox.next_seq()
    stored.modified = mailbox.now()
    commit(mailbox, mailbox.folders[stored.folder_id], stored.modified)


def update_message(mailbox: Mailbox, item_id: str, mime: bytes) -> MessageItem:
    """Replace a message's content, keeping its id and read flag."""
    message = item(mailbox, item_id)
    if not isinstance(message, MessageItem):
        raise StoreError(f"{item_id!r} is not a message")
    summary = summarize(mime)
    message.own_mime, message.known_size = mime, -1
    message.subject = summary.subject
    message.sender_name, message.sender_email = summary.sender
    message.to, message.cc = summary.to, summary.cc
    message.message_id, message.sent = summary.message_id, summary.sent
    message.has_attachments = summary.has_attachments
    mark_changed(mailbox, message)
    return message


def set_read(mailbox: Mailbox, item_id: str, is_read: bool) -> None:
    """Change a message's read flag (a ReadFlagChange in sync)."""
    message = item(mailbox, item_id)
    if not isinstance(message, MessageItem):
        raise StoreError(f"{item_id!r} is not a message")
    message.is_read = is_read
    message.version += 1
    message.read_seq = mailbox.next_seq()
    message.modified = mailbox.now()
    commit(mailbox, mailbox.folders[message.folder_id], message.modified)


def set_flag(mailbox: Mailbox, item_id: str, flag_status: int) -> None:
    """Set a message's follow-up flag (0 none, 1 complete, 2 flagged): an Update in sync."""
    message = item(mailbox, item_id)
    if not isinstance(message, MessageItem) or flag_status not in (0, 1, 2):
        raise StoreError(f"cannot set flag {flag_status!r} on {item_id!r}")
    message.flag_status = flag_status
    mark_changed(mailbox, message)


def delete_item(mailbox: Mailbox, item_id: str) -> None:
    """Remove an item, leaving a tombstone for syncs."""
    stored = item(mailbox, item_id)
    seq = mailbox.next_seq()
    mailbox.item_tombstones.append(
        Tombstone(stored.id, stored.folder_id, stored.created_seq, seq, stored.graph_id)
    )
    del mailbox.items[item_id]
    _touch_parent(mailbox, stored.folder_id)


def move_item(mailbox: Mailbox, item_id: str, folder_id: str) -> StoredItem:
    """Move an item; like Exchange, the moved item gets a new id (its ImmutableId stays)."""
    stored = item(mailbox, item_id)
    _folder(mailbox, folder_id)
    delete_item(mailbox, item_id)
    moved = place_as_new(mailbox, stored, folder_id)
    moved.immutable_id = stored.graph_id
    return moved


def place_as_new(mailbox: Mailbox, stored: StoredItem, folder_id: str) -> StoredItem:
    """`stored`'s content as a new item in `folder_id`: new id, IMAP UID and change history."""
    _folder(mailbox, folder_id)
    new_id, serial, seq = new_item_identity(mailbox)
    placed = dataclasses.replace(
        stored,
        id=new_id,
        serial=serial,
        folder_id=folder_id,
        created_seq=seq,
        changed_seq=seq,
        read_seq=seq,
        version=1,
        immutable_id="",  # a copy is a new item; move_item keeps the original's
    )
    place(mailbox, placed)
    return placed
