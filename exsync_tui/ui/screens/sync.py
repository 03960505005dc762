"""The live sync screen: a row per mailbox (folders on demand), an overall bar and a log.

It only reads the app's :class:`~exsync_tui.ui.sync_board.SyncBoard`, a few
times a second, so leaving it stops nothing and reopening it shows everything.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.widgets import Footer, Header, Label, Log, Static

from exsync_tui.core.sync.describe import human_bytes
from exsync_tui.ui import binding_ids as ids
from exsync_tui.ui.bindings_refresh import refresh_bindings_if_changed
from exsync_tui.ui.quiet_update import update_text
from exsync_tui.ui.screens.base import ReportsWorkerFailures
from exsync_tui.ui.sync_board import MailboxRow, RunState
from exsync_tui.ui.sync_presenters import (
    bar,
    folder_line,
    items_text,
    mailbox_line,
    speed_text,
    state_text,
    summary_lines,
)
from exsync_tui.ui.widgets.sync_table import Row, SyncTable

if TYPE_CHECKING:
    from exsync_tui.ui.app import ExsyncApp

_FOLDER = "\0"
"""Separates a mailbox from a folder in a row key (neither name can hold it)."""


class SyncScreen(ReportsWorkerFailures, Screen[None]):
    """Every mailbox of this session's syncs, live; cancel, help on failures, save the log."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("c", "cancel", "Cancel", id=ids.SYNC_CANCEL),
        Binding("escape", "escape", "Cancel, or back when done", show=False, id=ids.SYNC_ESCAPE),
        Binding("b", "back", "Back (sync goes on)", id=ids.SYNC_BACK),
        Binding("space", "folders", "Folders", id=ids.SYNC_FOLDERS),
        Binding("w", "save_log", "Save log", id=ids.SYNC_SAVE_LOG),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.expanded: set[str] = set()
        self._logged = 0
        self._parts: tuple[Static, SyncTable, Log] | None = None
        """The overall line, the table and the log, once composed."""

    @property
    def exsync(self) -> ExsyncApp:
        """The app, typed."""
        return self.app  # type: ignore[return-value]

    def compose(self) -> ComposeResult:
        """Overall line, the mailbox table, the log and the footer."""
        yield Header()
        yield Static("", id="sync-overall")
        yield SyncTable(("Mailbox", "State", "Progress", "Details"), id="sync-rows")
        yield Label("Log", classes="section-title", id="sync-log-title")
        yield Log(id="sync-log", max_lines=5000)
        yield Footer(compact=True)

    def on_mount(self) -> None:
        """Show the board as it is now; the app's timer repaints from then on."""
        self._parts = (
            self.query_one("#sync-overall", Static),
            self.query_one(SyncTable),
            self.query_one("#sync-log", Log),
        )
        self.show_sync()
        self._parts[1].focus()

    def on_screen_resume(self) -> None:
        """Shown again (a dialog closed): catch up with what the board did meanwhile."""
        self.show_sync()

    # ------------------------------------------------------------------ showing

    def show_sync(self) -> None:
        """Repaint the overall line, the rows and any new log lines."""
        if self._parts is None or not self._parts[1].is_attached:
            return  # composing, or already being dismissed
        overall_line, table, log = self._parts
        board = self.exsync.syncs.board
        now = board.clock()
        with board.lock:
            rows = list(board.mailboxes.values())
            new_lines = board.log[self._logged :]
            self._logged = len(board.log)
            cells = self._cells(rows, now)
            overall = self._overall(rows, now)
        update_text(overall_line, overall)
        table.set_rows(cells)
        if new_lines:
            log.write_lines(new_lines)
        refresh_bindings_if_changed(self)

    def _overall(self, rows: list[MailboxRow], now: float) -> str:
        finished = [row for row in rows if not row.active]
        items = sum(row.items_done for row in rows)
        byte_count = sum(row.bytes_done for row in rows)
        if rows and len(finished) == len(rows):
            cancelled = any(row.state is RunState.CANCELLED for row in rows)
            heading = "Stopped: what was synced is kept." if cancelled else "Done."
            return f"{heading} (escape goes back)\n" + "\n".join(summary_lines(rows, now))
        started = min((row.started for row in rows), default=now)
        speed = speed_text(items, byte_count, now - started)
        return (
            f"Overall {bar(len(finished), len(rows), 20)} {len(finished)} of {len(rows)} "
            f"mailboxes finished · {items:,} items · {human_bytes(byte_count)}"
            + (f" · {speed}" if speed else "")
        )

    def _cells(self, rows: list[MailboxRow], now: float) -> list[Row]:
        cells: list[Row] = []
        for row in rows:
            mark = "▾" if row.profile in self.expanded else "▸"
            progress = (
                f"{bar(row.items_done, row.total)} {items_text(row.items_done, row.total)}".strip()
                if row.active
                else bar(1, 1)
                if row.state is RunState.DONE
                else ""
            )
            cells.append(
                (
                    row.profile,
                    (f"{mark} {row.profile}", state_text(row), progress, mailbox_line(row, now)),
                )
            )
            if row.profile not in self.expanded:
                continue
            for folder in row.folders.values():
                progress = bar(1, 1)
                if not folder.finished:
                    done, total = folder.done, folder.total
                    progress = f"{bar(done, total)} {items_text(done, total)}".strip()
                cells.append(
                    (
                        f"{row.profile}{_FOLDER}{folder.name}",
                        (f"    {folder.name}", "", progress, folder_line(folder, now)),
                    )
                )
        return cells

    def selected_key(self) -> str | None:
        """The key of the row under the cursor (``mailbox`` or ``mailbox\\0folder``)."""
        return self._parts[1].cursor_key if self._parts is not None else None

    def selected_mailbox(self) -> MailboxRow | None:
        """The mailbox of the row under the cursor (a folder row counts as its mailbox)."""
        key = self.selected_key()
        if key is None:
            return None
        return self.exsync.syncs.board.row(key.split(_FOLDER, 1)[0])

    # ------------------------------------------------------------------ actions

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Cancel only while something runs; folders and save need something to show."""
        if action == "cancel":
            return bool(self.exsync.syncs.board.active())
        if action == "folders":
            return self.selected_mailbox() is not None
        return True

    def action_cancel(self) -> None:
        """Stop every running sync of this screen (each keeps what it finished)."""
        stopping = self.exsync.syncs.stop()
        if stopping:
            self.notify(
                f"Stopping {', '.join(stopping)}: what is synced so far is kept, and the "
                "next sync resumes from there.",
                title="Cancelling",
            )

    def action_escape(self) -> None:
        """Cancel while syncs run; once all are over, go back."""
        if self.exsync.syncs.board.active():
            self.action_cancel()
        else:
            self.action_back()

    def action_back(self) -> None:
        """Back to the dashboard; syncs go on (v shows this screen again)."""
        self.dismiss(None)

    def action_folders(self) -> None:
        """Show or hide the folders of the selected mailbox."""
        row = self.selected_mailbox()
        if row is None:
            return
        self.expanded ^= {row.profile}
        self.show_sync()

    def on_sync_table_row_selected(self, event: SyncTable.RowSelected) -> None:
        """``enter``: the error help on a failed mailbox, else show or hide its folders."""
        row = self.selected_mailbox()
        if row is not None and row.state is RunState.FAILED and row.topic:
            self._help(row)
        else:
            self.action_folders()

    def _help(self, row: MailboxRow) -> None:
        from exsync_tui.ui.flows import sync_failure_help

        sync_failure_help(self.exsync, row)

    def action_save_log(self) -> None:
        """Ask where, then write the log there (readable by you only)."""
        from exsync_tui.ui.report import SaveReportDialog

        board = self.exsync.syncs.board
        with board.lock:
            text = "\n".join(board.log) + "\n"

        def chosen(path: str | None) -> None:
            if path:
                self.run_worker(lambda: self._write(path, text), name="save-log",
                                group="save-log", thread=True, exit_on_error=False)  # fmt: skip

        dialog = SaveReportDialog(
            "~/exsync-sync-log.txt", "Save the sync log", "What each sync did, as shown here."
        )
        self.app.push_screen(dialog, chosen)

    def _write(self, path_text: str, text: str) -> None:
        from exsync_tui.core.files import atomic_write_text

        target = Path(path_text).expanduser()
        atomic_write_text(target, text)
        self.app.call_from_thread(self.notify, f"Log saved to {target}", title="Saved")
