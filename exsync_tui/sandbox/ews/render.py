"""Any stored item as EWS XML, dispatched on its type."""

from __future__ import annotations

from exsync_tui.sandbox.ews.render_calendar import render_event
from exsync_tui.sandbox.ews.render_item import render_message
from exsync_tui.sandbox.ews.shapes import Shape
from exsync_tui.sandbox.model import CalendarEvent, Folder, MessageItem, StoredItem


def render_stored_item(item: StoredItem, folder: Folder, shape: Shape) -> str:
    """A `t:Message` or a `t:CalendarItem` (the master, for recurring events)."""
    if isinstance(item, MessageItem):
        return render_message(item, folder, shape)
    if isinstance(item, CalendarEvent):
        return render_event(item, folder, shape, None)
    raise TypeError(f"cannot render {type(item).__name__}")
