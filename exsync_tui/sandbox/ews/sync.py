"""SyncFolderItems: item deltas in change order, paged by MaxChangesReturned."""

from __future__ import annotations

from lxml import etree

from exsync_tui.sandbox.ews.context import EwsContext, EwsError
from exsync_tui.sandbox.ews.render import render_stored_item
from exsync_tui.sandbox.ews.render_item import item_id_xml
from exsync_tui.sandbox.ews.shapes import DEFAULT_ITEM_FIELDS, parse_shape
from exsync_tui.sandbox.ews.soap import bool_text, el, error, m, success
from exsync_tui.sandbox.model import MessageItem
from exsync_tui.sandbox.store import InvalidSyncState

_REQUIRED = "<m:SyncState/><m:IncludesLastItemInRange>true</m:IncludesLastItemInRange><m:Changes/>"
_MAX_CHANGES = 512


def sync_folder_items(ctx: EwsContext, request: etree._Element) -> list[str]:
    """Create/Update/Delete/ReadFlagChange since the sync state, at most MaxChangesReturned."""
    shape = parse_shape(request.find(m("ItemShape")), DEFAULT_ITEM_FIELDS)
    try:
        ref = request.find(m("SyncFolderId"))
        if ref is None or len(ref) == 0:
            raise EwsError("ErrorInvalidRequest", "SyncFolderId is required.")
        folder = ctx.folder(ref[0])
        maximum = int(request.findtext(m("MaxChangesReturned"), "0") or 0)
        if not 1 <= maximum <= _MAX_CHANGES:
            raise EwsError("ErrorInvalidArgument", "MaxChangesReturned must be between 1 and 512.")
        since = ctx.store.decode_sync_state(ctx.user, folder.id, request.findtext(m("SyncState")))
    except EwsError as problem:
        return [error("SyncFolderItems", problem.code, problem.message, _REQUIRED)]
    except InvalidSyncState:
        return [
            error(
                "SyncFolderItems",
                "ErrorInvalidSyncStateData",
                "Synchronization state data is corrupt or otherwise invalid.",
                _REQUIRED,
            )
        ]
    ignored = {i.get("Id") for i in request.iterfind(f"{m('Ignore')}/*")}
    changes = ctx.store.item_changes(ctx.user, folder.id, since)
    page = changes[:maximum]
    complete = len(page) == len(changes)
    position = page[-1].seq if page and not complete else ctx.user.seq
    parts = []
    for change in page:
        if change.object_id in ignored:
            continue
        stored = change.item
        if change.kind == "Delete":
            parts.append(f'<t:Delete><t:ItemId Id="{change.object_id}"/></t:Delete>')
        elif change.kind == "ReadFlagChange" and isinstance(stored, MessageItem):
            parts.append(
                f"<t:ReadFlagChange>{item_id_xml(stored.id, stored.change_key)}"
                f"{el('t:IsRead', bool_text(stored.is_read))}</t:ReadFlagChange>"
            )
        else:
            assert stored is not None
            xml = render_stored_item(stored, folder, shape)
            kind = "Update" if change.kind == "ReadFlagChange" else change.kind
            parts.append(f"<t:{kind}>{xml}</t:{kind}>")
    state = ctx.store.encode_sync_state(ctx.user, folder.id, position)
    content = (
        f"{el('m:SyncState', state)}"
        f"<m:IncludesLastItemInRange>{bool_text(complete)}</m:IncludesLastItemInRange>"
        f"<m:Changes>{''.join(parts)}</m:Changes>"
    )
    return [success("SyncFolderItems", content)]
