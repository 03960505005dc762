"""Item operations: GetItem and FindItem (indexed paging and CalendarView)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from lxml import etree

from exsync_tui.sandbox.calendar import Occurrence, occurrences
from exsync_tui.sandbox.ews.context import EwsContext, EwsError
from exsync_tui.sandbox.ews.fields import Getter, item_field, path_of
from exsync_tui.sandbox.ews.render import render_stored_item
from exsync_tui.sandbox.ews.render_calendar import find_occurrence, render_event
from exsync_tui.sandbox.ews.restrictions import compile_restriction
from exsync_tui.sandbox.ews.shapes import DEFAULT_ITEM_FIELDS, Shape, parse_shape
from exsync_tui.sandbox.ews.soap import bool_text, error, m, success, t
from exsync_tui.sandbox.model import CalendarEvent, MessageItem, StoredItem

_NOT_FOUND = ("ErrorItemNotFound", "The specified object was not found in the store.")
# Exchange refuses CalendarView windows longer than two years.
_MAX_VIEW = dt.timedelta(days=2 * 365 + 1)


def _item_from_ref(ctx: EwsContext, ref: etree._Element) -> tuple[StoredItem, int]:
    if ref.tag == t("ItemId"):
        return ctx.item(ref.get("Id", ""))
    if ref.tag == t("OccurrenceItemId"):
        master, _ = ctx.item(ref.get("RecurringMasterId", ""))
        return master, int(ref.get("InstanceIndex", "0"))
    if ref.tag == t("RecurringMasterItemId"):
        occurrence, _ = ctx.item(ref.get("OccurrenceId", ""))
        return occurrence, 0
    raise EwsError("ErrorInvalidIdMalformed", "Id is malformed.")


def get_item(ctx: EwsContext, request: etree._Element) -> list[str]:
    """GetItem: one response message per id, in request order."""
    shape = parse_shape(request.find(m("ItemShape")), DEFAULT_ITEM_FIELDS)
    refs = request.find(m("ItemIds"))
    messages = []
    for ref in refs if refs is not None else []:
        try:
            stored, index = _item_from_ref(ctx, ref)
            xml = _render(ctx, stored, index, shape)
        except EwsError as problem:
            messages.append(error("GetItem", problem.code, problem.message, "<m:Items/>"))
            continue
        messages.append(success("GetItem", f"<m:Items>{xml}</m:Items>"))
    return messages


def _render(ctx: EwsContext, stored: StoredItem, index: int, shape: Shape) -> str:
    folder = ctx.user.folders[stored.folder_id]
    if index and isinstance(stored, CalendarEvent):
        occurrence = find_occurrence(stored, index)
        if occurrence is None:
            raise EwsError(
                "ErrorCalendarOccurrenceIndexIsOutOfRecurrenceRange"
                if index > 0
                else _NOT_FOUND[0],
                "The occurrence index is out of range.",
            )
        return render_event(stored, folder, shape, occurrence)
    if index:
        raise EwsError(*_NOT_FOUND)
    return render_stored_item(stored, folder, shape)


def _default_order(stored: StoredItem) -> object:
    # Exchange's default view order: newest received (events: latest start) first.
    return stored.received if isinstance(stored, MessageItem) else getattr(stored, "start", None)


def _sorted_items(request: etree._Element, items: list[StoredItem]) -> list[StoredItem]:
    orders = request.findall(f"{m('SortOrder')}/{t('FieldOrder')}")
    if not orders:
        return sorted(items, key=_sort_value(_default_order), reverse=True)
    for order in reversed(orders):  # stable sorts, least significant key first
        try:
            getter = item_field(path_of(order))
        except EwsError:
            getter = _default_order
        items = sorted(items, key=_sort_value(getter), reverse=order.get("Order") == "Descending")
    return items


def _sort_value(getter: Getter) -> Callable[[StoredItem], tuple[bool, object]]:
    """Items without the property sort first; text sorts without regard to case."""

    def key(stored: StoredItem) -> tuple[bool, object]:
        value = getter(stored)
        if isinstance(value, list):
            value = value[0] if value else None
        if isinstance(value, str):
            value = value.lower()
        return (value is not None, value if value is not None else 0)

    return key


def find_item(ctx: EwsContext, request: etree._Element) -> list[str]:
    """FindItem over each parent folder (Shallow), paged or as a calendar view."""
    shape = parse_shape(request.find(m("ItemShape")), DEFAULT_ITEM_FIELDS)
    parents = request.find(m("ParentFolderIds"))
    messages = []
    for ref in parents if parents is not None else []:
        try:
            folder = ctx.folder(ref)
            restriction = request.find(m("Restriction"))
            keep = compile_restriction(restriction, item_field) if restriction is not None else None
            view = request.find(m("CalendarView"))
            if view is not None:
                messages.append(_calendar_view(ctx, folder.id, view, shape))
                continue
        except EwsError as problem:
            messages.append(error("FindItem", problem.code, problem.message))
            continue
        candidates = ctx.store.items_in(ctx.user, folder.id)
        if keep is not None:
            candidates = [item for item in candidates if keep(item)]
        items = _sorted_items(request, candidates)
        page_view = request.find(m("IndexedPageItemView"))
        offset, maximum = 0, len(items)
        if page_view is not None:
            maximum = int(page_view.get("MaxEntriesReturned", maximum) or maximum)
            offset = int(page_view.get("Offset", "0"))
            if page_view.get("BasePoint", "Beginning") == "End":
                offset = max(len(items) - offset - maximum, 0)
        page = items[offset : offset + maximum]
        last = offset + len(page) >= len(items)
        xml = "".join(render_stored_item(i, folder, shape) for i in page)
        messages.append(
            success(
                "FindItem",
                f'<m:RootFolder IndexedPagingOffset="{offset + len(page)}" '
                f'TotalItemsInView="{len(items)}" IncludesLastItemInRange="{bool_text(last)}">'
                f"<t:Items>{xml}</t:Items></m:RootFolder>",
            )
        )
    return messages


def _parse_time(value: str | None) -> dt.datetime:
    if not value:
        raise EwsError("ErrorInvalidRequest", "CalendarView needs StartDate and EndDate.")
    moment = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def _calendar_view(ctx: EwsContext, folder_id: str, view: etree._Element, shape: Shape) -> str:
    start, end = _parse_time(view.get("StartDate")), _parse_time(view.get("EndDate"))
    if end < start:
        raise EwsError("ErrorInvalidRequest", "EndDate is earlier than StartDate.")
    if end - start > _MAX_VIEW:
        raise EwsError(
            "ErrorCalendarViewRangeTooBig", "The requested calendar view range is too big."
        )
    found: list[Occurrence] = []
    for stored in ctx.store.items_in(ctx.user, folder_id):
        if isinstance(stored, CalendarEvent):
            found.extend(occurrences(stored, start, end))
    found.sort(key=lambda o: (o.start, o.event.serial))
    maximum = view.get("MaxEntriesReturned")
    total = len(found)
    if maximum is not None and total > int(maximum):
        raise EwsError(
            "ErrorCalendarViewRangeTooBig",
            "The number of calendar entries for this view exceeds MaxEntriesReturned.",
        )
    folder = ctx.user.folders[folder_id]
    xml = "".join(render_event(o.event, folder, shape, o) for o in found)
    return success(
        "FindItem",
        f'<m:RootFolder TotalItemsInView="{total}" IncludesLastItemInRange="true">'
        f"<t:Items>{xml}</t:Items></m:RootFolder>",
    )
