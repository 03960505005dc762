"""The TUI's Microsoft 365 sign-in dialog, with unpatched msal against the sandbox's authority.

From the dashboard's "sign in" key: approved, declined and expired codes, and a
cancel in the middle of the wait (no worker left running, nothing saved).
"""

from __future__ import annotations

from collections.abc import Callable

from textual.worker import WorkerState

from exsync_tui.core.m365 import TokenState, token_health
from exsync_tui.core.secrets import SecretStore
from exsync_tui.core.secrets.memory import MemoryKeyring
from exsync_tui.sandbox import Sandbox
from exsync_tui.ui.app import ExsyncApp
from exsync_tui.ui.screens.error_help import ErrorHelpScreen
from exsync_tui.ui.screens.signin import SignInDialog
from tests.m365.test_signin import m365_profile
from tests.ui.helpers_ui import app_on_disk, saved_config, screen_text, synchronous, wait_until


def _signin_workers(app: ExsyncApp) -> list[object]:
    """Sign-in workers not finished yet (of any screen, the dialog's included)."""
    return [
        w
        for w in app.workers
        if w.name == "m365-signin" and w.state in (WorkerState.PENDING, WorkerState.RUNNING)
    ]


async def _open_dialog(pilot: object, app: ExsyncApp) -> SignInDialog:
    """From the dashboard: ``i`` opens the dialog; returns it once it shows the code."""
    await wait_until(pilot, lambda: app.config_loaded and "press i to sign in" in screen_text(app))  # type: ignore[arg-type]
    await pilot.press("i")  # type: ignore[attr-defined]
    await wait_until(pilot, lambda: isinstance(app.screen, SignInDialog))  # type: ignore[arg-type]
    dialog = app.screen
    assert isinstance(dialog, SignInDialog)
    await wait_until(pilot, lambda: dialog.prompt is not None)  # type: ignore[arg-type]
    assert dialog.prompt is not None
    await wait_until(pilot, lambda: dialog.prompt.user_code in screen_text(app))  # type: ignore[arg-type, union-attr]
    return dialog


@synchronous
async def test_signing_in_again_from_the_dashboard_stores_the_sign_in(
    fresh_sandbox: Callable[..., Sandbox],
) -> None:
    sandbox = fresh_sandbox(messages=1, events=0)
    keyring = MemoryKeyring()
    profile = m365_profile(sandbox)
    app = app_on_disk(keyring, [profile])
    async with app.run_test(size=(80, 24)) as pilot:
        dialog = await _open_dialog(pilot, app)
        assert dialog.prompt is not None
        text = screen_text(app)
        assert dialog.prompt.verification_uri in text and "expires in" in text
        await pilot.press("c")  # copies the code (OSC 52 where the terminal supports it)
        assert app.clipboard == dialog.prompt.user_code
        sandbox.control.approve_device_code(dialog.prompt.user_code)
        await wait_until(pilot, lambda: not dialog.is_attached)
        await wait_until(pilot, lambda: "Microsoft 365: signed in as" in screen_text(app))
        assert not _signin_workers(app)
    health = token_health(saved_config().profiles["m365"], SecretStore(keyring))
    assert health.state is TokenState.VALID
    assert health.username == sandbox.info.users[0].email


async def _failed_sign_in(
    sandbox: Sandbox, answer: Callable[[Sandbox, str], None]
) -> tuple[str, MemoryKeyring]:
    """Open the dialog, let ``answer`` answer the code; the help topic's id shown."""
    keyring = MemoryKeyring()
    app = app_on_disk(keyring, [m365_profile(sandbox)])
    async with app.run_test(size=(80, 24)) as pilot:
        dialog = await _open_dialog(pilot, app)
        assert dialog.prompt is not None
        answer(sandbox, dialog.prompt.user_code)
        await wait_until(pilot, lambda: isinstance(app.screen, ErrorHelpScreen))
        await wait_until(pilot, lambda: "m365-" in screen_text(app))
        assert not dialog.is_attached
        help_screen = app.screen
        assert isinstance(help_screen, ErrorHelpScreen) and help_screen.diagnosis is not None
        await wait_until(pilot, lambda: not _signin_workers(app))
        return help_screen.diagnosis.topic.id if help_screen.diagnosis.topic else "", keyring


