"""The first screen: a table of mailboxes with their status, and the actions on them."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Static
from textual.widgets.data_table import ColumnKey

from exsync_tui.core.profiles import Config, Profile
from exsync_tui.ui import binding_ids as ids
from exsync_tui.ui.presenters import ago, mailbox_kind, mailbox_status
from exsync_tui.ui.screens.base import ReportsWorkerFailures

if TYPE_CHECKING:
    from exsync_tui.ui.app import ExsyncApp

EMPTY_TEXT = (
    "No mailboxes yet.\n\n"
    "Press [b]a[/b] to add one. An email address and a password are usually "
    "enough: exsync finds the server by itself (autodiscover). If it cannot, "
    "the advanced settings take the server, user name and more.\n\n"
    "Just looking? Quit with [b]q[/b] and run [b]exsync demo[/b] (or "
    "[b]make demo[/b]): it starts a built-in test Exchange server with a few "
    "mailboxes and never touches your real settings."
)

_PROFILE_ACTIONS = frozenset({"edit", "diagnose", "remove"})


class DashboardScreen(ReportsWorkerFailures, Screen[None]):
    """Mailboxes: name, address, kind, status and when each was last verified."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("a", "add", "Add", id=ids.ADD),
        Binding("e", "edit", "Edit", id=ids.EDIT),
        Binding("d", "diagnose", "Diagnose", id=ids.DIAGNOSE),
        Binding("x", "remove", "Remove", id=ids.REMOVE),
    ]

    @property
    def exsync(self) -> ExsyncApp:
        """The app, typed."""
        return self.app  # type: ignore[return-value]

    def compose(self) -> ComposeResult:
        """Header, optional demo hint, the table (or the empty text), the detail line, footer."""
        yield Header()
        if self.exsync.context.demo_hint:
            yield Static(self.exsync.context.demo_hint, id="demo-hint")
        yield Static(EMPTY_TEXT, id="empty")
        table: DataTable[str | Text] = DataTable(
            id="mailboxes", cursor_type="row", zebra_stripes=True
        )
        table.add_column("Name", key="name")
        table.add_column("Address", key="address")
        table.add_column("Kind", key="kind")
        table.add_column("Status", key="status")
        table.add_column("Verified", key="verified")
        yield table
        yield Static("", id="detail")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        """Fill the table from whatever config the app holds now."""
        self.show_config(self.exsync.config)

    # ------------------------------------------------------------------ showing

    def show_config(self, config: Config) -> None:
        """Redraw the table from ``config``, keeping the cursor on the same mailbox."""
        table = self.query_one("#mailboxes", DataTable)
        selected = self.selected_profile()
        now = self.exsync.context.clock()
        table.clear()
        for profile in config.profiles.values():
            table.add_row(
                profile.name,
                Text(profile.email, overflow="ellipsis", no_wrap=True),
                mailbox_kind(profile),
                mailbox_status(profile),
                ago(profile.metadata.last_verified, now),
                key=profile.name,
            )
        self._fit_columns()
        has_rows = bool(config.profiles)
        table.display = has_rows
        self.query_one("#empty").display = not has_rows and self.exsync.config_loaded
        self.query_one("#detail").display = has_rows
        if selected is not None and selected.name in config.profiles:
            table.move_cursor(row=table.get_row_index(selected.name))
        if has_rows:
            table.focus()
        self._show_detail()
        self.refresh_bindings()

    def on_resize(self) -> None:
        """Keep the table within the terminal's width."""
        self._fit_columns()

    def _fit_columns(self) -> None:
        """Shorten the address column (with an ellipsis) when the table would not fit.

        The whole address stays readable in the detail lines below the table.
        """
        table = self.query_one("#mailboxes", DataTable)
        address = table.columns.get(ColumnKey("address"))
        if address is None:
            return
        padding = 2 * table.cell_padding * len(table.columns)
        others = sum(
            column.content_width if column.auto_width else column.width
            for key, column in table.columns.items()
            if key != ColumnKey("address")
        )
        room = self.size.width - others - padding - 4
        longest = max((len(p.email) for p in self.exsync.config.profiles.values()), default=7)
        if room < longest:
            address.auto_width = False
            address.width = max(room, 10)
        else:
            address.auto_width = True
        table.refresh()

    def selected_profile(self) -> Profile | None:
        """The mailbox under the cursor, if any."""
        table = self.query_one("#mailboxes", DataTable)
        if not table.row_count:
            return None
        try:
            row_key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key
        except Exception:  # the cursor sits outside a table that was just cleared
            return None
        return self.exsync.config.profiles.get(str(row_key.value))

    def _show_detail(self) -> None:
        profile = self.selected_profile()
        detail = self.query_one("#detail", Static)
        if profile is None:
            detail.update("")
            return
        meta = profile.metadata
        server = meta.ews_url or profile.ews_url or profile.server or "found by autodiscover"
        version = f" ({meta.server_version})" if meta.server_version else ""
        lines = [
            f"[b]{profile.name}[/b] · {profile.email} · {mailbox_kind(profile)} · "
            f"{mailbox_status(profile)}",
            f"Server: {server}{version}",
        ]
        if meta.last_error_topic:
            lines.append("Press d to diagnose and see what to try.")
        detail.update("\n".join(lines))

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        """Follow the cursor with the detail line."""
        self._show_detail()

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        """``enter`` on a row edits that mailbox."""
        self.action_edit()

    # ------------------------------------------------------------------ actions

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Mailbox actions only show when a mailbox is selected."""
        if action in _PROFILE_ACTIONS:
            return self.selected_profile() is not None
        return True

    def action_add(self) -> None:
        """Open the connect screen for a new mailbox."""
        from exsync_tui.ui.screens.connect import ConnectScreen

        self.app.push_screen(ConnectScreen())

    def action_edit(self) -> None:
        """Open the connect screen on the selected mailbox."""
        from exsync_tui.ui.screens.connect import ConnectScreen

        profile = self.selected_profile()
        if profile is not None:
            self.app.push_screen(ConnectScreen(profile))

    def action_diagnose(self) -> None:
        """Run the connection doctor on the selected mailbox and show the result."""
        from exsync_tui.ui.flows import diagnose_profile

        profile = self.selected_profile()
        if profile is not None:
            diagnose_profile(self.exsync, profile)

    def action_remove(self) -> None:
        """Ask, then remove the selected mailbox (optionally purging its data)."""
        from exsync_tui.ui.flows import remove_profile

        profile = self.selected_profile()
        if profile is not None:
            remove_profile(self.exsync, profile)
