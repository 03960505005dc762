"""Folder operations: GetFolder, FindFolder and SyncFolderHierarchy."""

from __future__ import annotations

from lxml import etree

from exsync_tui.sandbox import store_ops
from exsync_tui.sandbox.ews.context import EwsContext, EwsError
from exsync_tui.sandbox.ews.fields import folder_field
from exsync_tui.sandbox.ews.render_folder import render_folder
from exsync_tui.sandbox.ews.restrictions import compile_restriction
from exsync_tui.sandbox.ews.shapes import DEFAULT_FOLDER_FIELDS, parse_shape
from exsync_tui.sandbox.ews.soap import bool_text, el, error, m, success
from exsync_tui.sandbox.model import Folder
from exsync_tui.sandbox.store import InvalidSyncState


def get_folder(ctx: EwsContext, request: etree._Element) -> list[str]:
    """GetFolder: one response message per requested folder, in request order."""
    shape = parse_shape(request.find(m("FolderShape")), DEFAULT_FOLDER_FIELDS)
    refs = request.find(m("FolderIds"))
    messages = []
    for ref in refs if refs is not None else []:
        try:
            folder = ctx.folder(ref)
        except EwsError as problem:
            messages.append(error("GetFolder", problem.code, problem.message, "<m:Folders/>"))
            continue
        xml = render_folder(ctx.store, ctx.user, folder, shape)
        messages.append(success("GetFolder", f"<m:Folders>{xml}</m:Folders>"))
    return messages


def _page(request: etree._Element, view_tag: str, total: int) -> tuple[int, int]:
    """(offset, max entries) of an IndexedPage*View, or the whole range without one."""
    view = request.find(m(view_tag))
    if view is None:
        return 0, total
    maximum = int(view.get("MaxEntriesReturned", total) or total)
    offset = int(view.get("Offset", "0"))
    if view.get("BasePoint", "Beginning") == "End":
        offset = max(total - offset - maximum, 0)
    return offset, maximum


def find_folder(ctx: EwsContext, request: etree._Element) -> list[str]:
    """FindFolder: Shallow or Deep traversal below each parent, with indexed paging."""
    shape = parse_shape(request.find(m("FolderShape")), DEFAULT_FOLDER_FIELDS)
    traversal = request.get("Traversal", "Shallow")
    parents = request.find(m("ParentFolderIds"))
    messages = []
    for ref in parents if parents is not None else []:
        try:
            parent = ctx.folder(ref)
        except EwsError as problem:
            messages.append(error("FindFolder", problem.code, problem.message))
            continue
        try:
            found = _found_folders(ctx, request, parent, traversal)
        except EwsError as problem:
            messages.append(error("FindFolder", problem.code, problem.message))
            continue
        offset, maximum = _page(request, "IndexedPageFolderView", len(found))
        page = found[offset : offset + maximum]
        last = offset + len(page) >= len(found)
        xml = "".join(render_folder(ctx.store, ctx.user, f, shape) for f in page)
        root = (
            f'<m:RootFolder IndexedPagingOffset="{offset + len(page)}" '
            f'TotalItemsInView="{len(found)}" IncludesLastItemInRange="{bool_text(last)}">'
            f"<t:Folders>{xml}</t:Folders></m:RootFolder>"
        )
        messages.append(success("FindFolder", root))
    return messages


def _found_folders(
    ctx: EwsContext, request: etree._Element, parent: Folder, traversal: str
) -> list[Folder]:
    """The folders below `parent` that pass the request's restriction, before paging."""
    if traversal == "Deep":
        found = store_ops.descendants(ctx.user, parent.id)
    elif traversal == "Shallow":
        found = ctx.store.children(ctx.user, parent.id)
    else:
        found = []
    restriction = request.find(m("Restriction"))
    if restriction is not None:
        keep = compile_restriction(restriction, folder_field(ctx.store, ctx.user))
        found = [folder for folder in found if keep(folder)]
    return found


def sync_folder_hierarchy(ctx: EwsContext, request: etree._Element) -> list[str]:
    """SyncFolderHierarchy: every folder change below the sync folder since the sync state."""
    shape = parse_shape(request.find(m("FolderShape")), DEFAULT_FOLDER_FIELDS)
    required = (
        "<m:SyncState/><m:IncludesLastFolderInRange>true</m:IncludesLastFolderInRange><m:Changes/>"
    )
    try:
        ref = request.find(m("SyncFolderId"))
        scope = (
            ctx.folder(ref[0])
            if ref is not None and len(ref)
            else ctx.user.distinguished("msgfolderroot")
        )
        assert scope is not None
        state_scope = f"hierarchy:{scope.id}"
        since = ctx.store.decode_sync_state(ctx.user, state_scope, request.findtext(m("SyncState")))
    except EwsError as problem:
        return [error("SyncFolderHierarchy", problem.code, problem.message, required)]
    except InvalidSyncState:
        return [_invalid_state("SyncFolderHierarchy", required)]
    changes = ctx.store.folder_changes(ctx.user, scope.id, since)
    parts = []
    for change in changes:
        if change.kind == "Delete":
            parts.append(f'<t:Delete><t:FolderId Id="{change.object_id}"/></t:Delete>')
        else:
            assert change.folder is not None
            xml = render_folder(ctx.store, ctx.user, change.folder, shape)
            parts.append(f"<t:{change.kind}>{xml}</t:{change.kind}>")
    state = ctx.store.encode_sync_state(ctx.user, state_scope, ctx.user.seq)
    content = (
        f"{el('m:SyncState', state)}<m:IncludesLastFolderInRange>true</m:IncludesLastFolderInRange>"
        f"<m:Changes>{''.join(parts)}</m:Changes>"
    )
    return [success("SyncFolderHierarchy", content)]


def _invalid_state(operation: str, required: str) -> str:
    return error(
        operation,
        "ErrorInvalidSyncStateData",
        "Synchronization state data is corrupt or otherwise invalid.",
        required,
    )
