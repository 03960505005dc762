"""The demo's flaky mailbox: its first sync fails partway (a busy server), the next recovers."""

from __future__ import annotations

from collections.abc import Callable

from exsync_tui.cli.demo import prepare
from exsync_tui.sandbox import Sandbox
from exsync_tui.ui.app import ExsyncApp
from exsync_tui.ui.screens.dashboard import DashboardScreen
from exsync_tui.ui.screens.sync import SyncScreen
from exsync_tui.ui.sync_board import RunState
from tests.sync.helpers import assert_mail_matches
from tests.ui.helpers_ui import saved_config, synchronous, wait_for_screen, wait_until


def _state(app: ExsyncApp, name: str) -> RunState | None:
    row = app.syncs.board.row(name)
    return row.state if row is not None else None


@synchronous
async def test_the_demo_mailbox_that_goes_busy_mid_sync_fails_then_recovers(
    fresh_sandbox: Callable[..., Sandbox],
) -> None:
    sb = fresh_sandbox(tls=True, domain="example.com", users=4, messages=60, events=2)
    setup = prepare(sb)
    flaky = sb.info.users[3].email.split("@")[0]
    assert flaky in setup.config.profiles
    app = ExsyncApp(setup.context)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_until(pilot, lambda: app.config_loaded)
        dashboard = app.screen
        assert isinstance(dashboard, DashboardScreen)
        while (selected := dashboard.selected_profile()) is None or selected.name != flaky:
            await pilot.press("down")
        await pilot.press("s")
        await wait_for_screen(pilot, app, SyncScreen)
        await wait_until(pilot, lambda: _state(app, flaky) is RunState.FAILED, timeout=60)
        row = app.syncs.board.row(flaky)
        assert row is not None and row.topic == "server-busy"
        assert row.items_done > 0  # partway: some messages came before the server went busy
        await pilot.press("b")
        await wait_for_screen(pilot, app, DashboardScreen)
        await pilot.press("s")  # the same mailbox is still selected
        await wait_until(pilot, lambda: _state(app, flaky) is RunState.DONE, timeout=60)
        await wait_until(
            pilot, lambda: saved_config().profiles[flaky].metadata.last_synced is not None
        )
    assert_mail_matches(sb, saved_config().profiles[flaky], user=3)
