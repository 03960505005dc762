"""Mailbox sources: one per protocol (EWS, Microsoft Graph) behind one interface.

:mod:`.base` is the interface the sync engine uses; :mod:`.ews` implements it
on exchangelib, :mod:`.graph` on Microsoft Graph for Microsoft 365 mailboxes.
"""

from exsync_tui.core.sources.base import (
    DEFAULT_MAX_CHANGES,
    ChangeType,
    FetchedItem,
    FetchProblem,
    FlagPush,
    FolderGone,
    FolderKind,
    HierarchyPage,
    ItemChange,
    ItemKind,
    ItemPage,
    MailboxSource,
    PushNotSupported,
    PushResult,
    PushStatus,
    RemoteFolder,
    SyncStateInvalid,
    folder_kind,
)

__all__ = [
    "DEFAULT_MAX_CHANGES",
    "ChangeType",
    "FetchProblem",
    "FetchedItem",
    "FlagPush",
    "FolderGone",
    "FolderKind",
    "HierarchyPage",
    "ItemChange",
    "ItemKind",
    "ItemPage",
    "MailboxSource",
    "PushNotSupported",
    "PushResult",
    "PushStatus",
    "RemoteFolder",
    "SyncStateInvalid",
    "folder_kind",
]
