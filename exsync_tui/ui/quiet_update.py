"""Updating a text widget without laying out the whole screen again.

``Static.update`` asks for a layout of the screen on every call, and a layout
repaints every widget on it. The sync repaint updates a line or two four times
a second on the dashboard and the live sync screen: laid out each time, that
was the largest part of the UI's CPU while 8 mailboxes synced
(``bench.tui_bench``). Only a change of height needs a layout.
"""

from __future__ import annotations

from textual.widgets import Static


def update_text(widget: Static, text: str) -> None:
    """``widget.update(text)``: nothing if unchanged, a layout only if its height changes."""
    if widget.content == text:
        return
    width, height = widget.content_size
    widget.update(text, layout=False)
    widget.clear_cached_dimensions()
    if not width or widget.get_content_height(widget.size, widget.app.size, width) != height:
        widget.refresh(layout=True)
