"""The live sync screen's table: columns, the cursor, scrolling and what it repaints."""

from __future__ import annotations

from textual.app import App, ComposeResult
from textual.geometry import Region

from exsync_tui.ui.widgets.sync_table import Row, SyncTable, column_widths, row_text
from tests.ui.helpers_ui import synchronous

HEADINGS = ("Mailbox", "State", "Progress", "Details")


def _rows(count: int) -> list[Row]:
    return [
        (f"box{n}", (f"▸ box{n}", "⟳ syncing", f"{n} items", f"detail {n}")) for n in range(count)
    ]


class _TableApp(App[None]):
    """Only the table, as tall as the test asks."""

    CSS = "SyncTable { height: 6; }"  # the headings and five rows

    def __init__(self, rows: list[Row]) -> None:
        super().__init__()
        self.rows = rows
        self.selected: list[str] = []

    def compose(self) -> ComposeResult:
        yield SyncTable(HEADINGS)

    def on_mount(self) -> None:
        table = self.query_one(SyncTable)
        table.set_rows(self.rows)
        table.focus()

    def on_sync_table_row_selected(self, event: SyncTable.RowSelected) -> None:
        self.selected.append(event.key)


def _lines(table: SyncTable) -> list[str]:
    return [table.render_line(y).text.rstrip() for y in range(table.size.height)]


def test_columns_fit_their_widest_text_and_the_last_takes_the_rest() -> None:
    rows: list[Row] = [("a", ("▸ a-long-name", "✓ done", "", "x")), ("b", ("▸ b", "", "██", "y"))]
    widths = column_widths(HEADINGS, rows, 80)
    assert widths[:3] == (len("▸ a-long-name"), len("✓ done"), len("Progress"))
    assert sum(widths) + 2 * len(widths) == 80  # one blank each side of every column
    line = row_text(rows[0][1], widths, 80)
    assert len(line) == 80 and line.startswith(" ▸ a-long-name  ✓ done")


def test_a_narrow_terminal_cuts_the_row_not_the_layout() -> None:
    rows: list[Row] = [("a", ("▸ " + "n" * 50, "⟳ syncing", "█" * 12, "details"))]
    widths = column_widths(HEADINGS, rows, 40)
    assert widths[-1] == 0  # nothing left for the details
    assert len(row_text(rows[0][1], widths, 40)) == 40


@synchronous
async def test_keys_move_the_cursor_and_the_rows_in_view_follow_it() -> None:
    app = _TableApp(_rows(12))
    async with app.run_test(size=(60, 10)) as pilot:
        table = app.query_one(SyncTable)
        await pilot.pause()
        assert "rows 1–5 of 12" in _lines(table)[0]
        await pilot.press("pagedown")
        assert table.cursor_key == "box5"
        await pilot.press("end")
        assert table.cursor_key == "box11"
        lines = _lines(table)
        assert "rows 8–12 of 12" in lines[0] and "box11" in lines[-1]
        await pilot.press("home", "down", "enter")
        assert table.cursor_key == "box1" and app.selected == ["box1"]
        assert "rows 1–5 of 12" in _lines(table)[0]


@synchronous
async def test_new_rows_keep_the_cursor_on_its_row_and_fewer_rows_keep_it_inside() -> None:
    app = _TableApp(_rows(4))
    async with app.run_test(size=(60, 10)) as pilot:
        table = app.query_one(SyncTable)
        await pilot.press("down", "down")
        assert table.cursor_key == "box2"
        # A mailbox's folders appear above the cursor's row: the cursor stays on box2.
        rows = _rows(4)
        table.set_rows([rows[0], ("box0\0INBOX", ("    INBOX", "", "", "")), *rows[1:]])
        assert table.cursor_key == "box2" and table.cursor == 3
        table.set_rows(_rows(2))  # box2 is gone: the cursor stays inside the table
        assert table.cursor_key == "box1"
        await pilot.pause()
        assert "rows" not in _lines(table)[0]  # everything fits: no "rows x–y of n"


@synchronous
async def test_an_unchanged_repaint_renders_nothing_and_a_change_renders_its_row() -> None:
    app = _TableApp(_rows(3))
    async with app.run_test(size=(60, 10)) as pilot:
        table = app.query_one(SyncTable)
        await pilot.pause()
        rendered: list[int] = []
        render_line = table.render_line

        def counting(y: int):  # type: ignore[no-untyped-def]
            rendered.append(y)
            return render_line(y)

        table.render_line = counting  # type: ignore[method-assign]
        table.set_rows(_rows(3))
        await pilot.pause()
        assert rendered == []
        changed = _rows(3)
        changed[2] = ("box2", ("▸ box2", "✓ done", "", "finished"))
        table.set_rows(changed)
        await pilot.pause()
        assert rendered == [3]  # the headings' line, then box0, box1, box2
        assert "finished" in _lines(table)[3]


@synchronous
async def test_a_taller_table_draws_the_rows_its_cursor_now_allows() -> None:
    app = _TableApp(_rows(12))
    async with app.run_test(size=(60, 14)) as pilot:
        table = app.query_one(SyncTable)
        await pilot.press("end")  # rows 8-12 in view, the cursor on the last
        table.styles.height = 9  # room for 8 rows: rows 5-12 now fit below the headings
        await pilot.pause()
        await pilot.pause()
        drawn = [strip.text for strip in table.render_lines(Region(0, 0, 60, 9))]
        assert "rows 5–12 of 12" in drawn[0]
        assert [line.split()[1] for line in drawn[1:]] == [f"box{n}" for n in range(4, 12)]
