"""CreateItem (MIME or fields; save, send, or both), DeleteItem, MoveItem and CopyItem."""

from __future__ import annotations

import base64
import binascii
import email.policy
import email.utils
import uuid
from collections.abc import Callable
from email.message import EmailMessage

from lxml import etree

from exsync_tui.core.send.headers import HeaderError
from exsync_tui.sandbox import mapi, store_ops, store_writes
from exsync_tui.sandbox.ews.context import EwsContext, EwsError
from exsync_tui.sandbox.ews.extended import parse_extended, parse_value
from exsync_tui.sandbox.ews.render_item import item_id_xml
from exsync_tui.sandbox.ews.soap import error, m, success, t
from exsync_tui.sandbox.model import Folder, Mailbox, MessageItem, StoredItem
from exsync_tui.sandbox.store_ops import StoreError

_DISPOSITIONS = ("SaveOnly", "SendOnly", "SendAndSaveCopy")
_DELETE_TYPES = ("HardDelete", "SoftDelete", "MoveToDeletedItems")


def _item_xml(stored: StoredItem) -> str:
    tag = "t:Message" if isinstance(stored, MessageItem) else "t:CalendarItem"
    return f"<{tag}>{item_id_xml(stored.id, stored.change_key)}</{tag}>"


def _target(ctx: EwsContext, request: etree._Element, tag: str) -> Folder | None:
    holder = request.find(m(tag))
    return ctx.folder(holder[0]) if holder is not None and len(holder) else None


def create_item(ctx: EwsContext, request: etree._Element) -> list[str]:
    """CreateItem for messages: MIME or Subject/Body/recipients, saved and/or sent."""
    disposition = request.get("MessageDisposition", "SaveOnly")
    items = request.find(m("Items"))
    messages = []
    for element in items if items is not None else []:
        try:
            if disposition not in _DISPOSITIONS:
                raise EwsError("ErrorInvalidRequest", "MessageDisposition is invalid.")
            if element.tag != t("Message"):
                raise EwsError("ErrorInvalidRequest", "Only messages can be created here.")
            target = _target(ctx, request, "SavedItemFolderId")
            mime = _mime_of(ctx, element)
            if disposition == "SaveOnly":
                folder = target or ctx.user.distinguished("drafts")
                assert folder is not None
                created = store_ops.create_message(ctx.user, folder.id, mime)
                # Exchange saves unsent items as drafts unless PR_MESSAGE_FLAGS says otherwise.
                created.is_draft = True
                _apply_properties(created, element)
                messages.append(success("CreateItem", f"<m:Items>{_item_xml(created)}</m:Items>"))
                continue
            saved = _send(ctx, element, mime, disposition == "SendAndSaveCopy")
            if saved is not None and target is not None and target.id != saved.folder_id:
                store_ops.move_item(ctx.user, saved.id, target.id)
        except EwsError as problem:
            messages.append(error("CreateItem", problem.code, problem.message, "<m:Items/>"))
            continue
        messages.append(success("CreateItem", "<m:Items/>"))
    return messages


def _send(
    ctx: EwsContext, element: etree._Element, mime: bytes, save_copy: bool
) -> MessageItem | None:
    """Send: to the MIME's To, Cc and Bcc and to the request's recipient elements."""
    named = [
        email.utils.formataddr((mb.findtext(t("Name"), ""), mb.findtext(t("EmailAddress"), "")))
        for tag in ("ToRecipients", "CcRecipients", "BccRecipients")
        for mb in element.iterfind(f"{t(tag)}/{t('Mailbox')}")
    ]
    try:
        return store_writes.send_message(ctx.user, mime, save_copy, named)
    except HeaderError as problem:
        raise EwsError("ErrorMimeContentConversionFailed", str(problem)) from None


