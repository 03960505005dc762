"""Graph's mail subset: the folder tree, per-folder message delta, and MIME by ``$value``.

Folder ids are the EWS ones (Exchange keeps a folder's id across moves too).
Message ids are EWS ids, or with ``Prefer: IdType="ImmutableId"`` the id the
message had when created, which moves keep. A delta or skip token is a
position on the mailbox's change counter, made like an EWS sync state, so an
invalidation through the control API expires both (410 ``SyncStateNotFound``).
"""

from __future__ import annotations

from typing import Any

from exsync_tui.sandbox.graph.wire import GraphError, GraphRequest, not_found, ok
from exsync_tui.sandbox.httpserver import Response
from exsync_tui.sandbox.model import Folder, Mailbox, MessageItem, StoredItem
from exsync_tui.sandbox.store import InvalidSyncState, MailboxStore

SIZE_PROPERTY = "Integer 0x0E08"  # PidTagMessageSize
VERB_PROPERTY = "Integer 0x1081"  # PidTagLastVerbExecuted
_FLAG_STATUS = {0: "notFlagged", 1: "complete", 2: "flagged"}
_TOP_DEFAULT = 10


def is_mail_folder(folder: Folder) -> bool:
    """What ``mailFolders`` lists here: the ``IPF.Note`` folders."""
    folder_class = folder.folder_class or ""
    return folder_class == "IPF.Note" or folder_class.startswith("IPF.Note.")


def folder_json(store: MailboxStore, mailbox: Mailbox, folder: Folder) -> dict[str, Any]:
    """A ``mailFolder`` resource."""
    items = store.items_in(mailbox, folder.id)
    return {
        "id": folder.id,
        "displayName": folder.name,
        "parentFolderId": folder.parent_id,
        "childFolderCount": sum(1 for f in store.children(mailbox, folder.id) if is_mail_folder(f)),
        "unreadItemCount": sum(1 for i in items if isinstance(i, MessageItem) and not i.is_read),
        "totalItemCount": len(items),
        "isHidden": folder.hidden,
    }


def mail_folder(store: MailboxStore, mailbox: Mailbox, name_or_id: str) -> Folder:
    """A folder by id or well-known name (``inbox``), or Graph's 404."""
    found = mailbox.folders.get(name_or_id) or mailbox.distinguished(name_or_id.lower())
    if found is None or not is_mail_folder(found):
        raise not_found(name_or_id)
    return found


def list_folders(
    store: MailboxStore, mailbox: Mailbox, parent: Folder, request: GraphRequest, path: str
) -> Response:
    """One page (``$top``/``$skip``) of the mail folders directly below ``parent``; hidden
    ones only with ``includeHiddenFolders=true``, as Graph does."""
    hidden = request.query.get("includeHiddenFolders", "").lower() == "true"
    children = [
        f
        for f in store.children(mailbox, parent.id)
        if is_mail_folder(f) and (hidden or not f.hidden)
    ]
    top = int(request.query.get("$top", _TOP_DEFAULT) or _TOP_DEFAULT)
    skip = int(request.query.get("$skip", 0) or 0)
    page = children[skip : skip + top]
    payload: dict[str, Any] = {"value": [folder_json(store, mailbox, f) for f in page]}
    if skip + top < len(children):
        query = {k: v for k, v in request.query.items() if k != "$skip"}
        payload["@odata.nextLink"] = request.link(path, **query, **{"$skip": str(skip + top)})
    return ok(payload)


def find_item(mailbox: Mailbox, item_id: str) -> StoredItem | None:
    """The item with this EWS id or ImmutableId."""
    found = mailbox.items.get(item_id)
    if found is not None:
        return found
    return next((i for i in mailbox.items.values() if i.immutable_id == item_id), None)


def message_value(mailbox: Mailbox, item_id: str) -> Response:
    """``/messages/{id}/$value``: the message's MIME as stored."""
    found = find_item(mailbox, item_id)
    if not isinstance(found, MessageItem):
        raise not_found(item_id)
    return Response(200, found.mime, "message/rfc822")


def message_json(message: MessageItem, request: GraphRequest) -> dict[str, Any]:
    """A ``message`` resource with the fields of ``$select`` (all of these without it)."""
    full: dict[str, Any] = {
        "@odata.etag": f'W/"{message.change_key}"',
        "id": message.graph_id if request.immutable_ids else message.id,
        "changeKey": message.change_key,
        "parentFolderId": message.folder_id,
        "subject": message.subject,
        "internetMessageId": message.message_id or None,
        "receivedDateTime": message.received.isoformat().replace("+00:00", "Z"),
        "isRead": message.is_read,
        "isDraft": message.is_draft,
        "flag": {"flagStatus": _FLAG_STATUS.get(message.flag_status, "notFlagged")},
    }
    selected = request.query.get("$select")
    if selected:
        wanted = {name.strip() for name in selected.split(",")} | {"id", "@odata.etag"}
        full = {k: v for k, v in full.items() if k in wanted}
    expand = request.query.get("$expand", "")
    if "singleValueExtendedProperties" in expand:
        values = {SIZE_PROPERTY: len(message.mime), VERB_PROPERTY: message.last_verb}
        # Asked as "Integer 0x0E08", Graph names it back the short way: "Integer 0xe08".
        full["singleValueExtendedProperties"] = [
            {"id": f"Integer {hex(int(name.split()[1], 16))}", "value": str(value)}
            for name, value in values.items()
            if name in expand
        ]
    return full


def message_delta(
    store: MailboxStore, mailbox: Mailbox, folder: Folder, request: GraphRequest, path: str
) -> Response:
    """One page of ``messages/delta``: changes since the token, ``@removed`` for deletes."""
    token = request.query.get("$deltatoken") or request.query.get("$skiptoken")
    try:
        since = store.decode_sync_state(mailbox, folder.id, token)
    except InvalidSyncState:
        raise GraphError(
            410,
            "SyncStateNotFound",
            "The sync state generation is not found or has expired; start a new round.",
        ) from None
    changes = store.item_changes(mailbox, folder.id, since)
    page = changes[: request.page_size]
    complete = len(page) == len(changes)
    removed_ids = {t.id: t.graph_id or t.id for t in mailbox.item_tombstones}
    values: list[dict[str, Any]] = []
    for change in page:
        if change.kind == "Delete":
            gone = removed_ids[change.object_id] if request.immutable_ids else change.object_id
            values.append({"id": gone, "@removed": {"reason": "deleted"}})
        elif isinstance(change.item, MessageItem):
            values.append(message_json(change.item, request))
    keep = {k: v for k, v in request.query.items() if k in ("$select", "$expand")}
    payload: dict[str, Any] = {"value": values}
    if complete:
        state = store.encode_sync_state(mailbox, folder.id, mailbox.seq)
        payload["@odata.deltaLink"] = request.link(path, **keep, **{"$deltatoken": state})
    else:
        state = store.encode_sync_state(mailbox, folder.id, page[-1].seq)
        payload["@odata.nextLink"] = request.link(path, **keep, **{"$skiptoken": state})
    return ok(payload, request.preference_headers())
