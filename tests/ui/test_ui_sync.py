"""Syncing from the TUI against the sandbox: one, all, cancel and resume, failures, mass delete."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

import pytest

from exsync_tui.core.secrets import SecretStore
from exsync_tui.core.secrets.memory import MemoryKeyring
from exsync_tui.sandbox import Sandbox
from exsync_tui.ui.app import ExsyncApp
from exsync_tui.ui.screens.dashboard import DashboardScreen
from exsync_tui.ui.screens.sync import SyncScreen
from exsync_tui.ui.sync_board import RunState
from tests.sources.helpers import truth_items
from tests.sync.helpers import all_files, assert_mail_matches, profile_for
from tests.ui.helpers_ui import (
    app_on_disk,
    focused_id,
    saved_config,
    screen_text,
    synchronous,
    wait_for_screen,
    wait_until,
)


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
        held = f"{messages:,} · "
        await wait_until(pilot, lambda: _cell(app, profile.name, "local").startswith(held))
        assert _cell(app, profile.name, "status") == "✓ synced"
        assert _cell(app, profile.name, "synced") == "just now"


def _with_password(sb: Sandbox, keyring: MemoryKeyring, user: int, password: str | None = None):  # type: ignore[no-untyped-def]
    profile = profile_for(sb, user)
    SecretStore(keyring).set_password(profile.id, password or sb.info.users[user].password)
    return profile


@synchronous
async def test_sync_all_a_failing_mailbox_never_stops_the_other_and_enter_opens_its_help(
    fresh_sandbox: Callable[..., Sandbox], memory_keyring: MemoryKeyring
) -> None:
    from exsync_tui.ui.screens.error_help import ErrorHelpScreen

    sb = fresh_sandbox(messages=8, events=1, users=2)
    good = _with_password(sb, memory_keyring, 0)
    bad = _with_password(sb, memory_keyring, 1, "not-the-password")
    app = app_on_disk(memory_keyring, [good, bad])
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_until(pilot, lambda: app.config_loaded)
        await pilot.press("S")
        await wait_for_screen(pilot, app, SyncScreen)
        await wait_until(pilot, lambda: not app.syncs.board.active(), timeout=60)
        assert _state(app, good.name) is RunState.DONE
        assert _state(app, bad.name) is RunState.FAILED
        assert_mail_matches(sb, good)
        topic = app.syncs.board.row(bad.name).topic  # type: ignore[union-attr]
        assert topic and topic != "unexpected-error"
        # The board ends before the screen has drawn its last update.
        await wait_until(pilot, lambda: "Done." in screen_text(app))
        await pilot.press("down", "enter")  # the failed row
        await wait_for_screen(pilot, app, ErrorHelpScreen)
        assert f"help topic: {topic}" in screen_text(app)
        await pilot.press("escape")
        await wait_for_screen(pilot, app, SyncScreen)
        await pilot.press("escape")  # everything is over: escape goes back
        await wait_for_screen(pilot, app, DashboardScreen)
        await wait_until(pilot, lambda: _cell(app, bad.name, "status") == f"✗ {topic}")
        # The worker saves the outcome after the board shows it: wait for the file too.
        await wait_until(
            pilot, lambda: saved_config().profiles[bad.name].metadata.last_error_topic == topic
        )


@synchronous
async def test_cancel_mid_folder_keeps_the_work_and_the_next_sync_completes_it(
    fresh_sandbox: Callable[..., Sandbox], memory_keyring: MemoryKeyring
) -> None:
    sb = fresh_sandbox(messages=10, events=0)
    profile = _with_password(sb, memory_keyring, 0)
    sb.control.inject_fault("hang*1/GetItem")
    app = app_on_disk(memory_keyring, [profile])
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_until(pilot, lambda: app.config_loaded)
        await pilot.press("s")
        await wait_for_screen(pilot, app, SyncScreen)
        assert sb.control.wait_for_request(lambda e: e.get("operation") == "GetItem", 30)
        await pilot.press("s")  # not a key here; and on the dashboard it would be refused
        assert app.syncs.running(profile.name)
        await pilot.press("c")
        await wait_until(pilot, lambda: _state(app, profile.name) is RunState.CANCELLED, timeout=5)
        await wait_until(pilot, lambda: "Stopped: what was synced is kept" in screen_text(app))
        sb.control.clear_faults()
        await pilot.press("b")
        await wait_for_screen(pilot, app, DashboardScreen)
        assert _cell(app, profile.name, "status") == "– sync cancelled"
        await pilot.press("s")
        await wait_for_screen(pilot, app, SyncScreen)
        await wait_until(pilot, lambda: _state(app, profile.name) is RunState.DONE, timeout=60)
    assert_mail_matches(sb, profile)


@synchronous
async def test_leaving_the_screen_keeps_syncing_and_a_second_s_starts_nothing(
    fresh_sandbox: Callable[..., Sandbox], memory_keyring: MemoryKeyring
) -> None:
    sb = fresh_sandbox(messages=10, events=0)
    profile = _with_password(sb, memory_keyring, 0)
    sb.control.inject_fault("hang*1/GetItem")
    app = app_on_disk(memory_keyring, [profile])
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_until(pilot, lambda: app.config_loaded)
        await pilot.press("s")
        await wait_for_screen(pilot, app, SyncScreen)
        assert sb.control.wait_for_request(lambda e: e.get("operation") == "GetItem", 30)
        await pilot.press("b")
        await wait_for_screen(pilot, app, DashboardScreen)
        await wait_until(pilot, lambda: _cell(app, profile.name, "status").startswith("⟳ syncing"))
        assert app.screen.check_action("sync", ()) is False  # already syncing
        assert app.syncs.start([profile]) == []  # and the palette's route refuses too
        await pilot.press("v")
        await wait_for_screen(pilot, app, SyncScreen)
        assert app.syncs.running(profile.name)  # still the same run, shown again
        await pilot.press("escape")  # while it runs, escape cancels
        await wait_until(pilot, lambda: _state(app, profile.name) is RunState.CANCELLED, timeout=5)
        sb.control.clear_faults()
        await pilot.press("escape")  # now it goes back
        await wait_for_screen(pilot, app, DashboardScreen)
        await pilot.press("s")
        await wait_for_screen(pilot, app, SyncScreen)
        await wait_until(pilot, lambda: _state(app, profile.name) is RunState.DONE, timeout=60)
        await pilot.press("space")  # its folders
        await wait_until(pilot, lambda: "inbox" in _sync_rows(app).lower(), timeout=5)
    assert_mail_matches(sb, profile)


def _sync_rows(app: ExsyncApp) -> str:
    from exsync_tui.ui.widgets.sync_table import SyncTable

    table = app.screen.query_one(SyncTable)
    return "\n".join(" ".join(cells) for _, cells in table.rows)


@synchronous
async def test_a_held_mass_delete_asks_and_deleting_as_the_server_says_matches_it(
    fresh_sandbox: Callable[..., Sandbox], memory_keyring: MemoryKeyring
) -> None:
    sb = fresh_sandbox(messages=12, events=0)
    email = sb.info.users[0].email
    profile = _with_password(sb, memory_keyring, 0)
    app = app_on_disk(memory_keyring, [profile])
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_until(pilot, lambda: app.config_loaded)
        await pilot.press("s")
        await wait_until(pilot, lambda: _state(app, profile.name) is RunState.DONE, timeout=60)
        inbox = sorted(truth_items(sb, "inbox"))
        doomed = len(inbox) * 3 // 4
        for item_id in inbox[:doomed]:
            sb.control.delete_message(email, item_id)
        files_before = all_files(profile.effective_mail_dir())
        await pilot.press("b")
        await wait_for_screen(pilot, app, DashboardScreen)
        await pilot.press("s")
        await wait_until(pilot, lambda: focused_id(app) == "no", timeout=60)
        text = screen_text(app)
        assert f"{doomed} of {len(inbox)} messages" in text and "INBOX" in text.upper()
        assert all_files(profile.effective_mail_dir()) == files_before  # held: nothing deleted
        held_run = app.syncs.board.row(profile.name)
        assert held_run is not None and held_run.held
        await pilot.press("tab", "enter")  # "Delete as the server says"

        def allowed_run_done() -> bool:
            row = app.syncs.board.row(profile.name)
            return row is not held_run and row is not None and row.state is RunState.DONE

        await wait_until(pilot, allowed_run_done, timeout=60)
        assert not app.syncs.board.row(profile.name).held  # type: ignore[union-attr]
    assert_mail_matches(sb, profile)


@synchronous
async def test_disabling_shows_the_retention_notice_and_enabling_needs_no_question(
    memory_keyring: MemoryKeyring,
) -> None:
    from exsync_tui.core.profiles import new_profile
    from exsync_tui.ui.screens.confirm import ConfirmDialog

    profile = new_profile("work", "jane@example.com")
    app = app_on_disk(memory_keyring, [profile])
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_until(pilot, lambda: app.config_loaded)
        await pilot.press("t")
        await wait_until(
            pilot, lambda: isinstance(app.screen, ConfirmDialog) and focused_id(app) == "no"
        )
        assert f"kept for {profile.retention_days} days" in screen_text(app)
        await pilot.press("tab", "enter")
        await wait_until(pilot, lambda: not saved_config().profiles["work"].enabled)
        assert saved_config().profiles["work"].disabled_at is not None
        await wait_until(pilot, lambda: _cell(app, "work", "status").startswith("– disabled"))
        assert app.screen.check_action("sync", ()) is False
        await pilot.press("t")
        await wait_until(pilot, lambda: saved_config().profiles["work"].enabled)
        assert saved_config().profiles["work"].disabled_at is None


@synchronous
async def test_a_sync_purges_mailboxes_disabled_past_retention_and_no_password_is_a_named_failure(
    memory_keyring: MemoryKeyring,
) -> None:
    from datetime import UTC, datetime, timedelta

    from exsync_tui.core.profiles import new_profile
    from tests.ui.helpers_ui import mail_dir_with_a_message

    expired = new_profile("gone", "gone@example.com").disabled(
        datetime.now(UTC) - timedelta(days=40)
    )
    mail = mail_dir_with_a_message(expired)
    active = new_profile("work", "jane@example.com")  # no password stored
    app = app_on_disk(memory_keyring, [active, expired])
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_until(pilot, lambda: app.config_loaded)
        await pilot.press("S")
        await wait_until(pilot, lambda: not mail.exists())
        await wait_until(pilot, lambda: _state(app, "work") is RunState.FAILED)
        assert app.syncs.board.row("work").topic == "keyring-unavailable"  # type: ignore[union-attr]
        assert _state(app, "gone") is None  # disabled: never synced


@synchronous
async def test_periodic_sync_runs_by_itself_once_per_interval(
    fresh_sandbox: Callable[..., Sandbox],
    memory_keyring: MemoryKeyring,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from datetime import UTC, datetime, timedelta

    import exsync_tui.ui.app as app_module
    from tests.ui.helpers_ui import screen_text as text_of

    monkeypatch.setattr(app_module, "PERIODIC_CHECK_S", 0.05)
    sb = fresh_sandbox(messages=5, events=0)
    profile = replace(_with_password(sb, memory_keyring, 0), sync_interval_minutes=30)
    now = [datetime.now(UTC)]
    app = app_on_disk(memory_keyring, [profile])
    app.context.clock = lambda: now[0]
    async with app.run_test(size=(80, 24)) as pilot:
        # Never synced: due at once, in the background (no screen opens).
        await wait_until(pilot, lambda: _state(app, profile.name) is RunState.DONE, timeout=60)
        assert isinstance(app.screen, DashboardScreen)
        first = app.syncs.board.row(profile.name)
        await wait_until(pilot, lambda: "Syncs every 30 min; next at" in text_of(app))
        now[0] += timedelta(minutes=10)
        app.check_periodic()
        assert app.syncs.board.row(profile.name) is first  # not due yet
        now[0] += timedelta(minutes=21)

        def second_run_done() -> bool:
            row = app.syncs.board.row(profile.name)
            return row is not first and row is not None and row.state is RunState.DONE

        await wait_until(pilot, second_run_done, timeout=60)
    assert saved_config().profiles[profile.name].sync_interval_minutes == 30
    assert_mail_matches(sb, profile)
