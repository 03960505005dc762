"""The live sync screen's table: a row per mailbox or folder, redrawn only where it changed.

Textual's ``DataTable`` renders every visible cell anew after any change to any
cell, and a change in the number of rows lays out the whole screen. Updated four
times a second while 8 mailboxes synced, that was most of the UI's CPU and the
source of its slowest answers to keys (``bench.tui_bench``: rendering was 64% of
the UI thread; its discarded strips fed 50-100 ms garbage collections). This table
keeps one rendered line per row and renders a row again only when its text,
its place or the cursor on it changed; its height is fixed by the screen, so
rows coming and going never move any other widget.
"""

from __future__ import annotations

from typing import ClassVar

from rich.cells import cell_len, set_cell_size
from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import Binding, BindingType
from textual.geometry import Region
from textual.message import Message
from textual.strip import Strip
from textual.widget import Widget

from exsync_tui.ui import binding_ids as ids

Cells = tuple[str, ...]
Row = tuple[str, Cells]
"""A row: its key, and the text of each column."""

_PADDING = 1
"""Blank cells on each side of a column's text, as DataTable draws them."""


def column_widths(headings: Cells, rows: list[Row], width: int) -> tuple[int, ...]:
    """Each column as wide as its widest text, the last one taking what is left of ``width``."""
    widths = [cell_len(heading) for heading in headings]
    for _, cells in rows:
        for index, cell in enumerate(cells[:-1]):
            widths[index] = max(widths[index], cell_len(cell))
    used = sum(widths[:-1]) + 2 * _PADDING * (len(widths) - 1)
    widths[-1] = max(0, width - used - 2 * _PADDING)
    return tuple(widths)


def row_text(cells: Cells, widths: tuple[int, ...], width: int) -> str:
    """One row as the terminal shows it: padded columns, cut at ``width`` cells."""
    pad = " " * _PADDING
    line = "".join(
        pad + set_cell_size(cell, size) + pad for cell, size in zip(cells, widths, strict=True)
    )
    return set_cell_size(line, width)


