"""The TUI's Microsoft 365 sign-in dialog, with unpatched msal against the sandbox's authority.

From the dashboard's "sign in" key: approved, declined and expired codes, a
cancel and a quit in the middle of the wait (no worker left running, nothing
saved); a sync that needs a sign-in; and issue 11's "done when", keyboard only.
"""

from __future__ import annotations

from collections.abc import Callable

from textual.pilot import Pilot
from textual.worker import WorkerState

from exsync_tui.core.m365 import DeviceCodePrompt, TokenState, token_health
from exsync_tui.core.profiles import Profile
from exsync_tui.core.secrets import SecretStore
from exsync_tui.core.secrets.memory import MemoryKeyring
from exsync_tui.sandbox import Sandbox
from exsync_tui.ui.app import ExsyncApp
from exsync_tui.ui.screens.advanced import AdvancedSettingsDialog
from exsync_tui.ui.screens.connect import ConnectScreen
from exsync_tui.ui.screens.dashboard import DashboardScreen
from exsync_tui.ui.screens.error_help import ErrorHelpScreen
from exsync_tui.ui.screens.signin import SignInDialog
from exsync_tui.ui.screens.sync import SyncScreen
from exsync_tui.ui.sync_board import RunState
from tests.m365.test_signin import CLIENT_ID, m365_profile
from tests.sync.helpers import assert_mail_matches
from tests.ui.helpers_ui import (
    app_on_disk,
    saved_config,
    screen_text,
    synchronous,
    wait_for_screen,
    wait_until,
)

SIZE = (80, 24)


def _mailbox(sandbox: Sandbox) -> tuple[MemoryKeyring, Profile, ExsyncApp]:
    """A saved Microsoft 365 profile that has never signed in, and the app on it."""
    keyring = MemoryKeyring()
    profile = m365_profile(sandbox)
    return keyring, profile, app_on_disk(keyring, [profile])


def _signin_workers(app: ExsyncApp) -> list[object]:
    """Sign-in workers not finished yet (of any screen, the dialog's included)."""
    running = (WorkerState.PENDING, WorkerState.RUNNING)
    return [w for w in app.workers if w.name == "m365-signin" and w.state in running]


def _state(app: ExsyncApp, name: str) -> RunState | None:
    row = app.syncs.board.row(name)
    return row.state if row is not None else None


async def _code_shown(pilot: Pilot[None], app: ExsyncApp) -> tuple[SignInDialog, DeviceCodePrompt]:
    """The sign-in dialog, once the code it shows is on the screen."""
    await wait_until(pilot, lambda: isinstance(app.screen, SignInDialog))
    dialog = app.screen
    assert isinstance(dialog, SignInDialog)
    await wait_until(pilot, lambda: dialog.prompt is not None)
    prompt = dialog.prompt
    assert prompt is not None
    await wait_until(pilot, lambda: prompt.user_code in screen_text(app))
    return dialog, prompt


async def _open_dialog(pilot: Pilot[None], app: ExsyncApp) -> tuple[SignInDialog, DeviceCodePrompt]:
    """From the dashboard: ``i`` opens the dialog."""
    await wait_until(pilot, lambda: app.config_loaded and "press i to sign in" in screen_text(app))
    await pilot.press("i")
    return await _code_shown(pilot, app)


def _assert_graph_only(sandbox: Sandbox) -> None:
    paths = [entry["path"] for entry in sandbox.control.request_log()]
    assert any(p.startswith("/v1.0/me/mailFolders") for p in paths)
    assert not any(p.lower() == "/ews/exchange.asmx" for p in paths)


@synchronous
async def test_signing_in_again_from_the_dashboard_stores_the_sign_in(
    fresh_sandbox: Callable[..., Sandbox],
) -> None:
    sandbox = fresh_sandbox(messages=1, events=0)
    keyring, _, app = _mailbox(sandbox)
    async with app.run_test(size=SIZE) as pilot:
        dialog, prompt = await _open_dialog(pilot, app)
        text = screen_text(app)
        assert prompt.verification_uri in text and "expires in" in text
        await pilot.press("c")  # copies the code (OSC 52 where the terminal supports it)
        assert app.clipboard == prompt.user_code
        sandbox.control.approve_device_code(prompt.user_code)
        await wait_until(pilot, lambda: not dialog.is_attached)  # popped *and* removed
        await wait_until(pilot, lambda: "Microsoft 365: signed in as" in screen_text(app))
        assert not _signin_workers(app)
    health = token_health(saved_config().profiles["m365"], SecretStore(keyring))
    assert health.state is TokenState.VALID
    assert health.username == sandbox.info.users[0].email


