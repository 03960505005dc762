"""Mailbox mutations behind the EWS write operations: copies, folder moves, name rules, sending.

Like `store_ops`, each keeps ids, change keys and change sequence numbers right, so every write
becomes a change that SyncFolderItems/SyncFolderHierarchy report.
"""

from __future__ import annotations

import copy
import email.utils
from collections.abc import Sequence

from exsync_tui.core.send.headers import RawMessage, strip_bcc
from exsync_tui.sandbox import store_ops
from exsync_tui.sandbox.model import Folder, Mailbox, MessageItem, StoredItem
from exsync_tui.sandbox.store_ops import StoreError


class MoveCopyFailed(StoreError):
    """A folder cannot move or be copied there (below itself)."""


class FolderExists(StoreError):
    """A sibling already has this name (Exchange compares folder names without case)."""


def check_folder_name(
    mailbox: Mailbox, parent_id: str, name: str, renamed: str | None = None
) -> None:
    """Refuse an empty name or one a sibling (other than `renamed`) already has, in any case."""
    if not name.strip():
        raise StoreError("a folder name cannot be empty")
    wanted = name.casefold()
    for folder in mailbox.folders.values():
        sibling = folder.parent_id == parent_id and folder.id != renamed
        if sibling and folder.name.casefold() == wanted:
            raise FolderExists(f"a folder named {folder.name!r} already exists")


def create_folder(mailbox: Mailbox, parent_id: str, name: str, folder_class: str | None) -> Folder:
    """A new folder under `parent_id`, unless a sibling has the name."""
    check_folder_name(mailbox, parent_id, name)
    return store_ops.create_folder(mailbox, parent_id, name, folder_class, None)


def rename_folder(mailbox: Mailbox, folder_id: str, name: str) -> None:
    """Rename a folder, unless a sibling has the name."""
    folder = mailbox.folders.get(folder_id)
    if folder is None or folder.parent_id is None:
        raise StoreError(f"cannot rename folder {folder_id!r}")
    check_folder_name(mailbox, folder.parent_id, name, renamed=folder_id)
    store_ops.rename_folder(mailbox, folder_id, name)


def move_folder(mailbox: Mailbox, folder_id: str, parent_id: str) -> None:
    """Move a folder (with its subtree) under another parent: a hierarchy Update."""
    folder = mailbox.folders.get(folder_id)
    if folder is None or folder.distinguished is not None:
        raise StoreError(f"cannot move folder {folder_id!r}")
    _check_target(mailbox, folder_id, parent_id)
    check_folder_name(mailbox, parent_id, folder.name)
    folder.parent_id = parent_id
    folder.version += 1
    folder.changed_seq = mailbox.next_seq()


def copy_folder(mailbox: Mailbox, folder_id: str, parent_id: str) -> Folder:
    """A copy of a folder, its subfolders and their items under `parent_id`, all with new ids."""
    _check_target(mailbox, folder_id, parent_id)
    original = mailbox.folders[folder_id]
    check_folder_name(mailbox, parent_id, original.name)
    copied = store_ops.create_folder(mailbox, parent_id, original.name, original.folder_class, None)
    for stored in [i for i in mailbox.items.values() if i.folder_id == folder_id]:
        copy_item(mailbox, stored.id, copied.id)
    for child in [f for f in mailbox.folders.values() if f.parent_id == folder_id]:
        copy_folder(mailbox, child.id, copied.id)
    return copied


def _check_target(mailbox: Mailbox, folder_id: str, parent_id: str) -> None:
    if folder_id not in mailbox.folders or parent_id not in mailbox.folders:
        raise StoreError(f"no folder {folder_id!r} or {parent_id!r}")
    below = {f.id for f in store_ops.descendants(mailbox, folder_id)}
    if parent_id == folder_id or parent_id in below:
        raise MoveCopyFailed("a folder cannot move or be copied below itself")


def copy_item(mailbox: Mailbox, item_id: str, folder_id: str) -> StoredItem:
    """A copy of an item in `folder_id` with a new id and IMAP UID (a Create there)."""
    original = store_ops.item(mailbox, item_id)
    return store_ops.place_as_new(mailbox, copy.deepcopy(original), folder_id)


def envelope_of(mime: bytes, extra_recipients: Sequence[str] = ()) -> tuple[str, ...]:
    """Who a sent message goes to: its To, Cc and Bcc fields and `extra_recipients`, once each."""
    fields = RawMessage.parse(mime)
    named = [v for name in ("To", "Cc", "Bcc") for v in fields.values(name)]
    found: dict[str, str] = {}
    for _, address in email.utils.getaddresses([*named, *extra_recipients]):
        if address:
            found.setdefault(address.lower(), address)
    return tuple(found.values())


def delete_item(mailbox: Mailbox, item_id: str, delete_type: str) -> None:
    """HardDelete removes the item, SoftDelete moves it to Recoverable Items, MoveToDeletedItems
    to Deleted Items (an item already there is soft-deleted, as on Exchange)."""
    stored = store_ops.item(mailbox, item_id)
    deleted = mailbox.distinguished("deleteditems")
    if delete_type == "MoveToDeletedItems" and deleted and stored.folder_id != deleted.id:
        store_ops.move_item(mailbox, item_id, deleted.id)
        return
    dumpster = mailbox.distinguished("recoverableitemsdeletions")
    if delete_type != "HardDelete" and dumpster and stored.folder_id != dumpster.id:
        store_ops.move_item(mailbox, item_id, dumpster.id)
    else:
        store_ops.delete_item(mailbox, item_id)


def send_message(
    mailbox: Mailbox, mime: bytes, save_copy: bool, extra_recipients: Sequence[str] = ()
) -> MessageItem | None:
    """Send `mime`: it lands in the mailbox's outbox log, and in Sent Items when saved.

    As on Exchange, it goes to the addresses of its To, Cc and Bcc fields plus
    `extra_recipients` (the request's recipient elements), and what is transmitted
    has no Bcc field ([MS-OXCMAIL] 2.1.3.1.1.2). The saved copy is `mime` as given.
    """
    mailbox.outbox.append(strip_bcc(mime))
    mailbox.outbox_recipients.append(envelope_of(mime, extra_recipients))
    sent = mailbox.distinguished("sentitems")
    if not save_copy or sent is None:
        return None
    return store_ops.create_message(mailbox, sent.id, mime, is_read=True)
