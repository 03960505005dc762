"""Syncing from the TUI against the sandbox: one, all, cancel and resume, failures, mass delete."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from exsync_tui.core.secrets import SecretStore
from exsync_tui.core.secrets.memory import MemoryKeyring
from exsync_tui.sandbox import Sandbox
from exsync_tui.ui.app import ExsyncApp
from exsync_tui.ui.screens.dashboard import DashboardScreen
from exsync_tui.ui.screens.sync import SyncScreen
from exsync_tui.ui.sync_board import RunState
from tests.sync.helpers import assert_mail_matches, profile_for
from tests.ui.helpers_ui import app_on_disk, saved_config, synchronous, wait_for_screen, wait_until


def _state(app: ExsyncApp, name: str) -> RunState | None:
    row = app.syncs.board.row(name)
    return row.state if row is not None else None


def _cell(app: ExsyncApp, name: str, column: str) -> str:
    from textual.widgets import DataTable

    for screen in app.screen_stack:
        if isinstance(screen, DashboardScreen):
            return str(screen.query_one("#mailboxes", DataTable).get_cell(name, column))
    raise AssertionError("no dashboard")


@synchronous
async def test_s_syncs_the_selected_mailbox_and_the_dashboard_shows_what_it_holds(
    fresh_sandbox: Callable[..., Sandbox], memory_keyring: MemoryKeyring
) -> None:
    sb = fresh_sandbox(messages=12, events=2)
    profile = profile_for(sb)
    SecretStore(memory_keyring).set_password(profile.id, sb.info.users[0].password)
    app = app_on_disk(memory_keyring, [profile])
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_until(pilot, lambda: app.config_loaded)
        assert _cell(app, profile.name, "synced") == "never"
        await pilot.press("s")
        await wait_for_screen(pilot, app, SyncScreen)
        await wait_until(pilot, lambda: _state(app, profile.name) is RunState.DONE, timeout=60)
        await wait_until(pilot, lambda: saved_config().profiles[profile.name].metadata.last_synced
                         is not None)  # fmt: skip
        messages = assert_mail_matches(sb, profile)
        await pilot.press("b")
        await wait_for_screen(pilot, app, DashboardScreen)
        await wait_until(pilot, lambda: _cell(app, profile.name, "local").startswith(f"{messages:,} · "))
        assert _cell(app, profile.name, "status") == "✓ synced"
        assert _cell(app, profile.name, "synced") == "just now"