@synchronous
async def test_a_declined_code_shows_its_help_topic(fresh_sandbox: Callable[..., Sandbox]) -> None:
    sandbox = fresh_sandbox(messages=1, events=0)
    topic, keyring = await _failed_sign_in(
        sandbox, lambda sb, code: sb.control.decline_device_code(code)
    )
    assert topic == "m365-device-code-declined"
    assert token_health(saved_config().profiles["m365"], SecretStore(keyring)).state is (
        TokenState.SIGN_IN_NEEDED
    )


@synchronous
async def test_an_expired_code_shows_its_help_topic(fresh_sandbox: Callable[..., Sandbox]) -> None:
    sandbox = fresh_sandbox(messages=1, events=0)
    topic, _ = await _failed_sign_in(sandbox, lambda sb, code: sb.control.expire_device_code(code))
    assert topic == "m365-device-code-expired"


@synchronous
async def test_cancelling_mid_wait_leaves_no_worker_and_saves_nothing(
    fresh_sandbox: Callable[..., Sandbox],
) -> None:
    sandbox = fresh_sandbox(messages=1, events=0)
    keyring = MemoryKeyring()
    profile = m365_profile(sandbox)
    app = app_on_disk(keyring, [profile])
    async with app.run_test(size=(80, 24)) as pilot:
        dialog = await _open_dialog(pilot, app)
        assert dialog.prompt is not None
        code = dialog.prompt.user_code
        await pilot.press("escape")
        await wait_until(pilot, lambda: not dialog.is_attached)
        await wait_until(pilot, lambda: not _signin_workers(app))
        assert dialog.cancel.is_set()
        await wait_until(pilot, lambda: "press i to sign in" in screen_text(app))
        # Approving now is too late: nobody polls any more, so nothing is stored.
        sandbox.control.approve_device_code(code)
    assert SecretStore(keyring).get_token_cache(profile.id) is None
    assert saved_config().profiles["m365"] == profile


@synchronous
async def test_done_when_keyboard_only_at_80x24_add_sign_in_and_sync_through_graph(
    fresh_sandbox: Callable[..., Sandbox],
) -> None:
    """Issue 11's "done when" in the TUI: connect screen, tick Microsoft 365, sign in, `s`."""
    from exsync_tui.ui.screens.advanced import AdvancedSettingsDialog
    from exsync_tui.ui.screens.connect import ConnectScreen
    from exsync_tui.ui.screens.dashboard import DashboardScreen
    from exsync_tui.ui.screens.sync import SyncScreen
    from exsync_tui.ui.sync_board import RunState
    from tests.m365.test_signin import CLIENT_ID
    from tests.sync.helpers import assert_mail_matches
    from tests.ui.helpers_ui import wait_for_screen

    sandbox = fresh_sandbox(messages=12, events=3)
    info = sandbox.info
    assert info.ca_file
    keyring = MemoryKeyring()
    app = app_on_disk(keyring, [])
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_until(pilot, lambda: app.config_loaded)
        await pilot.press("a")
        await wait_for_screen(pilot, app, ConnectScreen)
        # email, password (not needed), name (suggested), then tick Microsoft 365
        await pilot.press(*info.users[0].email, "tab", "tab", "tab", "space")
        await wait_until(pilot, lambda: app.screen.query_one("#m365-client-help").display)
        assert not app.screen.query_one("#password-row").display
        assert "client flows: Yes" in screen_text(app)
        await pilot.press("tab", *CLIENT_ID, "f2")
        await wait_for_screen(pilot, app, AdvancedSettingsDialog)
        await pilot.press("tab", "tab", *info.authority_url, "tab", *info.graph_url)
        await pilot.press("tab", *info.ca_file, "ctrl+s")
        await wait_for_screen(pilot, app, ConnectScreen)
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: isinstance(app.screen, SignInDialog))
        dialog = app.screen
        assert isinstance(dialog, SignInDialog)
        await wait_until(pilot, lambda: dialog.prompt is not None)
        assert dialog.prompt is not None
        await wait_until(pilot, lambda: dialog.prompt.user_code in screen_text(app))  # type: ignore[union-attr]
        sandbox.control.approve_device_code(dialog.prompt.user_code)
        await wait_until(pilot, lambda: "connected and saved" in screen_text(app))
        (profile,) = saved_config().profiles.values()
        assert profile.office365.client_id == CLIENT_ID
        assert profile.office365.authority == info.authority_url.rstrip("/")
        await pilot.press("enter")
        await wait_for_screen(pilot, app, DashboardScreen)
        await pilot.press("s")
        await wait_for_screen(pilot, app, SyncScreen)
        board = app.syncs.board
        await wait_until(pilot, lambda: (row := board.row(profile.name)) is not None
                         and row.state is RunState.DONE, timeout=60)  # fmt: skip
    assert_mail_matches(sandbox, profile)
    paths = [entry["path"] for entry in sandbox.control.request_log()]
    assert any(p.startswith("/v1.0/me/mailFolders") for p in paths)
    assert not any(p.lower() == "/ews/exchange.asmx" for p in paths)  # Graph, not EWS