def _mime_of(ctx: EwsContext, element: etree._Element) -> bytes:
    """The item's MIME, given or built from its Subject, Body and recipients."""
    content = element.find(t("MimeContent"))
    if content is not None:
        try:
            return base64.b64decode(content.text or "", validate=True)
        except binascii.Error:
            raise EwsError("ErrorInvalidRequest", "MimeContent is not base64.") from None
    message = EmailMessage(policy=email.policy.SMTP)
    message["Subject"] = element.findtext(t("Subject"), "")
    message["From"] = email.utils.formataddr((ctx.user.display_name, ctx.user.email))
    for tag, header in (("ToRecipients", "To"), ("CcRecipients", "Cc")):
        people = [
            email.utils.formataddr((mb.findtext(t("Name"), ""), mb.findtext(t("EmailAddress"), "")))
            for mb in element.iterfind(f"{t(tag)}/{t('Mailbox')}")
        ]
        if people:
            message[header] = ", ".join(people)
    message["Date"] = email.utils.format_datetime(ctx.user.now())
    message["Message-ID"] = f"<{uuid.uuid4().hex}@{ctx.store.domain}>"
    body = element.find(t("Body"))
    subtype = "html" if body is not None and body.get("BodyType") == "HTML" else "plain"
    message.set_content(body.text or "" if body is not None else "", subtype=subtype)
    return message.as_bytes()


def _apply_properties(message: MessageItem, element: etree._Element) -> None:
    """IsRead, Categories and extended properties a created item carries."""
    read = element.findtext(t("IsRead"))
    if read is not None:
        message.is_read = read.strip().lower() in ("true", "1")
    categories = element.find(t("Categories"))
    if categories is not None:
        message.categories = [s.text or "" for s in categories.iterfind(t("String"))]
    for prop in element.iterfind(t("ExtendedProperty")):
        uri = prop.find(t("ExtendedFieldURI"))
        if uri is None:
            continue
        path = parse_extended(uri)
        try:
            mapi.set_item_property(message, path.key, parse_value(path, prop))
        except PermissionError:
            continue  # computed properties (size, UID...) ignore what a client sends


def _each_item(
    ctx: EwsContext,
    request: etree._Element,
    operation: str,
    act: Callable[[StoredItem], StoredItem | None],
) -> list[str]:
    ids = request.find(m("ItemIds"))
    messages = []
    for ref in ids if ids is not None else []:
        try:
            stored, _ = ctx.item(ref.get("Id", ""))
            result = act(stored)
        except EwsError as problem:
            messages.append(error(operation, problem.code, problem.message))
            continue
        except StoreError as problem:
            messages.append(error(operation, "ErrorInvalidRequest", str(problem)))
            continue
        content = f"<m:Items>{_item_xml(result)}</m:Items>" if result is not None else ""
        messages.append(success(operation, content))
    return messages


def delete_item(ctx: EwsContext, request: etree._Element) -> list[str]:
    """DeleteItem: HardDelete, SoftDelete (both gone from the folder) or MoveToDeletedItems."""
    delete_type = request.get("DeleteType", "")
    if delete_type not in _DELETE_TYPES:
        return [error("DeleteItem", "ErrorInvalidRequest", "DeleteType is invalid.")]

    def act(stored: StoredItem) -> None:
        store_writes.delete_item(ctx.user, stored.id, delete_type)

    return _each_item(ctx, request, "DeleteItem", act)


def move_item(ctx: EwsContext, request: etree._Element) -> list[str]:
    """MoveItem: the moved item gets a new id (and IMAP UID) in the target folder."""
    return _to_folder_each(ctx, request, "MoveItem", store_ops.move_item)


def copy_item(ctx: EwsContext, request: etree._Element) -> list[str]:
    """CopyItem: a new item with a new id in the target folder; the original stays."""
    return _to_folder_each(ctx, request, "CopyItem", store_writes.copy_item)


def _to_folder_each(
    ctx: EwsContext,
    request: etree._Element,
    operation: str,
    act: Callable[[Mailbox, str, str], StoredItem],
) -> list[str]:
    try:
        target = _target(ctx, request, "ToFolderId")
        if target is None:
            raise EwsError("ErrorInvalidRequest", "ToFolderId is required.")
    except EwsError as problem:
        return [error(operation, problem.code, problem.message)]
    return _each_item(ctx, request, operation, lambda s: act(ctx.user, s.id, target.id))