class SyncTable(Widget, can_focus=True):
    """Mailbox and folder rows with a cursor; ``enter`` or a click on the cursor row selects it."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {"sync-table--header", "sync-table--cursor"}
    DEFAULT_CSS = """
    SyncTable {
        background: $surface;
        color: $foreground;
        & > .sync-table--header {
            text-style: bold;
            background: $panel;
            color: $foreground;
        }
        &:ansi > .sync-table--header {
            background: ansi_bright_blue;
            color: ansi_default;
        }
        & > .sync-table--cursor {
            background: $block-cursor-blurred-background;
            color: $block-cursor-blurred-foreground;
            text-style: $block-cursor-blurred-text-style;
        }
        &:focus {
            background-tint: $foreground 5%;
            & > .sync-table--header {
                background-tint: $foreground 5%;
            }
            & > .sync-table--cursor {
                background: $block-cursor-background;
                color: $block-cursor-foreground;
                text-style: $block-cursor-text-style;
            }
        }
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up", "move(-1)", "Up", show=False, id=ids.ROW_UP),
        Binding("down", "move(1)", "Down", show=False, id=ids.ROW_DOWN),
        Binding("pageup", "page(-1)", "Page up", show=False, id=ids.ROW_PAGE_UP),
        Binding("pagedown", "page(1)", "Page down", show=False, id=ids.ROW_PAGE_DOWN),
        Binding("home", "jump(0)", "First row", show=False, id=ids.ROW_FIRST),
        Binding("end", "jump(-1)", "Last row", show=False, id=ids.ROW_LAST),
        Binding("enter", "select", "Select", show=False, id=ids.ROW_SELECT),
    ]

    class RowSelected(Message):
        """``enter`` (or a click) on the row under the cursor."""

        def __init__(self, table: SyncTable, key: str) -> None:
            super().__init__()
            self.table = table
            self.key = key

        @property
        def control(self) -> SyncTable:
            """The table the row belongs to."""
            return self.table

    def __init__(self, headings: Cells, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.headings = headings
        self.rows: list[Row] = []
        self.cursor = 0
        self._top = 0
        """The first row in view."""
        self._widths: tuple[int, ...] = ()
        self._widths_for: tuple[int, int] = (-1, -1)
        """The width and the rows' version the column widths were measured for."""
        self._version = 0
        self._lines: dict[str, tuple[object, Strip]] = {}
        """Each row's last rendered line, with what it was rendered from."""
        self._styles: tuple[Style, Style, Style] | None = None
        """Plain rows, headings and the cursor row, until the CSS that makes them changes."""

    # ------------------------------------------------------------------ data

    @property
    def cursor_key(self) -> str | None:
        """The key of the row under the cursor, if there are rows."""
        return self.rows[self.cursor][0] if self.rows else None

    def set_rows(self, rows: list[Row]) -> None:
        """Show ``rows``; the cursor stays on the same key when it is still there."""
        if rows == self.rows:
            return
        width = self.size.width
        before, top, widths = self.rows, self._top, self._column_widths(width)
        keys = [key for key, _ in rows]
        selected = self.cursor_key
        self.rows = list(rows)
        self._version += 1
        kept = set(keys)
        self._lines = {key: line for key, line in self._lines.items() if key in kept}
        self._place_cursor(keys.index(selected) if selected in keys else self.cursor)
        same_places = top == self._top and [key for key, _ in before] == keys
        if not same_places or self._column_widths(width) != widths:
            self.refresh()
            return
        # The usual repaint: the same rows, some with new figures. Only their lines.
        for index in range(top, min(len(rows), top + self._rows_in_view())):
            if rows[index] != before[index]:
                self.refresh(Region(0, 1 + index - top, width, 1))

    def _place_cursor(self, index: int) -> None:
        self.cursor = max(0, min(index, len(self.rows) - 1))
        shown = self._rows_in_view()
        if self.cursor < self._top:
            self._top = self.cursor
        elif shown and self.cursor >= self._top + shown:
            self._top = self.cursor - shown + 1
        self._top = max(0, min(self._top, max(0, len(self.rows) - shown)))

    def _rows_in_view(self) -> int:
        return max(1, self.size.height - 1)  # the first line is the headings

    # ------------------------------------------------------------------ drawing

    def on_resize(self) -> None:
        """Keep the cursor in view at the new height, and draw the rows in view now."""
        self._place_cursor(self.cursor)
        # The first frame at the new size was drawn before this event: with the old first
        # row in view, which later updates of single rows would not correct.
        self.refresh()

    def on_focus(self) -> None:
        """The cursor looks different with focus."""
        self.refresh()

    def on_blur(self) -> None:
        """The cursor looks different without focus."""
        self.refresh()

    def notify_style_update(self) -> None:
        """Focus, a theme or the CSS changed: look the styles up again."""
        super().notify_style_update()
        self._styles = None

    def _looked_up_styles(self) -> tuple[Style, Style, Style]:
        # Each lookup walks the widget's parents: once per style change, not once per line.
        if self._styles is None:
            base = self.rich_style
            self._styles = (
                base,
                base + self.get_component_rich_style("sync-table--header"),
                base + self.get_component_rich_style("sync-table--cursor"),
            )
        return self._styles

    def render_line(self, y: int) -> Strip:
        """The headings on the first line, then the rows from the first in view."""
        width = self.size.width
        widths = self._column_widths(width)
        base, header, cursor = self._looked_up_styles()
        if y == 0:
            return self._strip(self._headings_line(widths, width), header)
        index = self._top + y - 1
        if index >= len(self.rows):
            return Strip.blank(width, base)
        key, cells = self.rows[index]
        style = cursor if index == self.cursor else base
        source = (cells, style, width)
        cached = self._lines.get(key)
        if cached is not None and cached[0] == source:
            return cached[1]
        strip = self._strip(row_text(cells, widths, width), style)
        self._lines[key] = (source, strip)
        return strip

    def _column_widths(self, width: int) -> tuple[int, ...]:
        if self._widths_for != (width, self._version):
            self._widths_for = (width, self._version)
            widths = column_widths(self.headings, self.rows, width)
            if widths != self._widths:
                self._widths = widths
                self._lines.clear()  # every row's columns moved
        return self._widths

    def _headings_line(self, widths: tuple[int, ...], width: int) -> str:
        line = row_text(self.headings, widths, width)
        shown = self._rows_in_view()
        if len(self.rows) <= shown:
            return line
        # Rows beyond the table's height: say which are shown, as a scrollbar would, at the
        # right end of the line, where no column can squeeze it out.
        last = min(len(self.rows), self._top + shown)
        note = f" rows {self._top + 1}–{last} of {len(self.rows)} "
        if cell_len(note) >= width:
            return line
        return set_cell_size(line, width - cell_len(note)) + note

    @staticmethod
    def _strip(text: str, style: Style) -> Strip:
        return Strip([Segment(text, style)], cell_len(text))

    # ------------------------------------------------------------------ moving

    def _move_to(self, index: int) -> None:
        if not self.rows:
            return
        self._place_cursor(index)
        self.refresh()

    def action_move(self, step: int) -> None:
        """The cursor up or down a row."""
        self._move_to(self.cursor + step)

    def action_page(self, pages: int) -> None:
        """The cursor up or down a table's height."""
        self._move_to(self.cursor + pages * self._rows_in_view())

    def action_jump(self, index: int) -> None:
        """The cursor to the first row (0) or the last (-1)."""
        self._move_to(index if index >= 0 else len(self.rows) - 1)

    def action_select(self) -> None:
        """Say which row was chosen."""
        if self.rows:
            self.post_message(self.RowSelected(self, self.rows[self.cursor][0]))

    def on_click(self, event: events.Click) -> None:
        """A click moves the cursor to a row; a click on the cursor's row selects it."""
        index = self._top + event.y - 1
        if event.y < 1 or index >= len(self.rows):
            return
        if index == self.cursor:
            self.action_select()
        else:
            self._move_to(index)

    def on_mouse_scroll_down(self, event: events.MouseScrollDown) -> None:
        """The wheel moves the cursor, and the rows in view with it."""
        event.stop()
        self.action_move(1)

    def on_mouse_scroll_up(self, event: events.MouseScrollUp) -> None:
        """The wheel moves the cursor, and the rows in view with it."""
        event.stop()
        self.action_move(-1)
