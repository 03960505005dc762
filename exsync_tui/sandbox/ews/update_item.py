"""UpdateItem: Set/Delete/AppendToItemField on read state, flags, categories, MAPI properties
(calendar items: `update_calendar`).

Every accepted change is recorded through `store_ops`, so SyncFolderItems reports it (a change
of `IsRead` alone as a ReadFlagChange, anything else as an Update) and `truth()` shows it.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

from lxml import etree

from exsync_tui.sandbox import mapi, store_ops
from exsync_tui.sandbox.ews import update_calendar
from exsync_tui.sandbox.ews.context import EwsContext, EwsError
from exsync_tui.sandbox.ews.extended import ExtendedPath, parse_extended, parse_value
from exsync_tui.sandbox.ews.render_item import item_id_xml
from exsync_tui.sandbox.ews.soap import error, m, success, t
from exsync_tui.sandbox.model import CalendarEvent, MessageItem, StoredItem

_FLAG_STATUS = {"NotFlagged": 0, "Complete": 1, "Flagged": mapi.FLAG_FLAGGED}
_INVALID = "ErrorInvalidPropertySet"
Change = Callable[[MessageItem], None]


def update_item(ctx: EwsContext, request: etree._Element) -> list[str]:
    """UpdateItem: one response message per ItemChange, each applied all or nothing."""
    resolution = request.get("ConflictResolution", "AutoResolve")
    changes = request.find(m("ItemChanges"))
    messages = []
    for change in changes if changes is not None else []:
        try:
            message = _apply(ctx, change, resolution)
        except EwsError as problem:
            messages.append(error("UpdateItem", problem.code, problem.message, "<m:Items/>"))
            continue
        tag = "t:Message" if isinstance(message, MessageItem) else "t:CalendarItem"
        content = (
            f"<m:Items><{tag}>{item_id_xml(message.id, message.change_key)}</{tag}>"
            "</m:Items><m:ConflictResults><m:Count>0</m:Count></m:ConflictResults>"
        )
        messages.append(success("UpdateItem", content))
    return messages


def _apply(ctx: EwsContext, change: etree._Element, resolution: str) -> StoredItem:
    ref = change.find(t("ItemId"))
    if ref is None:
        raise EwsError("ErrorInvalidIdMalformed", "Id is malformed.")
    stored, _ = ctx.item(ref.get("Id", ""))
    if not isinstance(stored, MessageItem | CalendarEvent):
        raise EwsError(_INVALID, "Only messages and calendar items can be updated here.")
    sent_key = ref.get("ChangeKey")
    if sent_key and sent_key != stored.change_key and resolution == "NeverOverwrite":
        raise EwsError(
            "ErrorIrresolvableConflict",
            "The send or update operation could not be performed because the change key passed "
            "in the request does not match the current change key for the item.",
        )
    updates = change.find(t("Updates"))
    if isinstance(stored, CalendarEvent):
        update_calendar.apply(ctx, stored, list(updates if updates is not None else []))
        return stored
    steps = [_step(update) for update in (updates if updates is not None else [])]
    # Apply to a copy first: a bad step must leave the item untouched.
    trial = _copy(stored)
    for _, step in steps:
        step(trial)
    only_read = all(kind == "read" for kind, _ in steps)
    if steps and only_read:
        store_ops.set_read(ctx.user, stored.id, trial.is_read)
    elif steps:
        for _, step in steps:
            step(stored)
        store_ops.mark_changed(ctx.user, stored)
    return stored


def _copy(message: MessageItem) -> MessageItem:
    return copy.deepcopy(message)


def _step(update: etree._Element) -> tuple[str, Change]:
    """("read" or "other", the change one Set/Delete/AppendToItemField makes)."""
    kind = etree.QName(update).localname
    path = next(iter(update), None)
    if path is None:
        raise EwsError(_INVALID, "An update names no property.")
    container = update.find(t("Message"))
    if container is None:
        container = update.find(t("Item"))
    if path.tag == t("ExtendedFieldURI"):
        return "other", _extended_step(kind, parse_extended(path), container)
    uri = path.get("FieldURI", "")
    if kind == "DeleteItemField":
        if uri == "item:Categories":
            return "other", lambda msg: setattr(msg, "categories", [])
        if uri == "item:Flag":
            return "other", lambda msg: setattr(msg, "flag_status", 0)
        raise EwsError(_INVALID, f"The property {uri} cannot be deleted.")
    if container is None:
        raise EwsError(_INVALID, f"The update of {uri} carries no item.")
    if uri == "message:IsRead":
        value = _text(container, "IsRead").strip().lower() in ("true", "1")
        return "read", lambda msg: setattr(msg, "is_read", value)
    if uri == "item:Categories":
        names = [s.text or "" for s in container.iterfind(f"{t('Categories')}/{t('String')}")]
        if kind == "AppendToItemField":
            return "other", lambda msg: setattr(msg, "categories", [*msg.categories, *names])
        return "other", lambda msg: setattr(msg, "categories", names)
    if uri == "item:Flag" and kind == "SetItemField":
        status = _FLAG_STATUS.get(container.findtext(f"{t('Flag')}/{t('FlagStatus')}") or "")
        if status is None:
            raise EwsError(_INVALID, "FlagStatus must be NotFlagged, Flagged or Complete.")
        return "other", lambda msg: setattr(msg, "flag_status", status)
    if uri == "item:Importance" and kind == "SetItemField":
        importance = _text(container, "Importance")
        return "other", lambda msg: setattr(msg, "importance", importance)
    raise EwsError(_INVALID, f"{kind} of {uri} is not supported by this server.")


def _text(container: etree._Element, name: str) -> str:
    found = container.find(t(name))
    if found is None:
        raise EwsError(_INVALID, f"The update carries no {name}.")
    return found.text or ""


def _extended_step(kind: str, path: ExtendedPath, container: Any) -> Change:
    if kind == "DeleteItemField":
        return lambda msg: _set(msg, path, None)
    prop = None
    if container is not None:
        for candidate in container.iterfind(t("ExtendedProperty")):
            uri = candidate.find(t("ExtendedFieldURI"))
            if uri is not None and parse_extended(uri).key == path.key:
                prop = candidate
    if prop is None:
        raise EwsError(_INVALID, "The update carries no value for the extended property.")
    value = parse_value(path, prop)
    if kind == "AppendToItemField":
        if not path.multi_valued or not isinstance(value, list):
            raise EwsError("ErrorInvalidPropertyAppend", "Only multi-valued properties append.")
        added = value
        return lambda msg: _set(msg, path, [*_values(msg, path), *added])
    return lambda msg: _set(msg, path, value)


def _values(message: MessageItem, path: ExtendedPath) -> list[object]:
    current = mapi.item_property(message, path.key)
    return list(current) if isinstance(current, list) else []


def _set(message: MessageItem, path: ExtendedPath, value: object) -> None:
    try:
        mapi.set_item_property(message, path.key, value)
    except PermissionError:
        raise EwsError(_INVALID, f"The property {path.key} is read-only.") from None
