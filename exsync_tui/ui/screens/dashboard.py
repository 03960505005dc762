"""The first screen: a table of mailboxes with their status, and the actions on them."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Static

from exsync_tui.core.diagnose.m365_topics import SIGN_IN_TOPICS
from exsync_tui.core.m365.settings import MICROSOFT_GRAPH_URL
from exsync_tui.core.profiles import Config, ConnectionMode, Profile
from exsync_tui.core.profiles.retention import retention_notice
from exsync_tui.core.sync.record import LocalCounts
from exsync_tui.ui import binding_ids as ids
from exsync_tui.ui.bindings_refresh import refresh_bindings_if_changed
from exsync_tui.ui.dashboard_columns import COLUMNS, ColumnPlan, natural_widths, plan_columns
from exsync_tui.ui.keymap import restyle_bindings
from exsync_tui.ui.m365_flow import m365_health_line
from exsync_tui.ui.periodic import next_run
from exsync_tui.ui.presenters import ago, mailbox_kind
from exsync_tui.ui.quiet_update import update_text
from exsync_tui.ui.screens.base import ReportsWorkerFailures
from exsync_tui.ui.sync_presenters import dashboard_status, mailbox_line

if TYPE_CHECKING:
    from exsync_tui.ui.app import ExsyncApp

EMPTY_TEXT = (
    "No mailboxes yet.\n\n"
    "Press [b]a[/b] to add one. An email address and a password are usually "
    "enough: exsync finds the server by itself (autodiscover). If it cannot, "
    "the advanced settings take the server, user name and more."
)
TRY_THE_DEMO = (
    "\n\nJust looking? Quit with [b]q[/b] and run [b]exsync demo[/b] (or "
    "[b]make demo[/b]): it starts a built-in test Exchange server with a few "
    "mailboxes and never touches your real settings."
)

FOOTER_IF_ROOM = (
    (100, frozenset({ids.TOGGLE_ENABLED, ids.REMOVE, ids.SIGN_IN})),
    (80, frozenset({ids.SYNC_ALL, ids.SHOW_SYNC})),
)
"""Narrower than each width, the footer leaves out those keys, whole (? lists them all)."""
_PROFILE_ACTIONS = frozenset({"edit", "diagnose", "remove"})
_CELLS = ("status", "synced", "local")
NARROW = 100
"""Below this width the status leaves out "error:" (the detail line says it in full)."""


class DashboardScreen(ReportsWorkerFailures, Screen[None]):
    """Mailboxes: name, address, status, when each last synced and what it holds locally."""

    _plan = ColumnPlan(())

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("s", "sync", "Sync", id=ids.SYNC),
        Binding("S", "sync_all", "Sync all", id=ids.SYNC_ALL, key_display="S"),
        Binding("v", "show_sync", "View sync", id=ids.SHOW_SYNC),
        Binding("a", "add", "Add", id=ids.ADD),
        Binding("e", "edit", "Edit", id=ids.EDIT),
        Binding("d", "diagnose", "Diagnose", id=ids.DIAGNOSE),
        Binding("t", "toggle_enabled", "On/off", id=ids.TOGGLE_ENABLED),
        Binding("x", "remove", "Remove", id=ids.REMOVE),
        Binding("i", "sign_in", "Sign in", id=ids.SIGN_IN),
    ]

    def __init__(self) -> None:
        super().__init__()
        # Microsoft 365 sign-in lines by profile id: read from the keyring off the UI thread.
        self.m365_health: dict[str, str] = {}
        self._stale = False
        """The config changed while another screen hid this one: redraw on return."""

    @property
    def exsync(self) -> ExsyncApp:
        """The app, typed."""
        return self.app  # type: ignore[return-value]

    def compose(self) -> ComposeResult:
        """Header, optional demo hint, the table (or the empty text), the detail line, footer."""
        yield Header()
        if self.exsync.context.demo_hint:
            yield Static("", id="demo-hint")
        # Inside the demo, "run exsync demo" would send the visitor in a circle.
        in_demo = bool(self.exsync.context.demo_hint)
        yield Static(EMPTY_TEXT + ("" if in_demo else TRY_THE_DEMO), id="empty")
        yield DataTable(id="mailboxes", cursor_type="row", zebra_stripes=True)
        yield Static("", id="detail")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        """Fill the table from whatever config the app holds now."""
        self.show_config(self.exsync.config)

    # ------------------------------------------------------------------ showing

    def config_changed(self) -> None:
        """Redraw from the app's config now if this screen is seen, else when it shows again."""
        if self in self.exsync.visible_screens():
            self.show_config(self.exsync.config)
        else:
            self._stale = True

    def on_screen_resume(self) -> None:
        """Back on top: catch up with what changed while hidden (config, sync progress)."""
        if self._stale:
            self.show_config(self.exsync.config)
        else:
            self.show_sync()

    def show_config(self, config: Config) -> None:
        """Redraw the table from ``config``, keeping the cursor on the same mailbox."""
        self._stale = False
        table = self.query_one("#mailboxes", DataTable)
        selected = self.selected_profile()
        now = self.exsync.context.clock()
        self.m365_health.clear()  # a sign-in or a sync may have changed it
        rows = {profile.name: self._row(profile, now) for profile in config.profiles.values()}
        self._plan = self._fit(rows)
        table.clear(columns=True)
        headings = dict(COLUMNS)
        for key, width in self._plan.widths:
            table.add_column(headings[key], key=key, width=width)
        for name, row in rows.items():
            table.add_row(*(_cell(key, row[key]) for key in self._plan.keys), key=name)
        self._show_demo_hint(config)
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

    def _show_demo_hint(self, config: Config) -> None:
        """The demo's hint as the config is now (it names only what is still to try)."""
        hint = self.exsync.context.demo_hint
        if hint and self.query("#demo-hint"):
            text = hint(config) if callable(hint) else hint
            self.query_one("#demo-hint", Static).update(text)

    def _row(self, profile: Profile, now: datetime) -> dict[str, str]:
        """Every column's text for one mailbox."""
        syncs = self.exsync.syncs
        held = syncs.local.get(profile.name)
        status = dashboard_status(profile, syncs.board.row(profile.name), now)
        if self.size.width < NARROW:
            status = status.replace("✗ error: ", "✗ ")
        return {
            "name": profile.name,
            "address": profile.email,
            "status": status,
            "synced": ago(profile.metadata.last_synced, now),
            "local": f"{held.messages:,} · {held.events:,}" if held else "–",
        }

    def _fit(self, rows: dict[str, dict[str, str]]) -> ColumnPlan:
        table = self.query_one("#mailboxes", DataTable)
        # A vertical scrollbar may take two cells once the rows outgrow the table.
        room = self.size.width - 2
        return plan_columns(natural_widths(list(rows.values())), room, 2 * table.cell_padding)

    def show_sync(self) -> None:
        """Repaint what syncing changes (a few times a second while syncs run)."""
        if not self.query("#mailboxes"):
            return  # composing, or already being dismissed
        table = self.query_one("#mailboxes", DataTable)
        now = self.exsync.context.clock()
        profiles = self.exsync.config.profiles.values()
        rows = {p.name: self._row(p, now) for p in profiles if p.name in table.rows}
        if self._fit(rows) != self._plan:
            self.show_config(self.exsync.config)  # a wider status: lay the columns out anew
            return
        for name, row in rows.items():
            for key in _CELLS:
                if key in self._plan.keys:
                    table.update_cell(name, key, _cell(key, row[key]))
        self._show_detail()
        refresh_bindings_if_changed(self)

    def on_resize(self) -> None:
        """Keep the table, and the footer's keys, within the terminal's width."""
        for width, binding_ids in FOOTER_IF_ROOM:
            restyle_bindings(self, binding_ids, show=self.size.width >= width)
        self.refresh_bindings()
        self.show_config(self.exsync.config)

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
            update_text(detail, "")
            return
        meta = profile.metadata
        now = self.exsync.context.clock()
        if profile.mode is ConnectionMode.OFFICE365:  # Graph, never EWS's autodiscover
            server = f"Microsoft Graph at {profile.office365.graph_url or MICROSOFT_GRAPH_URL}"
        else:
            server = meta.ews_url or profile.ews_url or profile.server or "found by autodiscover"
        version = f" ({meta.server_version})" if meta.server_version else ""
        row = self.exsync.syncs.board.row(profile.name)
        lines = [
            f"[b]{profile.name}[/b] · {profile.email} · {mailbox_kind(profile)} · "
            f"{dashboard_status(profile, row, now)}",
            f"Server: {server}{version}",
            f"Last sync: {_exact(meta.last_synced)} · verified: {_exact(meta.last_verified)}"
            + _held_text(self.exsync.syncs.local.get(profile.name)),
        ]
        if profile.mode is ConnectionMode.OFFICE365:
            lines.append(m365_health_line(self, profile))
        upcoming = next_run(profile, self.exsync.syncs.attempts.get(profile.id))
        if upcoming is not None:
            when = "now" if upcoming <= now else f"at {_exact(upcoming)}"
            lines.append(f"Syncs every {profile.sync_interval_minutes} min; next {when}")
        notice = retention_notice(profile, now)
        if notice is not None:
            lines.append(f"{notice.text().capitalize()}; t enables it again.")
        elif row is not None and row.active:
            progress = mailbox_line(row, self.exsync.syncs.board.clock())
            lines.append(f"Syncing: {progress}")
        elif row is not None and row.topic in SIGN_IN_TOPICS:
            lines.append(f"The last sync needs a sign-in: press {self.sign_in_key()} to sign in.")
        elif row is not None and row.topic and row.topic != "cancelled":
            lines.append(f"The last sync failed ({row.topic}): v, then enter, shows what to try.")
        elif meta.last_error_topic:
            lines.append("Press d to diagnose and see what to try.")
        elif meta.last_synced is None:
            lines.append("Never synced: press s to copy its mail and calendars here.")
        update_text(detail, "\n".join(lines))

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        """Follow the cursor with the detail line."""
        self._show_detail()

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        """``enter`` on a row edits that mailbox."""
        self.action_edit()

    # ------------------------------------------------------------------ actions

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Mailbox actions only show when a mailbox is selected."""
        profile = self.selected_profile()
        syncs = self.exsync.syncs
        if action in _PROFILE_ACTIONS:
            return profile is not None
        if action == "sync":
            return profile is not None and profile.enabled and not syncs.running(profile.name)
        if action == "toggle_enabled":
            return profile is not None and not syncs.running(profile.name)
        if action == "sync_all":
            profiles = self.exsync.config.profiles.values()
            return any(p.enabled and not syncs.running(p.name) for p in profiles)
        if action == "show_sync":
            return bool(syncs.board.mailboxes)
        if action == "sign_in":
            return profile is not None and profile.mode is ConnectionMode.OFFICE365
        return True

    def sign_in_key(self) -> str:
        """The key of "sign in" as the keymap has it now, for the text that names it."""
        for bindings in self._bindings.key_to_bindings.values():
            for binding in bindings:
                if binding.id == ids.SIGN_IN:
                    return self.app.get_key_display(binding)
        return "i"

    def action_sign_in(self) -> None:
        """Sign the selected Microsoft 365 mailbox in again (the device-code dialog)."""
        from exsync_tui.ui.m365_flow import sign_in_again

        profile = self.selected_profile()
        if profile is not None and profile.mode is ConnectionMode.OFFICE365:
            sign_in_again(self.exsync, profile)

    def action_sync(self) -> None:
        """Sync the selected mailbox and show the live sync screen."""
        from exsync_tui.ui.flows import start_sync

        profile = self.selected_profile()
        if profile is not None:
            start_sync(self.exsync, [profile])

    def action_sync_all(self) -> None:
        """Sync every enabled mailbox not syncing yet, and show the live sync screen."""
        from exsync_tui.ui.flows import start_sync

        start_sync(self.exsync, list(self.exsync.config.profiles.values()))

    def action_show_sync(self) -> None:
        """Show the live sync screen again (leaving it never stopped anything)."""
        from exsync_tui.ui.flows import show_sync

        show_sync(self.exsync)

    def action_toggle_enabled(self) -> None:
        """Enable the selected mailbox, or disable it after showing the retention notice."""
        from exsync_tui.ui.flows import toggle_enabled

        profile = self.selected_profile()
        if profile is not None:
            toggle_enabled(self.exsync, profile)

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


def _cell(key: str, text: str) -> str | Text:
    """A cell: addresses end in an ellipsis when cut, counts align right."""
    if key == "address":
        return Text(text, overflow="ellipsis", no_wrap=True)
    if key == "local":
        return Text(text, justify="right")
    return text


def _exact(moment: datetime | None) -> str:
    """A moment as an exact UTC time (the table shows it relative)."""
    if moment is None:
        return "never"
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return f"{moment.astimezone(UTC):%Y-%m-%d %H:%M} UTC"


def _held_text(held: LocalCounts | None) -> str:
    """`` · held here: 4,210 messages, 86 events`` once known (nothing before a first sync)."""
    if held is None or held == LocalCounts():
        return ""
    return f" · held here: {held.messages:,} messages, {held.events:,} events"
