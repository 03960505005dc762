"""From a SOAP request body to a SOAP response body: header checks and operation routing."""

from __future__ import annotations

from collections.abc import Callable

from lxml import etree

from exsync_tui.sandbox.ews import (
    folders,
    items,
    misc,
    sync,
    update_item,
    write_folders,
    write_items,
)
from exsync_tui.sandbox.ews.context import EwsContext
from exsync_tui.sandbox.ews.soap import (
    MNS,
    SoapFault,
    check_request_version,
    envelope,
    error,
    t,
)
from exsync_tui.sandbox.model import Mailbox
from exsync_tui.sandbox.store import MailboxStore

Handler = Callable[[EwsContext, etree._Element], list[str]]
OPERATIONS: dict[str, Handler] = {
    "ConvertId": misc.convert_id,
    "FindFolder": folders.find_folder,
    "FindItem": items.find_item,
    "GetFolder": folders.get_folder,
    "GetItem": items.get_item,
    "ResolveNames": misc.resolve_names,
    "SyncFolderHierarchy": folders.sync_folder_hierarchy,
    "SyncFolderItems": sync.sync_folder_items,
    "UpdateItem": update_item.update_item,
    "CreateItem": write_items.create_item,
    "DeleteItem": write_items.delete_item,
    "MoveItem": write_items.move_item,
    "CopyItem": write_items.copy_item,
    "CreateFolder": write_folders.create_folder,
    "UpdateFolder": write_folders.update_folder,
    "DeleteFolder": write_folders.delete_folder,
    "MoveFolder": write_folders.move_folder,
    "CopyFolder": write_folders.copy_folder,
}
# The empty containers each operation's error message still must carry (schema-required).
_REQUIRED_ON_ERROR = {
    "SyncFolderItems": sync._REQUIRED,
    "SyncFolderHierarchy": (
        "<m:SyncState/><m:IncludesLastFolderInRange>true</m:IncludesLastFolderInRange><m:Changes/>"
    ),
    "GetItem": "<m:Items/>",
    "GetFolder": "<m:Folders/>",
}


def operation_name(operation: etree._Element) -> str:
    """The SOAP operation's name, e.g. "GetItem"."""
    return str(etree.QName(operation).localname)


def dispatch(
    store: MailboxStore, user: Mailbox, header: etree._Element, operation: etree._Element
) -> bytes:
    """Run one EWS operation for the signed-in `user` and return the response envelope."""
    name = operation_name(operation)
    handler = OPERATIONS.get(name)
    if etree.QName(operation).namespace != MNS or handler is None:
        raise SoapFault(
            "ErrorInvalidRequest",
            f"The request is invalid: {name} is not supported by this server.",
        )
    check_request_version(header)
    if header.find(t("ExchangeImpersonation")) is not None:
        raise SoapFault(
            "ErrorImpersonateUserDenied",
            "The account does not have permission to impersonate the requested user.",
        )
    with store.lock:
        messages = handler(EwsContext(store, user), operation)
    return envelope(name, messages)


def sync_state_error(operation: str) -> bytes:
    """ErrorInvalidSyncStateData for a sync operation (fault injection)."""
    return envelope(
        operation,
        [
            error(
                operation,
                "ErrorInvalidSyncStateData",
                "Synchronization state data is corrupt or otherwise invalid.",
                _REQUIRED_ON_ERROR.get(operation, ""),
            )
        ],
    )
