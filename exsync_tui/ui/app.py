"""The Textual application: owns the config, the secret store and the cancel events.

Screens ask the app to change the config (:meth:`ExsyncApp.change_config`); the
app saves it in a worker thread and then refreshes the dashboard. Every worker
failure ends up in :meth:`ExsyncApp.show_failure`, which opens the error help.
"""

from __future__ import annotations

import functools
import gc
import threading
from collections.abc import Callable, Iterable
from dataclasses import replace
from pathlib import PurePath
from typing import Any, ClassVar

from textual import work
from textual.app import App, SystemCommand
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.theme import Theme

from exsync_tui.core.profiles import Config, ConfigChange, ConfigError, load_config, save_config
from exsync_tui.core.secrets import SecretStore
from exsync_tui.core.steps import Step
from exsync_tui.ui import binding_ids as ids
from exsync_tui.ui.background import CancelRegistry
from exsync_tui.ui.commands import MailboxCommands
from exsync_tui.ui.context import UiContext
from exsync_tui.ui.failures import diagnosis_for_exception
from exsync_tui.ui.keymap import describe_bindings, keymap_for_textual
from exsync_tui.ui.screens.base import ReportsWorkerFailures
from exsync_tui.ui.screens.dashboard import DashboardScreen
from exsync_tui.ui.screens.error_help import ErrorHelpScreen
from exsync_tui.ui.screens.keys_help import KeysHelpDialog
from exsync_tui.ui.sync_control import SyncController

SYNC_REPAINT_S = 0.25
"""How often screens repaint sync progress: events between ticks only change the board."""
PERIODIC_CHECK_S = 15.0
"""How often the app looks for mailboxes due a periodic sync (``sync_interval_minutes``)."""


@functools.cache
def _freeze_long_lived() -> None:
    """Keep what exists now out of the cycle collector's reach, once per process.

    Everything imported by then (Textual, exchangelib: ~100,000 objects) lives as long
    as the process. Left to the collector, each full collection walked them all: 50-100 ms
    stalls of the UI while syncs ran (``bench.tui_bench``). Once per process, so that a
    second app in the same process (tests) is not frozen, cycles and all, with the first.
    """
    gc.freeze()


