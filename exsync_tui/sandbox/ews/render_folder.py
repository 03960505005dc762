"""Folders as EWS XML."""

from __future__ import annotations

from exsync_tui.sandbox.ews.extended import render_extended
from exsync_tui.sandbox.ews.shapes import Shape
from exsync_tui.sandbox.ews.soap import attr, el
from exsync_tui.sandbox.mapi import FolderStats, folder_property
from exsync_tui.sandbox.model import Folder, Mailbox, MessageItem
from exsync_tui.sandbox.store import MailboxStore

_FOLDER_TAGS = {
    "IPF.Appointment": "CalendarFolder",
    "IPF.Contact": "ContactsFolder",
    "IPF.Task": "TasksFolder",
}


def folder_id_xml(folder: Folder, tag: str = "t:FolderId") -> str:
    """`<t:FolderId Id=... ChangeKey=.../>`."""
    return f"<{tag} Id={attr(folder.id)} ChangeKey={attr(folder.change_key)}/>"


def render_folder(store: MailboxStore, mailbox: Mailbox, folder: Folder, shape: Shape) -> str:
    """A folder element with the properties `shape` asks for, in schema order."""
    tag = _FOLDER_TAGS.get(folder.folder_class or "", "Folder")
    parts = [f"<t:{tag}>", folder_id_xml(folder)]
    if shape.wants("folder:ParentFolderId") and folder.parent_id is not None:
        parent = mailbox.folders[folder.parent_id]
        parts.append(folder_id_xml(parent, "t:ParentFolderId"))
    if shape.wants("folder:FolderClass") and folder.folder_class:
        parts.append(el("t:FolderClass", folder.folder_class))
    if shape.wants("folder:DisplayName"):
        parts.append(el("t:DisplayName", folder.name))
    items = None
    if shape.wants("folder:TotalCount"):
        items = store.items_in(mailbox, folder.id)
        parts.append(el("t:TotalCount", len(items)))
    if shape.wants("folder:ChildFolderCount"):
        parts.append(el("t:ChildFolderCount", len(store.children(mailbox, folder.id))))
    if shape.extended:
        stats = folder_stats(store, mailbox, folder)
        parts.extend(
            render_extended(p, folder_property(folder, stats, p.key)) for p in shape.extended
        )
    if shape.wants("folder:EffectiveRights"):
        parts.append(
            "<t:EffectiveRights><t:CreateAssociated>true</t:CreateAssociated>"
            "<t:CreateContents>true</t:CreateContents><t:CreateHierarchy>true</t:CreateHierarchy>"
            "<t:Delete>true</t:Delete><t:Modify>true</t:Modify><t:Read>true</t:Read>"
            "<t:ViewPrivateItems>true</t:ViewPrivateItems></t:EffectiveRights>"
        )
    if tag in ("Folder", "TasksFolder") and shape.wants("folder:UnreadCount"):
        items = items if items is not None else store.items_in(mailbox, folder.id)
        unread = sum(1 for i in items if isinstance(i, MessageItem) and not i.is_read)
        parts.append(el("t:UnreadCount", unread))
    parts.append(f"</t:{tag}>")
    return "".join(parts)


def folder_stats(store: MailboxStore, mailbox: Mailbox, folder: Folder) -> FolderStats:
    """Item, unread and subfolder counts of a folder (what several properties derive from)."""
    items = store.items_in(mailbox, folder.id)
    unread = sum(1 for i in items if isinstance(i, MessageItem) and not i.is_read)
    return FolderStats(len(items), unread, len(store.children(mailbox, folder.id)))