async def _failed_sign_in(
    sandbox: Sandbox, answer: Callable[[str], None]
) -> tuple[str, MemoryKeyring]:
    """Open the dialog and ``answer`` its code; the help topic shown, and the keyring."""
    keyring, _, app = _mailbox(sandbox)
    async with app.run_test(size=SIZE) as pilot:
        dialog, prompt = await _open_dialog(pilot, app)
        answer(prompt.user_code)
        await wait_until(pilot, lambda: isinstance(app.screen, ErrorHelpScreen))
        await wait_until(pilot, lambda: "m365-device-code-" in screen_text(app))
        assert not dialog.is_attached
        await wait_until(pilot, lambda: not _signin_workers(app))
        help_screen = app.screen
        assert isinstance(help_screen, ErrorHelpScreen) and help_screen.diagnosis is not None
        topic = help_screen.diagnosis.topic
        assert topic is not None
    return topic.id, keyring


@synchronous
async def test_a_declined_code_shows_its_help_topic(fresh_sandbox: Callable[..., Sandbox]) -> None:
    sandbox = fresh_sandbox(messages=1, events=0)
    topic, keyring = await _failed_sign_in(sandbox, sandbox.control.decline_device_code)
    assert topic == "m365-device-code-declined"
    health = token_health(saved_config().profiles["m365"], SecretStore(keyring))
    assert health.state is TokenState.SIGN_IN_NEEDED


@synchronous
async def test_an_expired_code_shows_its_help_topic(fresh_sandbox: Callable[..., Sandbox]) -> None:
    sandbox = fresh_sandbox(messages=1, events=0)
    topic, _ = await _failed_sign_in(sandbox, sandbox.control.expire_device_code)
    assert topic == "m365-device-code-expired"


@synchronous
async def test_retry_in_the_help_of_a_declined_code_signs_in_with_a_new_code(
    fresh_sandbox: Callable[..., Sandbox],
) -> None:
    sandbox = fresh_sandbox(messages=1, events=0)
    keyring, profile, app = _mailbox(sandbox)
    async with app.run_test(size=SIZE) as pilot:
        _, declined = await _open_dialog(pilot, app)
        sandbox.control.decline_device_code(declined.user_code)
        await wait_until(pilot, lambda: "m365-device-code-declined" in screen_text(app))
        await pilot.press("r")
        _, prompt = await _code_shown(pilot, app)
        assert prompt.user_code != declined.user_code
        sandbox.control.approve_device_code(prompt.user_code)
        await wait_until(pilot, lambda: "Microsoft 365: signed in as" in screen_text(app))
    assert SecretStore(keyring).get_token_cache(profile.id) is not None


@synchronous
async def test_cancelling_mid_wait_leaves_no_worker_and_saves_nothing(
    fresh_sandbox: Callable[..., Sandbox],
) -> None:
    sandbox = fresh_sandbox(messages=1, events=0)
    keyring, profile, app = _mailbox(sandbox)
    async with app.run_test(size=SIZE) as pilot:
        dialog, prompt = await _open_dialog(pilot, app)
        await pilot.press("escape")
        await wait_until(pilot, lambda: not dialog.is_attached)
        await wait_until(pilot, lambda: not _signin_workers(app))
        assert dialog.cancel.is_set()
        await wait_until(pilot, lambda: "press i to sign in" in screen_text(app))
        # Approving now is too late: nobody polls any more, so nothing is stored.
        sandbox.control.approve_device_code(prompt.user_code)
    assert SecretStore(keyring).get_token_cache(profile.id) is None
    assert saved_config().profiles["m365"] == profile