class ExsyncApp(ReportsWorkerFailures, App[None]):
    """exsync's terminal UI: the dashboard first, everything else pushed on top of it."""

    TITLE = "exsync"
    CSS_PATH: ClassVar[list[str | PurePath]] = ["app.tcss", "dialogs.tcss", "forms.tcss"]
    COMMANDS = App.COMMANDS | {MailboxCommands}
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("q", "quit", "Quit", id=ids.QUIT),
        Binding("question_mark", "help", "Help", id=ids.HELP, key_display="?"),
        # Priority: the app moves focus the moment tab arrives, before it forwards the
        # keys behind it, so "user<tab>password<enter>" typed in one burst (password
        # managers' auto-type) lands in the right fields.
        Binding("tab", "focus_next", show=False, priority=True, id=ids.FOCUS_NEXT),
        Binding("shift+tab", "focus_previous", show=False, priority=True, id=ids.FOCUS_PREVIOUS),
    ]

    def __init__(self, context: UiContext | None = None) -> None:
        super().__init__()
        self.context = context or UiContext()
        self.cancels = CancelRegistry()
        self.config: Config = self.context.initial_config or Config()
        self.config_loaded = self.context.initial_config is not None
        self._secrets: SecretStore | None = None
        self._secrets_lock = threading.Lock()
        self._config_lock = threading.Lock()
        self.syncs = SyncController(self)
        self.last_connects: dict[str, tuple[Step, ...]] = {}
        """The steps of each mailbox's last successful connect, to show again when editing."""
        self._painted_version = -1

    # ----------------------------------------------------------------- start-up

    def on_mount(self) -> None:
        """Show the dashboard, then load the config in the background."""
        if self.context.subtitle:
            self.sub_title = self.context.subtitle
        self.push_screen(DashboardScreen())
        _freeze_long_lived()
        self.theme_changed_signal.subscribe(self, self._remember_theme)
        self.set_interval(SYNC_REPAINT_S, self.repaint_sync)
        self.set_interval(PERIODIC_CHECK_S, self.check_periodic)
        if self.config_loaded:
            self._apply_ui_settings()
            if self.context.persist:
                self.syncs.read_local_counts()
        else:
            self._load_config()

    @work(thread=True, exclusive=True, group="config-load", exit_on_error=False)
    def _load_config(self) -> None:
        config = load_config(self.context.config_path)
        self.call_from_thread(self._config_arrived, config)

    def _config_arrived(self, config: Config) -> None:
        self.config = config
        self.config_loaded = True
        self._apply_ui_settings()
        self.refresh_dashboard()
        self.syncs.read_local_counts()

    def _apply_ui_settings(self) -> None:
        if self.config.ui.keymap:
            self.set_keymap(keymap_for_textual(self.config.ui.keymap))
        theme = self.config.ui.theme
        if theme and theme in self.available_themes and theme != self.theme:
            self.theme = theme

    def _remember_theme(self, theme: Theme) -> None:
        if not self.config_loaded or self.config.ui.theme == theme.name:
            return

        def change(config: Config) -> None:
            config.ui = replace(config.ui, theme=theme.name)

        self.change_config(change)

    # ------------------------------------------------------------------ secrets

    def secret_store(self) -> SecretStore:
        """The secret store, opened on first use. Call from worker threads only (may block)."""
        with self._secrets_lock:
            if self._secrets is None:
                factory = self.context.secrets_factory or SecretStore
                self._secrets = factory()
            return self._secrets

    # ------------------------------------------------------------------- config

    def change_config(self, change: ConfigChange, then: Callable[[], None] | None = None) -> None:
        """Apply ``change`` to a copy of the config and save it in a worker; then refresh."""
        self._save_config(change, then)

    @work(thread=True, group="config-save", exit_on_error=False)
    def _save_config(self, change: ConfigChange, then: Callable[[], None] | None) -> None:
        self.save_change(change)
        if then is not None:
            self.call_from_thread(then)

    def save_change(self, change: ConfigChange) -> Config:
        """Apply ``change`` to a copy of the config and save it. Worker threads only.

        Saves run one at a time, each on top of the previous one's result; the
        dashboard is refreshed afterwards. Raises what ``save_config`` raises.
        """
        with self._config_lock:
            current = self.config
            updated = replace(current, profiles=dict(current.profiles), ui=replace(current.ui))
            change(updated)
            if self.context.persist:
                save_config(updated, self.context.config_path)
            self.config = updated
        self.call_from_thread(self.refresh_dashboard)
        return updated

    def refresh_dashboard(self) -> None:
        """Redraw the dashboard table from the current config (when it shows again, if hidden)."""
        for screen in self.screen_stack:
            if isinstance(screen, DashboardScreen):
                screen.config_changed()

    def visible_screens(self) -> list[Screen[Any]]:
        """The screens drawn now: the top one, and those seen beneath modal dialogs."""
        shown: list[Screen[Any]] = []
        for screen in reversed(self.screen_stack):
            shown.append(screen)
            if not screen.is_modal:
                break
        return shown

    def repaint_sync(self) -> None:
        """Show the latest sync progress on the screens drawn now, if anything moved.

        A hidden screen catches up when it shows again (each repaints on resume):
        repainting the dashboard under the sync screen cost the UI a table rebuild
        and a footer recompose per finished mailbox, a 400 ms stall when several
        finished together (``bench.tui_bench``).
        """
        version = self.syncs.board.version
        if version == self._painted_version:
            return
        self._painted_version = version
        for screen in self.visible_screens():
            show = getattr(screen, "show_sync", None)
            if show is not None and screen.is_mounted:
                show()

    def check_periodic(self) -> None:
        """Start the periodic syncs that are due (in the background: no screen opens)."""
        from exsync_tui.ui.periodic import due

        if not self.config_loaded:
            return
        profiles = list(self.config.profiles.values())
        chosen = due(profiles, self.syncs.attempts, self.context.clock())
        self.syncs.start([p for p in chosen if not self.syncs.running(p.name)])

    # ------------------------------------------------------------------ failures

    def show_failure(self, error: BaseException) -> None:
        """Open the error help for an unexpected failure of background work."""
        if isinstance(error, ConfigError):
            self.notify(str(error), title="Config problem", severity="error", timeout=10)
        self.push_screen(ErrorHelpScreen(diagnosis_for_exception(error)))

    # ------------------------------------------------------------------- actions

    def action_help(self) -> None:
        """Show the keys of the current screen and where the config file is."""
        from exsync_tui.core import paths

        where = self.config.path or self.context.config_path or paths.config_file()
        self.push_screen(KeysHelpDialog(describe_bindings(self.screen), where))

    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        """Textual's palette commands, with its "Keys" panel (which ``escape`` does not
        close) replaced by the ``?`` dialog, findable as "help" too."""
        for command in super().get_system_commands(screen):
            if command.title != "Keys":
                yield command
        yield SystemCommand(
            "Keys and help", "Every key of this screen, and the config file (?)", self.action_help
        )

    async def action_quit(self) -> None:
        """Quit now: cancel all work in flight instead of waiting for it."""
        self.cancels.cancel_all()
        self.exit()

    def on_unmount(self) -> None:
        """However the app ends, release every thread that waits on the network."""
        self.cancels.cancel_all()


def run_tui(context: UiContext | None = None) -> int:
    """Run the TUI until the user quits."""
    ExsyncApp(context).run()
    return 0
