"""What an EWS operation handler works with: the store, the signed-in mailbox, id resolution."""

from __future__ import annotations

from dataclasses import dataclass

from lxml import etree

from exsync_tui.sandbox.ews.soap import t
from exsync_tui.sandbox.ids import IdParts, decode_id, encode_id
from exsync_tui.sandbox.model import Folder, Mailbox, StoredItem
from exsync_tui.sandbox.store import MailboxStore


class EwsError(Exception):
    """An error answered in one response message (the other messages of the request still run)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass
class EwsContext:
    """One request's view of the server."""

    store: MailboxStore
    user: Mailbox

    def mailbox_for_address(self, address: str | None) -> Mailbox:
        """The mailbox named in a request, which must be the signed-in user's own."""
        if not address:
            return self.user
        target = self.store.by_email(address)
        if target is None:
            raise EwsError(
                "ErrorNonExistentMailbox", "The SMTP address has no mailbox associated with it."
            )
        if target is not self.user:
            raise EwsError(
                "ErrorAccessDenied", "Access is denied. Check credentials and try again."
            )
        return target

    def mailbox_for_id(self, parts: IdParts) -> Mailbox:
        """The mailbox an id belongs to (only the signed-in user's may be opened)."""
        if parts.mailbox != self.user.index:
            if parts.mailbox >= len(self.store.mailboxes):
                raise EwsError(
                    "ErrorItemNotFound", "The specified object was not found in the store."
                )
            raise EwsError(
                "ErrorAccessDenied", "Access is denied. Check credentials and try again."
            )
        return self.user

    def folder(self, ref: etree._Element) -> Folder:
        """Resolve a `t:FolderId` or `t:DistinguishedFolderId` element."""
        if ref.tag == t("DistinguishedFolderId"):
            address = ref.findtext(f"{t('Mailbox')}/{t('EmailAddress')}")
            mailbox = self.mailbox_for_address(address)
            found = mailbox.distinguished(ref.get("Id", ""))
            if found is None:
                raise EwsError(
                    "ErrorFolderNotFound", "The specified folder could not be found in the store."
                )
            return found
        if ref.tag != t("FolderId"):
            raise EwsError("ErrorInvalidIdMalformed", "Id is malformed.")
        folder_id = ref.get("Id", "")
        decoded = decode_id(folder_id)
        if decoded is None or decoded[0].kind != "folder":
            raise EwsError("ErrorInvalidIdMalformed", "Id is malformed.")
        mailbox = self.mailbox_for_id(decoded[0])
        found = mailbox.folders.get(folder_id)
        if found is None:
            raise EwsError(
                "ErrorFolderNotFound", "The specified folder could not be found in the store."
            )
        return found

    def item(self, item_id: str) -> tuple[StoredItem, int]:
        """The item an id names and its occurrence index (0 unless it names an occurrence)."""
        own = self.user.items.get(item_id)
        if own is not None:
            # The common case, an id of the user's own item as this server issued it; decoding
            # cost as much as rendering a generated message.
            return own, 0
        decoded = decode_id(item_id)
        if decoded is None or decoded[0].kind != "item":
            raise EwsError("ErrorInvalidIdMalformed", "Id is malformed.")
        parts = decoded[0]
        mailbox = self.mailbox_for_id(parts)
        master_id = item_id if parts.occurrence == 0 else _master_id(parts)
        found = mailbox.items.get(master_id)
        if found is None:
            raise EwsError("ErrorItemNotFound", "The specified object was not found in the store.")
        return found, parts.occurrence


def _master_id(parts: IdParts) -> str:
    return encode_id(IdParts(parts.mailbox, parts.kind, parts.serial))