@synchronous
async def test_quitting_in_the_middle_of_the_wait_ends_the_app_and_the_worker(
    fresh_sandbox: Callable[..., Sandbox],
) -> None:
    sandbox = fresh_sandbox(messages=1, events=0)
    keyring, profile, app = _mailbox(sandbox)
    async with app.run_test(size=SIZE) as pilot:
        dialog, _ = await _open_dialog(pilot, app)
        await pilot.press("q")
    assert dialog.cancel.is_set()
    assert not _signin_workers(app)
    assert SecretStore(keyring).get_token_cache(profile.id) is None


@synchronous
async def test_a_sync_that_needs_a_sign_in_offers_it_then_syncs(
    fresh_sandbox: Callable[..., Sandbox],
) -> None:
    sandbox = fresh_sandbox(messages=4, events=0)
    _, profile, app = _mailbox(sandbox)
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: app.config_loaded)
        await pilot.press("s")
        await wait_for_screen(pilot, app, SyncScreen)
        await wait_until(pilot, lambda: _state(app, "m365") is RunState.FAILED, timeout=60)
        row = app.syncs.board.row("m365")
        assert row is not None and row.topic == "m365-signin-needed"
        await pilot.press("enter")  # on the failed mailbox: the sign-in, not only the topic
        _, prompt = await _code_shown(pilot, app)
        sandbox.control.approve_device_code(prompt.user_code)
        await wait_until(pilot, lambda: _state(app, "m365") is RunState.DONE, timeout=60)
        assert isinstance(app.screen, SyncScreen)
    assert_mail_matches(sandbox, saved_config().profiles["m365"])
    _assert_graph_only(sandbox)


async def _connect_ticked(pilot: Pilot[None], app: ExsyncApp, sandbox: Sandbox) -> None:
    """Keyboard only: the connect screen, Microsoft 365 ticked, the sandbox's hosts set."""
    info = sandbox.info
    assert info.ca_file
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


@synchronous
async def test_cancelling_the_sign_in_of_a_new_mailbox_saves_nothing(
    fresh_sandbox: Callable[..., Sandbox],
) -> None:
    sandbox = fresh_sandbox(messages=1, events=0)
    keyring = MemoryKeyring()
    app = app_on_disk(keyring, [])
    async with app.run_test(size=SIZE) as pilot:
        await _connect_ticked(pilot, app, sandbox)
        await pilot.press("ctrl+s")
        dialog, _ = await _code_shown(pilot, app)
        await pilot.press("escape")
        await wait_for_screen(pilot, app, ConnectScreen)
        await wait_until(pilot, lambda: "Not signed in: nothing was saved" in screen_text(app))
        await wait_until(pilot, lambda: not _signin_workers(app))
        assert not dialog.is_attached
    assert saved_config().profiles == {}
    assert keyring.entries == {}  # no token cache either


@synchronous
async def test_done_when_keyboard_only_at_80x24_add_sign_in_and_sync_through_graph(
    fresh_sandbox: Callable[..., Sandbox],
) -> None:
    """Issue 11's "done when" in the TUI: connect screen, tick Microsoft 365, sign in, `s`."""
    sandbox = fresh_sandbox(messages=12, events=3)
    app = app_on_disk(MemoryKeyring(), [])
    async with app.run_test(size=SIZE) as pilot:
        await _connect_ticked(pilot, app, sandbox)
        await pilot.press("ctrl+s")
        _, prompt = await _code_shown(pilot, app)
        sandbox.control.approve_device_code(prompt.user_code)
        await wait_until(pilot, lambda: "connected and saved" in screen_text(app))
        (profile,) = saved_config().profiles.values()
        assert profile.office365.client_id == CLIENT_ID
        assert profile.office365.authority == sandbox.info.authority_url.rstrip("/")
        await pilot.press("enter")
        await wait_for_screen(pilot, app, DashboardScreen)
        await pilot.press("s")
        await wait_for_screen(pilot, app, SyncScreen)
        await wait_until(pilot, lambda: _state(app, profile.name) is RunState.DONE, timeout=60)
    assert_mail_matches(sandbox, profile)
    _assert_graph_only(sandbox)
