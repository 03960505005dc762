"""CreateFolder, UpdateFolder (rename), DeleteFolder, MoveFolder and CopyFolder."""

from __future__ import annotations

from collections.abc import Callable

from lxml import etree

from exsync_tui.sandbox import store_ops, store_writes
from exsync_tui.sandbox.ews.context import EwsContext, EwsError
from exsync_tui.sandbox.ews.render_folder import folder_id_xml
from exsync_tui.sandbox.ews.soap import error, m, success, t
from exsync_tui.sandbox.model import Folder, Mailbox
from exsync_tui.sandbox.store_ops import StoreError

_FOLDER_TAGS = ("Folder", "CalendarFolder", "ContactsFolder", "TasksFolder", "SearchFolder")
_DEFAULT_CLASS = {
    "Folder": "IPF.Note",
    "CalendarFolder": "IPF.Appointment",
    "ContactsFolder": "IPF.Contact",
    "TasksFolder": "IPF.Task",
}


def _folders_xml(folder: Folder) -> str:
    return f"<m:Folders><t:Folder>{folder_id_xml(folder)}</t:Folder></m:Folders>"


def _store_error(problem: StoreError) -> EwsError:
    if isinstance(problem, store_writes.FolderExists):
        return EwsError("ErrorFolderExists", "A folder with the specified name already exists.")
    if isinstance(problem, store_writes.MoveCopyFailed):
        return EwsError("ErrorMoveCopyFailed", str(problem))
    return EwsError("ErrorInvalidRequest", str(problem))


def create_folder(ctx: EwsContext, request: etree._Element) -> list[str]:
    """CreateFolder: each folder under the parent, refused when a sibling has the name."""
    holder = request.find(m("ParentFolderId"))
    folders = request.find(m("Folders"))
    messages = []
    for element in folders if folders is not None else []:
        try:
            if holder is None or not len(holder):
                raise EwsError("ErrorInvalidRequest", "ParentFolderId is required.")
            parent = ctx.folder(holder[0])
            kind = etree.QName(element).localname
            if kind not in _FOLDER_TAGS:
                raise EwsError("ErrorInvalidRequest", f"{kind} cannot be created.")
            name = element.findtext(t("DisplayName"), "")
            folder_class = element.findtext(t("FolderClass")) or _DEFAULT_CLASS.get(kind)
            try:
                created = store_writes.create_folder(ctx.user, parent.id, name, folder_class)
            except StoreError as problem:
                raise _store_error(problem) from None
        except EwsError as problem:
            messages.append(error("CreateFolder", problem.code, problem.message, "<m:Folders/>"))
            continue
        messages.append(success("CreateFolder", _folders_xml(created)))
    return messages


def update_folder(ctx: EwsContext, request: etree._Element) -> list[str]:
    """UpdateFolder: SetFolderField of folder:DisplayName (a rename)."""
    changes = request.find(m("FolderChanges"))
    messages = []
    for change in changes if changes is not None else []:
        try:
            folder = ctx.folder(change[0])
            for update in change.iterfind(f"{t('Updates')}/*"):
                path = update.find(t("FieldURI"))
                uri = path.get("FieldURI") if path is not None else None
                name = update.findtext(f"*/{t('DisplayName')}")
                if etree.QName(update).localname != "SetFolderField" or uri != "folder:DisplayName":
                    raise EwsError("ErrorInvalidPropertySet", f"{uri} cannot be changed here.")
                try:
                    store_writes.rename_folder(ctx.user, folder.id, name or "")
                except StoreError as problem:
                    raise _store_error(problem) from None
        except EwsError as problem:
            messages.append(error("UpdateFolder", problem.code, problem.message, "<m:Folders/>"))
            continue
        messages.append(success("UpdateFolder", _folders_xml(folder)))
    return messages


def delete_folder(ctx: EwsContext, request: etree._Element) -> list[str]:
    """DeleteFolder: Hard/SoftDelete remove the subtree; MoveToDeletedItems moves it there."""
    delete_type = request.get("DeleteType", "")
    ids = request.find(m("FolderIds"))
    messages = []
    for ref in ids if ids is not None else []:
        try:
            folder = ctx.folder(ref)
            if folder.distinguished is not None:
                raise EwsError(
                    "ErrorDeleteDistinguishedFolder", "Distinguished folders cannot be deleted."
                )
            deleted = ctx.user.distinguished("deleteditems")
            try:
                if delete_type == "MoveToDeletedItems" and deleted is not None:
                    store_writes.move_folder(ctx.user, folder.id, deleted.id)
                elif delete_type in ("HardDelete", "SoftDelete"):
                    store_ops.remove_folder(ctx.user, folder.id)
                else:
                    raise EwsError("ErrorInvalidRequest", "DeleteType is invalid.")
            except StoreError as problem:
                raise _store_error(problem) from None
        except EwsError as problem:
            messages.append(error("DeleteFolder", problem.code, problem.message))
            continue
        messages.append(success("DeleteFolder", ""))
    return messages


def move_folder(ctx: EwsContext, request: etree._Element) -> list[str]:
    """MoveFolder: each folder (with its subtree) under ToFolderId; like Exchange, ids stay."""
    return _to_folder_each(ctx, request, "MoveFolder", _move)


def copy_folder(ctx: EwsContext, request: etree._Element) -> list[str]:
    """CopyFolder: a copy of each folder's subtree and items under ToFolderId, with new ids."""
    return _to_folder_each(ctx, request, "CopyFolder", store_writes.copy_folder)


def _move(mailbox: Mailbox, folder_id: str, parent_id: str) -> Folder:
    if mailbox.folders[folder_id].distinguished is not None:
        raise EwsError("ErrorMoveDistinguishedFolder", "Distinguished folders cannot be moved.")
    store_writes.move_folder(mailbox, folder_id, parent_id)
    return mailbox.folders[folder_id]


def _to_folder_each(
    ctx: EwsContext,
    request: etree._Element,
    operation: str,
    act: Callable[[Mailbox, str, str], Folder],
) -> list[str]:
    target = request.find(m("ToFolderId"))
    ids = request.find(m("FolderIds"))
    messages = []
    for ref in ids if ids is not None else []:
        try:
            if target is None or not len(target):
                raise EwsError("ErrorInvalidRequest", "ToFolderId is required.")
            parent = ctx.folder(target[0])
            folder = ctx.folder(ref)
            try:
                result = act(ctx.user, folder.id, parent.id)
            except StoreError as problem:
                raise _store_error(problem) from None
        except EwsError as problem:
            messages.append(error(operation, problem.code, problem.message, "<m:Folders/>"))
            continue
        messages.append(success(operation, _folders_xml(result)))
    return messages