@synchronous
async def test_a_sync_that_needs_a_sign_in_offers_it_then_syncs(
    fresh_sandbox: Callable[..., Sandbox],
) -> None:
    from exsync_tui.ui.screens.sync import SyncScreen
    from exsync_tui.ui.sync_board import RunState
    from tests.sync.helpers import assert_mail_matches
    from tests.ui.helpers_ui import wait_for_screen

    sandbox = fresh_sandbox(messages=4, events=0)
    keyring = MemoryKeyring()
    profile = m365_profile(sandbox)
    app = app_on_disk(keyring, [profile])
    board = app.syncs.board

    def state() -> RunState | None:
        row = board.row(profile.name)
        return row.state if row is not None else None

    async with app.run_test(size=(80, 24)) as pilot:
        await wait_until(pilot, lambda: app.config_loaded)
        await pilot.press("s")
        await wait_for_screen(pilot, app, SyncScreen)
        await wait_until(pilot, lambda: state() is RunState.FAILED, timeout=60)
        row = board.row(profile.name)
        assert row is not None and row.topic == "m365-signin-needed"
        await pilot.press("enter")  # on the failed mailbox: the sign-in, not only the topic
        await wait_until(pilot, lambda: isinstance(app.screen, SignInDialog))
        dialog = app.screen
        assert isinstance(dialog, SignInDialog)
        await wait_until(pilot, lambda: dialog.prompt is not None)
        assert dialog.prompt is not None
        sandbox.control.approve_device_code(dialog.prompt.user_code)
        await wait_until(pilot, lambda: state() is RunState.DONE, timeout=60)
        assert isinstance(app.screen, SyncScreen)
    assert_mail_matches(sandbox, saved_config().profiles["m365"])


@synchronous
async def test_quitting_in_the_middle_of_the_wait_ends_the_app_and_the_worker(
    fresh_sandbox: Callable[..., Sandbox],
) -> None:
    sandbox = fresh_sandbox(messages=1, events=0)
    keyring = MemoryKeyring()
    profile = m365_profile(sandbox)
    app = app_on_disk(keyring, [profile])
    async with app.run_test(size=(80, 24)) as pilot:
        dialog = await _open_dialog(pilot, app)
        await pilot.press("q")
    assert dialog.cancel.is_set()
    assert not _signin_workers(app)
    assert SecretStore(keyring).get_token_cache(profile.id) is None
